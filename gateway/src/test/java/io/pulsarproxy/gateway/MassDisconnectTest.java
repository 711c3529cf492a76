package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of clients leave in the same moment (a network drop, a client fleet restarting): every connection and
 * subscription must be released, however the gateway spreads the closes over its threads, and the gateway must go
 * on serving. Closing a connection on its IO thread costs XNIO a pass over every ready key, so under such a burst
 * the closes move to a worker thread; this covers both ways.
 */
class MassDisconnectTest
{
    private static final int CLIENTS = 2_000;
    private static final long DEADLINE_MILLIS = 30_000;

    @Test
    void shouldReleaseEveryConnectionAndSubscriptionWhenThousandsOfClientsLeaveAtOnce() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final List<RawWebSocket> clients = new ArrayList<>(CLIENTS);
            try
            {
                for (int i = 0; i < CLIENTS; i++)
                {
                    clients.add(RawWebSocket.start(gw.gateway.port(), "/v1/subscribe?topic=crowd"));
                }
                for (final RawWebSocket client : clients)
                {
                    client.readHandshake();
                    assertEquals(101, client.status, client.body);
                    final RawWebSocket.Frame subscribed = client.nextFrame();
                    assertNotNull(subscribed);
                    assertTrue(subscribed.text().contains("\"subscribed\""), subscribed.text());
                }
                assertEquals(CLIENTS, gw.metrics().value("pulsar_connections"));

                // All leave at once: half with a close frame, half by dropping the TCP connection.
                final byte[] closeFrame = RawWebSocket.frame(0x80 | RawWebSocket.OPCODE_CLOSE, new byte[] {0x03, (byte)0xE8},
                    true);
                for (int i = 0; i < CLIENTS; i += 2)
                {
                    clients.get(i).sendBytes(closeFrame);
                }
                for (int i = 1; i < CLIENTS; i += 2)
                {
                    clients.get(i).close();
                }
            }
            finally
            {
                for (final RawWebSocket client : clients)
                {
                    closeQuietly(client);
                }
            }

            final long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
            while ((gw.metrics().value("pulsar_connections") > 0 || gw.metrics().value("pulsar_subscriptions") > 0) &&
                System.currentTimeMillis() < deadline)
            {
                Thread.sleep(20);
            }
            assertEquals(0, gw.metrics().value("pulsar_connections"), "connections left open");
            assertEquals(0, gw.metrics().value("pulsar_subscriptions"), "subscriptions left behind");

            // Still serving, and the topic's recipients are the new subscriber alone.
            try (WsClient ws = gw.subscribe("crowd"))
            {
                assertEquals(202, gw.publish("crowd", "\"after the crowd\"").statusCode());
                assertEquals("after the crowd", ws.nextMessage().get("payload").asText());
            }
        }
    }

    private static void closeQuietly(final RawWebSocket client)
    {
        try
        {
            client.close();
        }
        catch (final IOException ex)
        {
            // already closed
        }
    }
}
