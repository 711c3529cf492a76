package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The HTTP idle timeout closes idle keep-alive connections; it must not close subscribers, which are idle by nature
 * between messages (they are kept honest by WebSocket pings and SSE heartbeats instead).
 */
class IdleTimeoutTest
{
    @Test
    void shouldKeepQuietSubscribersOpenBeyondTheHttpIdleTimeout() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HTTP_IDLE_TIMEOUT_PROP_NAME, "1000");
            WsClient ws = gw.subscribe("quiet");
            SseTest.SseStream sse = SseTest.SseStream.open(gw, "/v1/topics/quiet/events", null))
        {
            assertEquals("subscribed", sse.next().event());
            Thread.sleep(3_000); // three idle timeouts with no traffic at all
            assertFalse(ws.closed.isDone(), "the WebSocket was closed while quiet");
            assertEquals(202, gw.publish("quiet", "\"still here\"").statusCode());
            assertEquals("still here", ws.nextMessage().get("payload").asText());
            assertEquals("\"still here\"", sse.next().data());
        }
    }
}
