package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Publish bodies are read into an array each IO thread reuses: a body must never see bytes of another, whether the
 * array held a longer body before or another body is read while one waits for the rest of its bytes.
 */
class BodyReuseTest
{
    private static final String JSON = "application/json";

    /**
     * The reused array is longer than a short body that follows a long one; the bytes after the short body are the
     * long body's, and must not be read as part of it.
     */
    @Test
    void shouldReadAShortBodyAfterALongOneOnlyToItsLength() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.IO_THREADS_PROP_NAME, "1");
            WsClient subscriber = gw.subscribe("reuse");
            RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
        {
            assertEquals(202, http.post("/v1/publish", JSON, batch("reuse", "long-", 500)).status());
            final RawHttpConnection.Response batch = http.post("/v1/publish", JSON, batch("reuse", "short-", 1));
            assertEquals(202, batch.status(), batch.body());
            final RawHttpConnection.Response single = http.post("/v1/topics/reuse", JSON, "\"single\"");
            assertEquals(202, single.status(), single.body());

            assertPayloads(subscriber.nextMessages(500), "long-", 500);
            assertEquals("short-0", subscriber.nextMessage().get("payload").asText());
            assertEquals("single", subscriber.nextMessage().get("payload").asText());
        }
    }

    /**
     * One client sends half its body and waits; meanwhile another's body is read on the same IO thread. The
     * waiting body holds the thread's array, so the other must get its own.
     */
    @Test
    void shouldKeepABodyThatWaitsForItsRestApartFromOneReadMeanwhile() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.IO_THREADS_PROP_NAME, "1");
            WsClient subscriber = gw.subscribe("reuse");
            RawHttpConnection waiting = new RawHttpConnection(gw.gateway.port());
            RawHttpConnection other = new RawHttpConnection(gw.gateway.port()))
        {
            // A long body leaves the IO thread an array both later bodies would fit in.
            assertEquals(202, waiting.post("/v1/publish", JSON, batch("reuse", "prime-", 400)).status());

            final byte[] first = batch("reuse", "a-", 100).getBytes(StandardCharsets.UTF_8);
            final int half = first.length / 2;
            waiting.sendHead("/v1/publish", JSON, first.length);
            waiting.sendBytes(first, 0, half);
            Thread.sleep(200); // lets the gateway read the first half into its array

            // Same length as the first body: taking the same array would overwrite exactly its first half.
            final RawHttpConnection.Response meanwhile = other.post("/v1/publish", JSON, batch("reuse", "b-", 100));
            assertEquals(202, meanwhile.status(), meanwhile.body());

            waiting.sendBytes(first, half, first.length - half);
            final RawHttpConnection.Response rest = waiting.read();
            assertEquals(202, rest.status(), rest.body());

            assertPayloads(subscriber.nextMessages(400), "prime-", 400);
            assertPayloads(subscriber.nextMessages(100), "b-", 100);
            assertPayloads(subscriber.nextMessages(100), "a-", 100);
        }
    }

    /**
     * Over TLS a large body arrives in many records, so its read stops and resumes many times; the array must hold
     * it whole, and then serve the next, shorter body.
     */
    @Test
    void shouldReadALargeBodyOverTlsAcrossManyReadsAndThenAShortOne(@TempDir final Path dir) throws Exception
    {
        final Path keystore = FaultTest.keystore(dir);
        try (TestGateway gw = TestGateway.start(FaultTest.trusting(keystore),
            GatewayConfiguration.TLS_KEYSTORE_PROP_NAME, keystore.toString(),
            GatewayConfiguration.TLS_PASSWORD_PROP_NAME, "changeit",
            GatewayConfiguration.IO_THREADS_PROP_NAME, "1");
            WsClient subscriber = gw.subscribe("reuse"))
        {
            final String large = batch("reuse", "tls-" + "x".repeat(200) + "-", 2_000);
            final HttpResponse<String> first = gw.post("/v1/publish", JSON, large);
            assertEquals(202, first.statusCode(), first.body());
            final HttpResponse<String> second = gw.post("/v1/publish", JSON, batch("reuse", "after-", 3));
            assertEquals(202, second.statusCode(), second.body());

            assertPayloads(subscriber.nextMessages(2_000), "tls-" + "x".repeat(200) + "-", 2_000);
            assertPayloads(subscriber.nextMessages(3), "after-", 3);
        }
    }

    private static String batch(final String topic, final String prefix, final int count)
    {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++)
        {
            sb.append(i == 0 ? "" : ",").append("{\"topic\":\"").append(topic).append("\",\"payload\":\"")
                .append(prefix).append(i).append("\"}");
        }
        return sb.append(']').toString();
    }

    private static void assertPayloads(final List<JsonNode> messages, final String prefix, final int count)
    {
        assertEquals(count, messages.size());
        for (int i = 0; i < count; i++)
        {
            assertEquals(prefix + i, messages.get(i).get("payload").asText(), "message " + i);
        }
    }
}
