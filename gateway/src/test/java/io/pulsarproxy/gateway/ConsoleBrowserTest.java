package io.pulsarproxy.gateway;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console in a real browser (Debian's headless Chromium through Selenium) against a real gateway on an
 * ephemeral port: what a person trying the gateway does, checked on the page.
 * <p>
 * Screenshots are kept under {@code gateway/target/console-screenshots/}. Skipped, with a message, on a machine
 * without {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}; {@code .ci/run} installs both.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsoleBrowserTest
{
    private static final int WIDTH = 1440;
    private static final int HEIGHT = 1500;

    @BeforeEach
    void needsChromium()
    {
        Browser.assumeInstalled();
    }

    @Test
    void shouldSubscribePublishAndShowFramesAndProblems() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "3");
            Browser browser = Browser.open(WIDTH, HEIGHT))
        {
            browser.screenshotOnFailure("subscribe-publish", () ->
            {
                browser.driver.get(gw.gateway.httpUrl() + "/");
                assertEquals("Pulsar Proxy console", browser.driver.getTitle());
                browser.await("the overview reaches the gateway", d -> text(browser, "#server-status").equals("gateway up"));
                assertTrue(browser.find("#auth-banner").getAttribute("hidden") != null, "no auth problem without auth");

                // Subscribe from the page over the public WebSocket API.
                subscribe(browser, "console.demo", null);
                browser.await("the WebSocket opens", d -> text(browser, "#ws-status").equals("WebSocket open"));

                // One message from the page, one from an HTTP client: both appear, in order.
                publishFromPage(browser, "console.demo", "{\"from\": \"page\", \"n\": 1}");
                browser.await("the page shows the 202 receipt", d ->
                    text(browser, "#publish-result").startsWith("202 Accepted: 1 message — console.demo seq 1"));
                final HttpResponse<String> http = gw.publish("console.demo", "{\"from\":\"http\",\"n\":2}");
                assertEquals(202, http.statusCode(), http.body());
                final List<WebElement> rows = browser.await("both messages appear", d ->
                {
                    final List<WebElement> found = d.findElements(By.cssSelector("#log .row-msg[data-topic='console.demo']"));
                    return found.size() == 2 ? found : null;
                });
                assertEquals("1", rows.get(0).getAttribute("data-seq"));
                assertEquals("{\"from\":\"page\",\"n\":1}", rows.get(0).findElement(By.cssSelector(".payload")).getText());
                assertEquals("2", rows.get(1).getAttribute("data-seq"));
                assertEquals("{\"from\":\"http\",\"n\":2}", rows.get(1).findElement(By.cssSelector(".payload")).getText());
                assertTrue(rows.get(0).findElement(By.cssSelector("time")).getText().matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"),
                    "time from ts: " + rows.get(0).getText());

                // Invalid JSON is caught on the page; nothing is sent.
                publishFromPage(browser, "console.demo", "{\"from\": \"page\",");
                final WebElement invalid = browser.await("the validation error shows", d ->
                    d.findElements(By.cssSelector("#publish-result .problem.validation")).stream().findFirst().orElse(null));
                assertTrue(invalid.getText().contains("Invalid JSON"), invalid.getText());
                assertTrue(invalid.getText().contains("Nothing was sent"), invalid.getText());
                assertEquals("true", browser.find("#pub-body").getAttribute("aria-invalid"));
                assertEquals(2, TestGateway.json(gw.get("/v1/topics/console.demo").body()).path("seq").asLong(),
                    "the invalid JSON was not published");

                // A bad topic: the server's problem+json is shown.
                publishFromPage(browser, "bad..topic", "{\"ok\": true}");
                final WebElement badTopic = browser.await("the server's problem shows", d -> d.findElements(
                    By.cssSelector("#publish-result .problem:not(.validation)")).stream().findFirst().orElse(null));
                assertTrue(badTopic.getText().startsWith("400"), badTopic.getText());
                assertTrue(badTopic.getText().contains("Invalid topic"), badTopic.getText());
                assertTrue(badTopic.getText().contains("urn:pulsar-proxy:problem:invalid-topic"), badTopic.getText());

                // History keeps 3: resuming from seq 1 gets a gap for 1..2, then 3, 4 and 5.
                for (int i = 1; i <= 5; i++)
                {
                    assertEquals(202, gw.publish("console.old", "{\"old\":" + i + "}").statusCode());
                }
                subscribe(browser, "console.old", 1L);
                final WebElement gap = browser.await("the gap frame shows", d ->
                    d.findElements(By.cssSelector("#log .row-gap[data-topic='console.old']")).stream().findFirst().orElse(null));
                assertTrue(gap.getText().contains("seqs 1..2 lost (history)"), gap.getText());
                final List<WebElement> old = browser.await("the retained messages follow", d ->
                {
                    final List<WebElement> found = d.findElements(By.cssSelector("#log .row-msg[data-topic='console.old']"));
                    return found.size() == 3 ? found : null;
                });
                assertEquals(List.of("3", "4", "5"), old.stream().map(r -> r.getAttribute("data-seq")).toList());

                // A refused subscription is an error frame, shown as such.
                subscribe(browser, "bad..topic", null);
                final WebElement error = browser.await("the error frame shows", d ->
                    d.findElements(By.cssSelector("#log .row-error")).stream().findFirst().orElse(null));
                assertTrue(error.getText().contains("bad-topic"), error.getText());
                browser.await("the refused subscription is dropped", d ->
                    d.findElements(By.cssSelector("#subscriptions .chip[data-topic='bad..topic']")).isEmpty());
                final Set<String> colours = Set.of(rows.get(0).getCssValue("background-color"),
                    gap.getCssValue("background-color"), error.getCssValue("background-color"));
                assertEquals(3, colours.size(), "messages, gaps and errors look different: " + colours);

                // A batch with a bad element: the problem names the element's index.
                browser.find("input[name='mode'][value='batch']").click();
                browser.type("#pub-body", "[{\"topic\": \"console.demo\", \"payload\": 3}, {\"topic\": \"console.demo\"}]");
                browser.find("#publish-button").click();
                final WebElement batchProblem = browser.await("the batch problem shows", d -> d.findElements(
                    By.cssSelector("#publish-result .problem:not(.validation)")).stream().findFirst().orElse(null));
                assertTrue(batchProblem.getText().contains("Missing payload"), batchProblem.getText());
                assertEquals("1", batchProblem.findElement(By.xpath(".//dt[text()='index']/following-sibling::dd[1]")).getText(),
                    batchProblem.getText());
                assertTrue(batchProblem.getText().contains("Element 1: {\"topic\":\"console.demo\"}"), batchProblem.getText());

                // Unsubscribe from the page.
                browser.find("#subscriptions .chip[data-topic='console.demo'] button").click();
                browser.await("the unsubscribed frame shows", d -> !d.findElements(
                    By.cssSelector("#log .row-control[data-frame='unsubscribed'][data-topic='console.demo']")).isEmpty());
                assertTrue(browser.driver.findElements(By.cssSelector("#subscriptions .chip[data-topic='console.demo']")).isEmpty());
                assertEquals(0, TestGateway.json(gw.get("/v1/topics/console.demo").body()).path("subscribers").asLong());

                // The overview: topics with seq and subscribers, counters, and rates from a little traffic that
                // another subscriber (a Java client) receives.
                try (WsClient watcher = gw.subscribe("demo.*"))
                {
                    for (int i = 0; i < 40; i++)
                    {
                        assertEquals(202, gw.post("/v1/publish", "application/json",
                            "[{\"topic\":\"demo.orders\",\"payload\":{\"i\":" + i + "}}," +
                                "{\"topic\":\"demo.prices\",\"payload\":" + (100 + i) + "}]").statusCode());
                        Thread.sleep(150);
                    }
                    assertEquals(80, watcher.nextMessages(80).size());
                    browser.await("connections are counted", d -> text(browser, "#stat-connections").equals("2"));
                    // The page rebuilds the topic table on every poll: read the row's cells inside the wait, which looks
                    // again when a rebuild left the row it found stale.
                    final List<String> cells = browser.await("the topic table lists console.old", d -> d.findElements(
                        By.cssSelector("#topics tbody tr[data-topic='console.old']")).stream().findFirst()
                        .map(row -> row.findElements(By.cssSelector("td")).stream().map(WebElement::getText).toList())
                        .orElse(null));
                    assertEquals(List.of("console.old", "5", "1"), cells.subList(0, 3), cells.toString());
                    browser.await("the delivery rate is shown", d -> !text(browser, "#stat-delivery").equals("–"));
                    browser.await("a latency percentile is shown", d -> !text(browser, "#stat-p99").equals("–"));
                    assertTrue(browser.find("#chart-rates").getAttribute("aria-label").contains("msg/s"),
                        browser.find("#chart-rates").getAttribute("aria-label"));

                    final Path shot = browser.screenshot("console.png");
                    assertTrue(Files.size(shot) > 10_000, "screenshot " + shot);
                }

                // Many topics: the page asks for the rows it shows and says how many there are in all.
                final StringBuilder batch = new StringBuilder("[");
                for (int i = 0; i < 250; i++)
                {
                    batch.append(i == 0 ? "" : ",").append("{\"topic\":\"zz.t").append(1000 + i)
                        .append("\",\"payload\":1}");
                }
                assertEquals(202, gw.post("/v1/publish", "application/json", batch.append("]").toString()).statusCode());
                final int total = TestGateway.json(gw.get("/v1/topics?limit=1").body()).path("total").asInt();
                assertTrue(total > 250, "total " + total);
                browser.await("the note counts every topic", d ->
                    text(browser, "#topics-note").equals("Showing the first 200 of " + total + " topics."));
                assertEquals(200, browser.driver.findElements(By.cssSelector("#topics tbody tr")).size());
            });
        }
    }

    @Test
    void shouldWorkWithATokenAndShowTheProblemWithoutOne() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_SECRET_PROP_NAME, Tokens.SECRET);
            Browser browser = Browser.open(WIDTH, HEIGHT))
        {
            browser.screenshotOnFailure("auth", () ->
            {
                browser.driver.get(gw.gateway.httpUrl() + "/");

                // Without a token: the 401 problem, clearly.
                final WebElement banner = browser.await("the 401 problem shows", d ->
                {
                    final WebElement b = d.findElement(By.id("auth-banner"));
                    return b.isDisplayed() ? b : null;
                });
                assertTrue(banner.getText().startsWith("401"), banner.getText());
                assertTrue(banner.getText().contains("Unauthorized"), banner.getText());
                assertTrue(banner.getText().contains("no bearer token"), banner.getText());
                assertTrue(banner.getText().contains("urn:pulsar-proxy:problem:missing-token"), banner.getText());
                browser.await("the status says so", d -> text(browser, "#server-status").contains("401"));

                subscribe(browser, "secure.news", null);
                final WebElement refused = browser.await("the WebSocket refusal is explained", d ->
                    d.findElements(By.cssSelector("#log .row-error")).stream().findFirst().orElse(null));
                assertTrue(refused.getText().contains("WebSocket refused: 401 Unauthorized"), refused.getText());

                publishFromPage(browser, "secure.news", "{\"headline\": \"nope\"}");
                final WebElement publishRefused = browser.await("the publish is refused", d -> d.findElements(
                    By.cssSelector("#publish-result .problem")).stream().findFirst().orElse(null));
                assertTrue(publishRefused.getText().startsWith("401"), publishRefused.getText());
                browser.screenshot("console-auth-refused.png");

                // With the token: everything works.
                final String token = Tokens.hs256(Tokens.SECRET, "console-user", List.of("secure.>"), List.of("secure.>"));
                browser.type("#token", token);
                browser.find("#token-form button").click();
                browser.await("the overview reaches the gateway", d -> text(browser, "#server-status").equals("gateway up"));
                browser.await("the banner goes", d -> !d.findElement(By.id("auth-banner")).isDisplayed());
                browser.await("the subscription is made", d -> !d.findElements(
                    By.cssSelector("#subscriptions .chip[data-topic='secure.news'][data-status='active']")).isEmpty());

                publishFromPage(browser, "secure.news", "{\"headline\": \"from the page\"}");
                browser.await("the page shows the 202 receipt", d ->
                    text(browser, "#publish-result").startsWith("202 Accepted: 1 message — secure.news seq 1"));
                final HttpResponse<String> http = gw.http.send(HttpRequest.newBuilder(gw.uri("/v1/topics/secure.news"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"headline\":\"from http\"}")).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                assertEquals(202, http.statusCode(), http.body());
                final List<WebElement> rows = browser.await("both messages appear", d ->
                {
                    final List<WebElement> found = d.findElements(By.cssSelector("#log .row-msg[data-topic='secure.news']"));
                    return found.size() == 2 ? found : null;
                });
                assertEquals("{\"headline\":\"from the page\"}", rows.get(0).findElement(By.cssSelector(".payload")).getText());
                assertEquals("{\"headline\":\"from http\"}", rows.get(1).findElement(By.cssSelector(".payload")).getText());

                // The token's claims still apply: a topic outside them is refused with 403.
                publishFromPage(browser, "public.news", "1");
                final WebElement forbidden = browser.await("the 403 problem shows", d -> d.findElements(
                    By.cssSelector("#publish-result .problem")).stream().findFirst().orElse(null));
                assertTrue(forbidden.getText().startsWith("403"), forbidden.getText());
                assertFalse(browser.find("#auth-banner").isDisplayed(), "a 403 is not an authentication problem");

                browser.screenshot("console-auth.png");
            });
        }
    }

    private static void subscribe(final Browser browser, final String topic, final Long from)
    {
        browser.type("#sub-topic", topic);
        if (from != null)
        {
            browser.type("#sub-from", Long.toString(from));
        }
        browser.find("#subscribe-button").click();
    }

    private static void publishFromPage(final Browser browser, final String topic, final String body)
    {
        browser.find("input[name='mode'][value='single']").click();
        browser.type("#pub-topic", topic);
        browser.type("#pub-body", body);
        browser.find("#publish-button").click();
    }

    private static String text(final Browser browser, final String css)
    {
        return browser.find(css).getText();
    }
}
