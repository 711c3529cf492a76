package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A narrow fan-out is written before the publisher's reply: with one IO thread, which owns every connection and runs
 * the inline stages of each publish, a subscriber's frame is already on its socket when the 202 reaches the
 * publisher. Before, the frames waited for the IO thread's next turn, after the 202.
 */
class NarrowFanOutTest
{
    private static final int MESSAGES = 200;

    @Test
    void shouldWriteTheFramesOfANarrowFanOutBeforeThePublishersReply() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.IO_THREADS_PROP_NAME, "1");
            RawWebSocket a = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=narrow");
            RawWebSocket b = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=narrow");
            RawHttpConnection publisher = new RawHttpConnection(gw.gateway.port()))
        {
            assertTrue(a.nextText().contains("\"subscribed\""));
            assertTrue(b.nextText().contains("\"subscribed\""));
            int waiting = 0;
            for (int i = 0; i < MESSAGES; i++)
            {
                final RawHttpConnection.Response reply =
                    publisher.post("/v1/topics/narrow", "application/json", "{\"i\":" + i + "}");
                assertEquals(202, reply.status(), reply.body());
                // Loopback delivers a write before the write returns: whatever the gateway wrote before the 202 is
                // readable now.
                if (a.available() == 0 || b.available() == 0)
                {
                    waiting++;
                }
                assertTrue(a.nextText().contains("\"i\":" + i + "}"));
                assertTrue(b.nextText().contains("\"i\":" + i + "}"));
            }
            assertEquals(0, waiting, "messages whose frames were written after the 202");
        }
    }
}
