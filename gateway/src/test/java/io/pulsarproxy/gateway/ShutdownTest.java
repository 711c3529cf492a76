package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShutdownTest
{
    @Test
    void shouldDeliverEveryAcknowledgedMessageThenCloseWith1001() throws Exception
    {
        final TestGateway gw = TestGateway.start();
        final List<WsClient> subscribers = new ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            for (int i = 0; i < 3; i++)
            {
                subscribers.add(gw.subscribe("drain"));
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Future<List<Long>>> publishers = new ArrayList<>();
            for (int p = 0; p < 4; p++)
            {
                publishers.add(pool.submit(() ->
                {
                    // Publish until the gateway refuses; keep the seqs of every message it acknowledged.
                    final List<Long> acked = new ArrayList<>();
                    while (!stop.get())
                    {
                        final HttpResponse<String> reply;
                        try
                        {
                            reply = gw.publish("drain", "{\"x\":1}");
                        }
                        catch (final java.io.IOException ex)
                        {
                            break; // the server closed the connection: shutdown reached the socket
                        }
                        if (reply.statusCode() == 202)
                        {
                            acked.add(TestGateway.json(reply.body()).get("topics").get(0).get("first").asLong());
                        }
                        else
                        {
                            assertEquals(503, reply.statusCode(), reply.body());
                            break;
                        }
                    }
                    return acked;
                }));
            }
            // Let traffic build up, then shut down under load (the same path as SIGTERM's hook).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (gw.gateway.pipeline().counters().routed() < 2_000 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            gw.close();
            stop.set(true);

            long maxAcked = 0;
            int ackedCount = 0;
            for (final Future<List<Long>> publisher : publishers)
            {
                for (final long seq : publisher.get(30, TimeUnit.SECONDS))
                {
                    maxAcked = Math.max(maxAcked, seq);
                    ackedCount++;
                }
            }
            assertTrue(ackedCount > 0, "nothing was acknowledged before shutdown");

            for (final WsClient subscriber : subscribers)
            {
                assertEquals(1001, subscriber.awaitClose());
                // Every frame arrived before the close frame; all acknowledged seqs must be among them, in order.
                long expected = 1;
                for (final JsonNode m : subscriber.messages)
                {
                    assertEquals(expected++, m.get("seq").asLong());
                }
                assertTrue(expected - 1 >= maxAcked,
                    "subscriber got up to seq " + (expected - 1) + " but seq " + maxAcked + " was acknowledged");
            }
        }
        finally
        {
            pool.shutdownNow();
            subscribers.forEach(WsClient::close);
            gw.close();
        }
    }

    @Test
    void shouldRefuseNewRequestsOnceShutdownBegins() throws Exception
    {
        final TestGateway gw = TestGateway.start();
        assertEquals(200, gw.get("/readyz").statusCode());
        gw.close();
        assertTrue(!gw.gateway.isReady());
    }
}
