package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber that stops reading its socket must cost only itself: it gets exact gaps (drop, latest) or a 1008
 * close (disconnect), while a fast subscriber on the same topics receives everything and publishing goes on.
 */
class SlowConsumerTest
{
    private static final int BATCHES = 200;
    private static final int PER_BATCH = 100;
    private static final String PAD = "x".repeat(1000);

    @Test
    void shouldDropOldestAndReportExactGapsUnderDropPolicy() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_PAYLOAD_PROP_NAME, "16k", GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "512k");
            WsClient fast = gw.subscribe("s");
            WsClient slow = gw.subscribe("s"))
        {
            slow.pause();
            final FastReader reader = new FastReader(fast);
            publish(gw, "s", reader);
            final int total = BATCHES * PER_BATCH;
            assertEquals(Map.of("s", (long)total), reader.last);

            slow.resume();
            final Walk walk = walk(slow, Map.of("s", (long)total));
            assertTrue(walk.gaps > 0, "the stalled subscriber never overflowed; nothing was tested");
            assertEquals(total, walk.last.get("s"));
        }
    }

    @Test
    void shouldCloseWith1008UnderDisconnectPolicy() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_PAYLOAD_PROP_NAME, "16k", GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "512k",
            GatewayConfiguration.SLOW_POLICY_PROP_NAME, "disconnect");
            WsClient fast = gw.subscribe("d");
            WsClient slow = gw.subscribe("d"))
        {
            slow.pause();
            final FastReader reader = new FastReader(fast);
            publish(gw, "d", reader);
            assertEquals(Map.of("d", (long)BATCHES * PER_BATCH), reader.last);
            slow.resume();
            assertEquals(1008, slow.awaitClose());
            assertTrue(slow.closeReason.contains("slow consumer"), slow.closeReason);
            // What it did receive before the close was in order and without gaps.
            long expected = 1;
            for (final JsonNode m : slow.messages)
            {
                assertEquals(expected++, m.get("seq").asLong());
            }
            assertTrue(slow.controls.stream().noneMatch(c -> "gap".equals(c.path("type").asText())));
        }
    }

    @Test
    void shouldKeepNewestPerTopicUnderLatestPolicyAskedPerSubscription() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_PAYLOAD_PROP_NAME, "16k", GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "512k");
            WsClient fast = gw.subscribe("l1", "l2");
            WsClient slow = gw.connect(""))
        {
            slow.send("{\"op\":\"subscribe\",\"topic\":\"l1\",\"policy\":\"latest\"}");
            slow.send("{\"op\":\"subscribe\",\"topic\":\"l2\",\"policy\":\"latest\"}");
            assertEquals("subscribed", slow.nextControl().get("type").asText());
            assertEquals("subscribed", slow.nextControl().get("type").asText());
            slow.pause();
            final FastReader reader = new FastReader(fast);
            for (int b = 0; b < BATCHES; b++)
            {
                final StringBuilder batch = new StringBuilder("[");
                for (int i = 0; i < PER_BATCH; i++)
                {
                    batch.append(i == 0 ? "" : ",").append("{\"topic\":\"l").append(1 + i % 2)
                        .append("\",\"payload\":{\"b\":").append(b).append(",\"i\":").append(i)
                        .append(",\"pad\":\"").append(PAD).append("\"}}");
                }
                assertEquals(202, gw.post("/v1/publish", "application/json", batch.append(']').toString())
                    .statusCode());
                reader.read(PER_BATCH);
            }
            final long perTopic = BATCHES * PER_BATCH / 2;
            assertEquals(Map.of("l1", perTopic, "l2", perTopic), reader.last);

            slow.resume();
            final Walk walk = walk(slow, Map.of("l1", perTopic, "l2", perTopic));
            assertTrue(walk.gaps > 0, "the stalled subscriber never overflowed; nothing was tested");
            // Conflation keeps the newest: each topic ends with its very last message.
            assertEquals(perTopic, walk.last.get("l1"));
            assertEquals(perTopic, walk.last.get("l2"));
        }
    }

    @Test
    void shouldBoundAllOutboundBuffersTogetherAndAnnounceEveryDropWithAGap() throws Exception
    {
        // Four stalled subscribers could each queue 512 KiB; all together may hold only 1 MiB of buffers. Before the
        // bound the sum had none: a 10,000-subscriber burst ran a 256 MiB heap out of memory and lost messages
        // without a gap frame.
        final long bound = 1024 * 1024;
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_PAYLOAD_PROP_NAME, "16k",
            GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "512k",
            GatewayConfiguration.OUTBOUND_TOTAL_MAX_PROP_NAME, Long.toString(bound));
            WsClient s1 = gw.subscribe("t");
            WsClient s2 = gw.subscribe("t");
            WsClient s3 = gw.subscribe("t");
            WsClient s4 = gw.subscribe("t"))
        {
            final WsClient[] slow = {s1, s2, s3, s4};
            for (final WsClient client : slow)
            {
                client.pause();
            }
            double most = 0;
            for (int b = 0; b < BATCHES; b++)
            {
                final StringBuilder batch = new StringBuilder("[");
                for (int i = 0; i < PER_BATCH; i++)
                {
                    batch.append(i == 0 ? "" : ",").append("{\"topic\":\"t\",\"payload\":{\"b\":").append(b)
                        .append(",\"pad\":\"").append(PAD).append("\"}}");
                }
                assertEquals(202, gw.post("/v1/publish", "application/json", batch.append(']').toString())
                    .statusCode());
                most = Math.max(most, gw.metrics().value("pulsar_outbound_bytes"));
            }
            // The sum may pass the bound by the gap frames, which are queued without the check (about 100 bytes).
            assertTrue(most <= bound + 4 * 1024, "outbound buffers held " + most + " bytes, bound " + bound);
            assertTrue(most > bound / 2, "the buffers never came near the bound; nothing was tested: " + most);

            final long total = (long)BATCHES * PER_BATCH;
            int gaps = 0;
            for (final WsClient client : slow)
            {
                client.resume();
                final Walk walk = walk(client, Map.of("t", total));
                gaps += walk.gaps;
                assertEquals(total, walk.last.get("t"), "the newest message reached every subscriber");
            }
            assertTrue(gaps > 0, "nothing was dropped; nothing was tested");
        }
    }

    private static void publish(final TestGateway gw, final String topic, final FastReader fast) throws Exception
    {
        for (int b = 0; b < BATCHES; b++)
        {
            final StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < PER_BATCH; i++)
            {
                batch.append(i == 0 ? "" : ",").append("{\"topic\":\"").append(topic)
                    .append("\",\"payload\":{\"b\":").append(b).append(",\"pad\":\"").append(PAD).append("\"}}");
            }
            assertEquals(202, gw.post("/v1/publish", "application/json", batch.append(']').toString()).statusCode());
            // Publish at the pace the fast subscriber reads, so that only the stalled one falls behind.
            fast.read(PER_BATCH);
        }
    }

    /** Reads a subscriber that keeps up, checking that it gets every message of every topic in order. */
    private static final class FastReader
    {
        final WsClient client;
        final Map<String, Long> last = new HashMap<>();

        FastReader(final WsClient client)
        {
            this.client = client;
        }

        void read(final int count) throws Exception
        {
            for (int n = 0; n < count; n++)
            {
                final JsonNode m = client.nextMessage();
                final String topic = m.get("topic").asText();
                final long expected = last.getOrDefault(topic, 0L) + 1;
                assertEquals(expected, m.get("seq").asLong(), "the fast subscriber lost or reordered " + topic);
                last.put(topic, expected);
            }
            assertTrue(client.controls.isEmpty(), "the fast subscriber got control frames: " + client.controls);
        }
    }

    /** What a subscriber saw, checked frame by frame: per topic, messages and gaps tile 1..N in order. */
    private static final class Walk
    {
        final Map<String, Long> last = new HashMap<>();
        int gaps;
    }

    private static Walk walk(final WsClient client, final Map<String, Long> totals) throws Exception
    {
        final Walk walk = new Walk();
        final Map<String, Long> next = new HashMap<>();
        totals.keySet().forEach(t -> next.put(t, 1L));
        while (!next.entrySet().stream().allMatch(e -> e.getValue() > totals.get(e.getKey())))
        {
            final String frame = client.rawFrames.poll(WsClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (frame == null)
            {
                throw new AssertionError("stalled before the end: next expected " + next);
            }
            final JsonNode node = TestGateway.json(frame);
            if (node.isArray())
            {
                for (final JsonNode m : node)
                {
                    final String topic = m.get("topic").asText();
                    assertEquals(next.get(topic).longValue(), m.get("seq").asLong(), "message out of place: " + m);
                    walk.last.put(topic, m.get("seq").asLong());
                    next.put(topic, m.get("seq").asLong() + 1);
                }
            }
            else if ("gap".equals(node.get("type").asText()))
            {
                final String topic = node.get("topic").asText();
                assertEquals("slow-consumer", node.get("reason").asText());
                assertEquals(next.get(topic).longValue(), node.get("from").asLong(), "gap out of place: " + node);
                assertTrue(node.get("to").asLong() >= node.get("from").asLong(), node.toString());
                next.put(topic, node.get("to").asLong() + 1);
                walk.gaps++;
            }
        }
        totals.forEach((t, n) -> assertEquals(n + 1, next.get(t).longValue(), "tiling of " + t));
        return walk;
    }
}
