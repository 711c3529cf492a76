package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's files over HTTP, without a browser: types, caching, the 404 problem for an unknown asset, and
 * {@code proxy.console.enabled=false}.
 */
class ConsoleHandlerTest
{
    @Test
    void shouldServeThePageAndItsAssetsWithTypesAndCaching() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> page = gw.get("/");
            assertEquals(200, page.statusCode(), page.body());
            assertEquals("text/html; charset=utf-8", header(page, "Content-Type"));
            assertEquals("no-cache", header(page, "Cache-Control"));
            assertEquals("nosniff", header(page, "X-Content-Type-Options"));
            assertEquals(ConsoleHandler.CONTENT_SECURITY_POLICY, header(page, "Content-Security-Policy"));
            assertTrue(page.body().contains("<title>Pulsar Proxy console</title>"), page.body());
            assertTrue(page.body().contains("src=\"console/console.js\""), "the page loads its script relatively");
            assertFalse(page.body().contains("http://") || page.body().contains("https://"),
                "the page refers to nothing outside the gateway");

            final HttpResponse<String> script = gw.get("/console/console.js");
            assertEquals(200, script.statusCode());
            assertEquals("text/javascript; charset=utf-8", header(script, "Content-Type"));
            assertEquals("no-cache", header(script, "Cache-Control"));
            assertTrue(script.body().contains("v1/subscribe"), "the script uses the public WebSocket endpoint");

            final HttpResponse<String> style = gw.get("/console/console.css");
            assertEquals(200, style.statusCode());
            assertEquals("text/css; charset=utf-8", header(style, "Content-Type"));
            assertFalse(style.body().contains("@import") || style.body().contains("url("),
                "the stylesheet loads no fonts or images from anywhere");
        }
    }

    @Test
    void shouldAnswerNotModifiedWhenTheBrowserHasTheCurrentVersion() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> first = gw.get("/console/console.css");
            final String etag = header(first, "ETag");
            assertTrue(etag.startsWith("\"") && etag.endsWith("\"") && etag.length() > 10, etag);

            final HttpResponse<String> again = gw.http.send(HttpRequest.newBuilder(gw.uri("/console/console.css"))
                    .timeout(Duration.ofSeconds(10)).header("If-None-Match", etag).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(304, again.statusCode());
            assertEquals("", again.body());
            assertEquals(etag, header(again, "ETag"));

            final HttpResponse<String> stale = gw.http.send(HttpRequest.newBuilder(gw.uri("/console/console.css"))
                    .timeout(Duration.ofSeconds(10)).header("If-None-Match", "\"old\"").GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(200, stale.statusCode());
            assertEquals(first.body(), stale.body());
        }
    }

    @Test
    void shouldAnswerAProblemForAnUnknownAssetOrMethod() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> missing = gw.get("/console/missing.js");
            assertEquals(404, missing.statusCode());
            assertEquals("application/problem+json", header(missing, "Content-Type"));
            final JsonNode problem = TestGateway.json(missing.body());
            assertEquals("urn:pulsar-proxy:problem:not-found", problem.path("type").asText());
            assertEquals(404, problem.path("status").asInt());
            assertEquals("/console/missing.js", problem.path("instance").asText());

            final HttpResponse<String> post = gw.send("POST", "/");
            assertEquals(405, post.statusCode(), post.body());
            assertEquals("application/problem+json", header(post, "Content-Type"));
        }
    }

    @Test
    void shouldNotServeTheConsoleWhenDisabled() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.CONSOLE_ENABLED_PROP_NAME, "false"))
        {
            assertFalse(gw.gateway.config().consoleEnabled());
            for (final String path : new String[] {"/", "/console/console.js", "/console/console.css"})
            {
                final HttpResponse<String> response = gw.get(path);
                assertEquals(404, response.statusCode(), path);
                assertEquals("application/problem+json", header(response, "Content-Type"), path);
            }
            assertEquals(200, gw.get("/v1/stats").statusCode(), "the stats endpoint is API, not console");
        }
    }

    @Test
    void shouldEnableTheConsoleByDefaultAndPrintTheSetting()
    {
        final GatewayConfiguration defaults = GatewayConfiguration.load(new Properties());
        assertTrue(defaults.consoleEnabled());
        assertTrue(defaults.toString().contains("proxy.console.enabled = true"), defaults.toString());

        final Properties off = new Properties();
        off.setProperty(GatewayConfiguration.CONSOLE_ENABLED_PROP_NAME, "false");
        final GatewayConfiguration disabled = GatewayConfiguration.load(off);
        assertFalse(disabled.consoleEnabled());
        assertTrue(disabled.toString().contains("proxy.console.enabled = false"), disabled.toString());
    }

    private static String header(final HttpResponse<String> response, final String name)
    {
        return response.headers().firstValue(name).orElse("");
    }
}
