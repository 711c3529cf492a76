package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium driven by Selenium through Debian's chromedriver, with a fresh profile; close it to quit
 * the browser and delete the profile.
 * <p>
 * Both binaries come from the Debian packages {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs: Selenium is given their paths, so Selenium Manager never runs and nothing is downloaded. The flags are
 * the ones that work on this project's machines: without the background-networking ones, Chromium keeps trying to
 * reach Google's hosts through a closed network.
 */
final class Browser implements AutoCloseable
{
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(20);

    final ChromeDriver driver;
    private final Path profile;

    private Browser(final int width, final int height) throws IOException
    {
        profile = Files.createTempDirectory("console-chromium-");
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-extensions",
            "--lang=en-US",
            "--force-device-scale-factor=1",
            "--window-size=" + width + "," + height,
            "--user-data-dir=" + profile);
        final ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(artifacts().resolve("chromedriver.log").toFile())
            .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    /**
     * Skips the calling test, saying why, unless Debian's Chromium and chromedriver are installed.
     */
    static void assumeInstalled()
    {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
            "browser test skipped: it needs Debian's headless Chromium and its driver at " + CHROMIUM + " and " +
                CHROMEDRIVER + " (apt-get install -y chromium chromium-driver; .ci/run installs them)");
    }

    /**
     * Starts a browser whose window has the given size.
     */
    static Browser open(final int width, final int height) throws IOException
    {
        return new Browser(width, height);
    }

    /**
     * Where screenshots and the driver's log are kept: {@code target/console-screenshots} of the module.
     */
    static Path artifacts() throws IOException
    {
        final Path dir = Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("console-screenshots");
        Files.createDirectories(dir);
        return dir;
    }

    /**
     * Waits up to {@link #WAIT} for the condition to give a value that is neither null nor false.
     */
    <T> T await(final String what, final Function<ChromeDriver, T> condition)
    {
        return new WebDriverWait(driver, WAIT)
            .withMessage(what)
            .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
            .until(d -> condition.apply(driver));
    }

    WebElement find(final String css)
    {
        return driver.findElement(By.cssSelector(css));
    }

    /**
     * Replaces the text of an input or textarea by typing.
     */
    void type(final String css, final String text)
    {
        final WebElement element = find(css);
        element.clear();
        element.sendKeys(text);
    }

    /**
     * Saves a PNG of the window under {@link #artifacts()}.
     */
    Path screenshot(final String name) throws IOException
    {
        final File png = driver.getScreenshotAs(OutputType.FILE);
        final Path target = artifacts().resolve(name);
        Files.copy(png.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /**
     * Runs test steps and, if one fails, keeps a screenshot of the page as it was ({@code failed-<name>.png}).
     */
    void screenshotOnFailure(final String name, final Steps steps) throws Exception
    {
        try
        {
            steps.run();
        }
        catch (final Exception | AssertionError ex)
        {
            try
            {
                screenshot("failed-" + name + ".png");
            }
            catch (final RuntimeException | IOException shot)
            {
                ex.addSuppressed(shot);
            }
            throw ex;
        }
    }

    /**
     * Test steps that may throw.
     */
    interface Steps
    {
        void run() throws Exception;
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            driver.quit();
        }
        finally
        {
            try (Stream<Path> files = Files.walk(profile))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
