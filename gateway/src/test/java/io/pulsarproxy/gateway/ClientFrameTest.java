package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client frames over a real WebSocket: every bad frame gets an {@code error} frame and leaves the connection usable;
 * ping, subscribe and unsubscribe do what they say; the per-connection subscription limit and the connection limit
 * hold.
 */
class ClientFrameTest
{
    private static final int HANDSHAKE_REFUSED = 503;
    private static final int RECONNECT_ATTEMPTS = 50;
    private static final long RECONNECT_PAUSE_MILLIS = 100;

    @Test
    void shouldAnswerEveryBadFrameWithAnErrorAndStayUsable() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient ws = gw.connect(""))
        {
            expectError(ws, "hello", "bad-frame", null);
            expectError(ws, "", "bad-frame", null);
            expectError(ws, "   ", "bad-frame", null);
            expectError(ws, "{\"op\":\"subscribe\"", "bad-frame", null);
            expectError(ws, "{\"op\":\"ping\"} {}", "bad-frame", null);
            expectError(ws, "[{\"op\":\"ping\"}]", "bad-frame", null);
            expectError(ws, "[]", "bad-frame", null);
            expectError(ws, "42", "bad-frame", null);
            expectError(ws, "\"ping\"", "bad-frame", null);
            expectError(ws, "{}", "bad-op", null);
            expectError(ws, "{\"topic\":\"chat.missing-op\"}", "bad-op", null);
            expectError(ws, "{\"op\":7}", "bad-op", null);
            expectError(ws, "{\"op\":\"jump\",\"topic\":\"chat.jump\"}", "bad-op", "jump");
            expectError(ws, "{\"op\":\"SUBSCRIBE\",\"topic\":\"chat.upper\"}", "bad-op", "SUBSCRIBE");
            expectError(ws, "{\"op\":\"subscribe\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"unsubscribe\"}", "bad-topic", "unsubscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":5}", "bad-topic", null);
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat..bad\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat bad\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"" + "c".repeat(201) + "\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat.*.x*\"}", "bad-topic", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat.member\",\"mode\":\"fast\"}", "bad-op", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat.from\",\"from\":-1}", "bad-from", "subscribe");
            expectError(ws, "{\"op\":\"subscribe\",\"topic\":\"chat.from\",\"from\":\"5\"}", "bad-from", "subscribe");

            ws.sendBinary("{\"op\":\"subscribe\",\"topic\":\"chat.binary\"}".getBytes(StandardCharsets.UTF_8));
            assertError(ws.nextControl(), "unsupported", null, "binary frame");

            // None of them subscribed anything: no frame besides the errors, and no topic exists.
            ws.ping();
            assertTrue(ws.controls.isEmpty(), () -> "unexpected control frames: " + ws.controls);
            assertTrue(ws.messages.isEmpty(), () -> "unexpected messages: " + ws.messages);
            final JsonNode topics = TestGateway.json(gw.get("/v1/topics").body());
            assertEquals(0, topics.path("topics").size(), "a bad frame created a topic: " + topics);

            ws.send("{\"op\":\"subscribe\",\"topic\":\"chat\"}");
            final JsonNode subscribed = ws.nextControl();
            assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
            assertEquals("chat", subscribed.path("topic").asText(), subscribed.toString());
            assertTrue(subscribed.path("seq").isIntegralNumber(), subscribed.toString());
            assertEquals(0, subscribed.path("seq").asLong(), subscribed.toString());
            assertFalse(subscribed.path("epoch").asText().isEmpty(), subscribed.toString());
            assertEquals(gw.gateway.config().epoch(), subscribed.path("epoch").asText(), subscribed.toString());

            assertEquals(202, gw.publish("chat", "{\"hi\":[1,2]}").statusCode());
            final JsonNode message = ws.nextMessage();
            assertEquals("chat", message.path("topic").asText(), message.toString());
            assertEquals(1, message.path("seq").asLong(), message.toString());
            assertEquals(TestGateway.json("{\"hi\":[1,2]}"), message.path("payload"), message.toString());
            assertTrue(message.path("ts").asLong() > 0, message.toString());
            assertTrue(ws.controls.isEmpty(), () -> "unexpected control frames: " + ws.controls);
        }
    }

    @Test
    void shouldAnswerPingWithPong() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient ws = gw.connect(""))
        {
            ws.send("{\"op\":\"ping\"}");
            assertEquals("pong", ws.nextControl().path("type").asText());
            ws.send(" { \"op\" : \"ping\" }\n");
            assertEquals("pong", ws.nextControl().path("type").asText());
            assertTrue(ws.controls.isEmpty(), () -> "one pong per ping: " + ws.controls);
        }
    }

    @Test
    void shouldStopDeliveryOfATopicAfterUnsubscribe() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient ws = gw.subscribe("news.a", "news.b"))
        {
            assertEquals(202, gw.publish("news.a", "1").statusCode());
            final JsonNode before = ws.nextMessage();
            assertEquals("news.a", before.path("topic").asText(), before.toString());
            assertEquals(1, before.path("seq").asLong(), before.toString());

            ws.send("{\"op\":\"unsubscribe\",\"topic\":\"news.a\"}");
            final JsonNode unsubscribed = ws.nextControl();
            assertEquals("unsubscribed", unsubscribed.path("type").asText(), unsubscribed.toString());
            assertEquals("news.a", unsubscribed.path("topic").asText(), unsubscribed.toString());

            // Published in this order, each acknowledged before the next: a message of news.a would come first.
            final HttpResponse<String> old = gw.publish("news.a", "2");
            assertEquals(202, old.statusCode(), old.body());
            assertEquals(2, TestGateway.json(old.body()).path("topics").path(0).path("first").asLong(), old.body());
            assertEquals(202, gw.publish("news.b", "3").statusCode());
            final JsonNode after = ws.nextMessage();
            assertEquals("news.b", after.path("topic").asText(), "news.a was delivered after unsubscribe: " + after);
            assertEquals(1, after.path("seq").asLong(), after.toString());
            assertEquals(3, after.path("payload").asInt(), after.toString());
            ws.ping();
            assertTrue(ws.messages.isEmpty(), () -> "unexpected messages: " + ws.messages);

            final JsonNode stats = TestGateway.json(gw.get("/v1/topics/news.a").body());
            assertEquals(0, stats.path("subscribers").asInt(), stats.toString());
            assertEquals(2, stats.path("seq").asLong(), stats.toString());
        }
    }

    @Test
    void shouldRefuseASubscriptionBeyondTheLimitPerConnection() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_SUBSCRIPTIONS_PROP_NAME, "2");
             WsClient ws = gw.connect(""))
        {
            expectSubscribed(ws, "lim.a", 0);
            expectSubscribed(ws, "lim.b", 0);
            ws.send("{\"op\":\"subscribe\",\"topic\":\"lim.c\"}");
            final JsonNode refused = ws.nextControl();
            assertError(refused, "too-many-subscriptions", "subscribe", "third subscribe");
            assertEquals("lim.c", refused.path("topic").asText(), refused.toString());

            // A topic already held does not count again.
            expectSubscribed(ws, "lim.a", 0);

            assertEquals(202, gw.publish("lim.c", "1").statusCode());
            assertEquals(202, gw.publish("lim.a", "2").statusCode());
            final JsonNode first = ws.nextMessage();
            assertEquals("lim.a", first.path("topic").asText(), "the refused subscription delivered: " + first);

            ws.send("{\"op\":\"unsubscribe\",\"topic\":\"lim.b\"}");
            assertEquals("unsubscribed", ws.nextControl().path("type").asText());
            expectSubscribed(ws, "lim.c", 1);
            assertEquals(202, gw.publish("lim.c", "3").statusCode());
            final JsonNode second = ws.nextMessage();
            assertEquals("lim.c", second.path("topic").asText(), second.toString());
            assertEquals(2, second.path("seq").asLong(), second.toString());

            try (WsClient query = gw.connect("topic=q.x&topic=q.y&topic=q.z"))
            {
                assertEquals("subscribed", query.nextControl().path("type").asText());
                assertEquals("subscribed", query.nextControl().path("type").asText());
                final JsonNode third = query.nextControl();
                assertError(third, "too-many-subscriptions", "subscribe", "third topic of the query string");
                assertEquals("q.z", third.path("topic").asText(), third.toString());
            }
        }
    }

    @Test
    void shouldRefuseAHandshakeBeyondTheConnectionLimitUntilOneCloses() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_CONNECTIONS_PROP_NAME, "2");
             WsClient second = gw.subscribe("conn"))
        {
            final WsClient first = gw.subscribe("conn");
            try
            {
                assertEquals(HANDSHAKE_REFUSED, handshakeStatus(gw), "third connection");
            }
            finally
            {
                first.close();
            }

            // The gateway learns of the close asynchronously: retry until it has.
            WsClient third = null;
            for (int attempt = 0; third == null && attempt < RECONNECT_ATTEMPTS; attempt++)
            {
                try
                {
                    third = gw.connect("topic=conn");
                }
                catch (final ExecutionException ex)
                {
                    assertEquals(HANDSHAKE_REFUSED, statusOf(ex));
                    Thread.sleep(RECONNECT_PAUSE_MILLIS);
                }
            }
            assertNotNull(third, "no connection accepted after one of two was closed");
            try (WsClient replacement = third)
            {
                assertEquals("subscribed", replacement.nextControl().path("type").asText());
                assertEquals(HANDSHAKE_REFUSED, handshakeStatus(gw), "the limit holds again");

                assertEquals(202, gw.publish("conn", "7").statusCode());
                assertEquals(7, replacement.nextMessage().path("payload").asInt());
                assertEquals(7, second.nextMessage().path("payload").asInt());
            }
        }
    }

    private static JsonNode expectError(final WsClient ws, final String frame, final String code, final String op)
        throws Exception
    {
        ws.send(frame);
        final JsonNode error = ws.nextControl();
        assertError(error, code, op, frame);
        return error;
    }

    private static void assertError(final JsonNode error, final String code, final String op, final String frame)
    {
        final String context = frame + " -> " + error;
        assertEquals("error", error.path("type").asText(), context);
        assertEquals(code, error.path("code").asText(), context);
        assertTrue(error.path("message").isTextual() && !error.path("message").asText().isBlank(), context);
        if (op != null)
        {
            assertEquals(op, error.path("op").asText(), context);
        }
    }

    private static void expectSubscribed(final WsClient ws, final String topic, final long seq) throws Exception
    {
        ws.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}");
        final JsonNode subscribed = ws.nextControl();
        assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
        assertEquals(topic, subscribed.path("topic").asText(), subscribed.toString());
        assertEquals(seq, subscribed.path("seq").asLong(), subscribed.toString());
    }

    /**
     * Tries a handshake that is expected to be refused and returns its HTTP status.
     */
    private static int handshakeStatus(final TestGateway gw) throws Exception
    {
        final WsClient unexpected;
        try
        {
            unexpected = gw.connect("");
        }
        catch (final ExecutionException ex)
        {
            return statusOf(ex);
        }
        unexpected.close();
        throw new AssertionError("the handshake was accepted");
    }

    private static int statusOf(final ExecutionException ex)
    {
        if (ex.getCause() instanceof WebSocketHandshakeException)
        {
            return ((WebSocketHandshakeException)ex.getCause()).getResponse().statusCode();
        }
        throw new AssertionError("the handshake failed without an HTTP answer", ex);
    }
}
