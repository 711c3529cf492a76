package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

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
    private static final int VANISHING = 50;

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

    @Test
    void shouldKeepDeliveringToTheOthersWhenASubscriberVanishesDuringANarrowFanOut() throws Exception
    {
        // Narrow fan-outs now write from inside the stages. Each round sends a publish, then resets a subscriber's
        // connection at once: the one IO thread mostly sees the publish first and fails its write to the reset
        // connection from inside the stages; the close must detach that connection without disturbing the drain,
        // the other subscriber or the publisher.
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.IO_THREADS_PROP_NAME, "1");
            RawWebSocket stays = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=vanish");
            RawHttpConnection publisher = new RawHttpConnection(gw.gateway.port()))
        {
            assertTrue(stays.nextText().contains("\"subscribed\""));
            for (int i = 0; i < VANISHING; i++)
            {
                final RawWebSocket gone = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=vanish");
                assertTrue(gone.nextText().contains("\"subscribed\""));
                publisher.send("/v1/topics/vanish", "application/json", "{\"i\":" + i + "}");
                gone.reset();
                final RawHttpConnection.Response reply = publisher.read();
                assertEquals(202, reply.status(), reply.body());
                assertTrue(stays.nextText().contains("\"i\":" + i + "}"), "message " + i);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (gw.gateway.subscribeEndpoint().counters().connections() > 1 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(1, gw.gateway.subscribeEndpoint().counters().connections(), "the vanished ones are gone");
            assertEquals(0, gw.gateway.pipeline().counters().stageErrors());
        }
    }
}
