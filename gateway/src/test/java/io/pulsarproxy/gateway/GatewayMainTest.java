package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GatewayMain} as an operator runs it: a separate JVM configured by {@code -Dproxy.*}, exiting with code 2 on
 * bad configuration, serving after a good start, and shutting down on SIGTERM.
 */
class GatewayMainTest
{
    /** The flags of the surefire argLine in the parent pom (property {@code jvm.flags}). */
    private static final List<String> JVM_FLAGS = List.of(
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    private static final long PROCESS_TIMEOUT_SECONDS = 60;
    private static final Pattern HEALTH_URL = Pattern.compile("health:\\s+(http://\\S+/healthz)");
    private static final Pattern STOPPED_LINE = Pattern.compile("(?m)\\bGateway - stopped$");

    @TempDir
    Path dir;

    @Test
    void shouldExitWithCode2AndNameThePropertyOnBadConfiguration() throws Exception
    {
        final Process process = start("-D" + GatewayConfiguration.RING_SIZE_PROP_NAME + "=3");
        try
        {
            assertTrue(process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the process did not exit");
            final String stderr = read("stderr");
            assertEquals(2, process.exitValue(), () -> "stderr: " + stderr);
            assertTrue(stderr.contains(GatewayConfiguration.RING_SIZE_PROP_NAME), stderr);
            assertTrue(stderr.contains("configuration error"), stderr);
            assertFalse(read("stdout").contains("Pulsar Proxy listening"), read("stdout"));
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    @Test
    void shouldExitWithCode1AndSaySoWhenRedisCannotBeReached() throws Exception
    {
        final int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            closedPort = socket.getLocalPort();
        }
        final Process process = start("-D" + GatewayConfiguration.PORT_PROP_NAME + "=0",
            "-D" + GatewayConfiguration.ENGINE_PROP_NAME + "=redis",
            "-D" + GatewayConfiguration.REDIS_URI_PROP_NAME + "=redis://:hunter2@127.0.0.1:" + closedPort,
            "-D" + GatewayConfiguration.REDIS_TIMEOUT_PROP_NAME + "=1000");
        try
        {
            assertTrue(process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the process did not exit");
            final String stderr = read("stderr");
            assertEquals(1, process.exitValue(), () -> "stderr: " + stderr);
            assertTrue(stderr.contains("cannot reach Redis at redis://***@127.0.0.1:" + closedPort), stderr);
            assertFalse(stderr.contains("hunter2") || read("stdout").contains("hunter2"), "the password leaked");
            assertFalse(read("stdout").contains("Pulsar Proxy listening"), read("stdout"));
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    @Test
    void shouldServeAfterAGoodStartAndStopOnSigterm() throws Exception
    {
        final Process process = start("-D" + GatewayConfiguration.PORT_PROP_NAME + "=0");
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROCESS_TIMEOUT_SECONDS);
            // The banner ends with the health URL; wait for it, not just for the first banner line.
            while (!HEALTH_URL.matcher(read("stdout")).find() && process.isAlive() && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            final String stdout = read("stdout");
            assertTrue(stdout.contains("Pulsar Proxy listening"), () -> "stdout:\n" + stdout + "\nstderr:\n" +
                readQuietly("stderr"));
            assertTrue(stdout.contains("  " + GatewayConfiguration.PORT_PROP_NAME + " = 0"), stdout);

            final Matcher health = HEALTH_URL.matcher(stdout);
            assertTrue(health.find(), stdout);
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            final HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(health.group(1))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(200, response.statusCode(), response.body());

            process.destroy();
            assertTrue(process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the process ignored SIGTERM");
            final String output = read("stdout") + read("stderr");
            assertTrue(output.contains("shutting down"), output);
            assertTrue(STOPPED_LINE.matcher(output).find(), () -> "no shutdown log line 'stopped':\n" + output);
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private Process start(final String... properties) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(List.of(properties));
        command.add(GatewayMain.class.getName());
        return new ProcessBuilder(command)
            .redirectOutput(dir.resolve("stdout").toFile())
            .redirectError(dir.resolve("stderr").toFile())
            .start();
    }

    private String read(final String name) throws IOException
    {
        final Path file = dir.resolve(name);
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private String readQuietly(final String name)
    {
        try
        {
            return read(name);
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }
}
