package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Several gateway nodes with the Redis engine ({@code proxy.engine=redis}) against one real {@code redis-server}
 * (the {@link RedisServer} fixture, a child process on a free port): what is published on any node reaches the
 * subscribers of every node, in one order with the same seqs and epoch; resume works on another node and after a
 * restart; a Redis crash costs no acknowledged message; idempotency keys and patterns span the nodes; the keys in
 * Redis follow the documented layout.
 * <p>
 * Every test starts its own Redis and uses a key prefix of its own; nodes, clients and Redis are closed after each
 * test, whatever happened.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterTest
{
    static final String ENGINE_PROP = "proxy.engine";
    static final String REDIS_URI_PROP = "proxy.redis.uri";
    static final String REDIS_TIMEOUT_PROP = "proxy.redis.timeout.ms";
    static final String REDIS_PREFIX_PROP = "proxy.redis.prefix";
    static final String REDIS_TTL_PROP = "proxy.redis.history.ttl.seconds";

    private static final String JSON = "application/json";
    private static final String NDJSON = "application/x-ndjson";
    private static final long WAIT_MILLIS = 20_000;

    private final Closer closer = new Closer();
    private RedisServer redis;
    private String prefix;

    @BeforeEach
    void startRedis(final TestInfo info) throws IOException
    {
        redis = closer.add(RedisServer.start());
        prefix = "ct-" + info.getTestMethod().map(Method::getName).orElse("test");
    }

    @AfterEach
    void closeEverything()
    {
        closer.close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // a. fan-out across nodes
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldDeliverWhatOneNodeAcceptsToSubscribersOnEveryNodeInOneOrderWithTheSameSeqs() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final TestGateway c = node();
        final List<String> topics = List.of("a.one", "a.two", "a.three", "a.fresh");
        final Expected expected = new Expected();

        // The first three topics exist before anyone subscribes; a.fresh gets its first message only afterwards.
        expected.record("created on A", a.post("/v1/publish", JSON, batch(List.of(
            message("a.one", "{\"k\":\"first a.one\"}"),
            message("a.two", "{\"k\":\"first a.two\"}"),
            message("a.three", "{\"k\":\"first a.three\"}")))), List.of(
            Map.entry("a.one", "{\"k\":\"first a.one\"}"),
            Map.entry("a.two", "{\"k\":\"first a.two\"}"),
            Map.entry("a.three", "{\"k\":\"first a.three\"}")));

        final List<WsClient> subscribers = new ArrayList<>();
        final List<String> freshEpochs = new ArrayList<>();
        final Map<String, Long> subscribedAt = new HashMap<>();
        for (final TestGateway node : List.of(a, b, c))
        {
            final WsClient ws = closer.add(node.connect("topic=a.one&topic=a.two&topic=a.three&topic=a.fresh"));
            final Map<String, JsonNode> frames = subscribedFrames(ws, topics.size());
            for (final String topic : List.of("a.one", "a.two", "a.three"))
            {
                final JsonNode frame = frames.get(topic);
                assertEquals(expected.epochs.get(topic), frame.path("epoch").asText(),
                    "node " + node.gateway.port() + " names another epoch for " + topic + ": " + frame);
                assertEquals(1, frame.path("seq").asLong(), "current seq of " + topic + ": " + frame);
                subscribedAt.put(topic, 1L);
            }
            assertEquals(0, frames.get("a.fresh").path("seq").asLong(), frames.get("a.fresh").toString());
            freshEpochs.add(frames.get("a.fresh").path("epoch").asText());
            subscribers.add(ws);
        }
        subscribedAt.put("a.fresh", 0L);
        assertEquals(1, new HashSet<>(freshEpochs).size(),
            "the nodes name different epochs for the not yet published topic a.fresh: " + freshEpochs);

        // Single POSTs on A.
        for (int i = 0; i < 15; i++)
        {
            final String payload = "{\"single\":" + i + "}";
            expected.record("single " + i, a.publish("a.one", payload), List.of(Map.entry("a.one", payload)));
        }
        // Batches over all four topics on A, as JSON arrays and as NDJSON.
        for (int batch = 0; batch < 8; batch++)
        {
            final List<Map.Entry<String, String>> messages = new ArrayList<>();
            for (int j = 0; j < 12; j++)
            {
                messages.add(Map.entry(topics.get((batch + j) % topics.size()),
                    "{\"batch\":" + batch + ",\"j\":" + j + ",\"s\":\"x\\ny\"}"));
            }
            final List<String> bodies = new ArrayList<>();
            for (final Map.Entry<String, String> m : messages)
            {
                bodies.add(message(m.getKey(), m.getValue()));
            }
            final HttpResponse<String> reply = batch % 2 == 0
                ? a.post("/v1/publish", JSON, batch(bodies))
                : a.post("/v1/publish", NDJSON, String.join("\n", bodies) + "\n");
            expected.record("batch " + batch, reply, messages);
        }
        assertEquals(freshEpochs.get(0), expected.epochs.get("a.fresh"),
            "the first publish to a.fresh got another epoch than the subscribed frames named");

        for (int s = 0; s < subscribers.size(); s++)
        {
            final WsClient ws = subscribers.get(s);
            final List<JsonNode> received = ws.nextMessages(expected.count(subscribedAt));
            expected.assertDelivered("subscriber on node " + "ABC".charAt(s), received, subscribedAt);
        }
        assertOnlySentinelsFollow(a, subscribers, topics);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // b. resume on another node, WebSocket and SSE
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldResumeOnAnotherNodeExactlyWhereTheSubscriberLeftOff() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final TestGateway c = node();
        final String topic = "b.r";
        final Map<Long, String> payloads = new TreeMap<>();
        String epoch = null;
        for (int i = 1; i <= 10; i++)
        {
            epoch = publishOne(a, topic, "{\"n\":" + i + "}", i, epoch, payloads);
        }

        try (WsClient first = a.connect("topic=" + topic + "&from=1"))
        {
            final JsonNode subscribed = first.nextControl();
            assertSubscribed(subscribed, topic, 10, epoch);
            for (long seq = 1; seq <= 4; seq++)
            {
                assertMessage(first.nextMessage(), topic, seq, payloads.get(seq));
            }
        }
        // Published while nobody listens, on A and on C.
        for (int i = 11; i <= 16; i++)
        {
            epoch = publishOne(i <= 13 ? a : c, topic, "{\"n\":" + i + "}", i, epoch, payloads);
        }

        final WsClient resumed = closer.add(b.connect("topic=" + topic + "&from=5&epoch=" + epoch));
        assertSubscribed(resumed.nextControl(), topic, 16, epoch);
        for (long seq = 5; seq <= 16; seq++)
        {
            assertMessage(resumed.nextMessage(), topic, seq, payloads.get(seq));
        }
        epoch = publishOne(a, topic, "{\"n\":17}", 17, epoch, payloads);
        assertMessage(resumed.nextMessage(), topic, 17, payloads.get(17L));
        final Map<String, Long> sentinelSeqs = assertOnlySentinelsFollow(a, List.of(resumed), List.of(topic));
        payloads.put(sentinelSeqs.get(topic), sentinel(topic));

        // SSE on a third node: Last-Event-ID is the seq, so it resumes after it.
        try (SseTest.SseStream stream = SseTest.SseStream.open(c, "/v1/topics/" + topic + "/events", "8"))
        {
            final SseTest.Event subscribed = stream.next();
            assertEquals("subscribed", subscribed.event(), subscribed.toString());
            final JsonNode data = TestGateway.json(subscribed.data());
            assertEquals(18, data.path("seq").asLong(), subscribed.toString());
            assertEquals(epoch, data.path("epoch").asText(), subscribed.toString());
            for (long seq = 9; seq <= 18; seq++)
            {
                final SseTest.Event event = stream.next();
                assertEquals("message", event.event(), "seq " + seq + ": " + event);
                assertEquals(Long.toString(seq), event.id(), event.toString());
                assertEquals(payloads.get(seq), event.data(), event.toString());
            }
            epoch = publishOne(b, topic, "{\"n\":19}", 19, epoch, payloads);
            final SseTest.Event live = stream.next();
            assertEquals("19", live.id(), live.toString());
            assertEquals("{\"n\":19}", live.data());
        }

        // SSE with ?from= and ?epoch= on A.
        try (SseTest.SseStream stream =
            SseTest.SseStream.open(a, "/v1/topics/" + topic + "/events?from=15&epoch=" + epoch, null))
        {
            assertEquals("subscribed", stream.next().event());
            for (long seq = 15; seq <= 19; seq++)
            {
                final SseTest.Event event = stream.next();
                assertEquals("message", event.event(), "seq " + seq + ": " + event);
                assertEquals(Long.toString(seq), event.id());
                assertEquals(payloads.get(seq), event.data());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // c. every gateway restarted
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldReplayFromRedisAfterEveryGatewayWasRestarted() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final String topic = "c.log";
        final Map<Long, String> payloads = new TreeMap<>();
        String epoch = null;
        long seq = 0;
        for (int i = 0; i < 30; i++)
        {
            epoch = publishOne(a, topic, "{\"i\":" + i + "}", ++seq, epoch, payloads);
        }
        final List<String> batch = new ArrayList<>();
        for (int i = 30; i < 70; i++)
        {
            batch.add(message(topic, "{\"i\":" + i + "}"));
        }
        final JsonNode receipt = accepted(b.post("/v1/publish", JSON, batch(batch)));
        final JsonNode range = topicEntry(receipt, topic);
        assertEquals(seq + 1, range.path("first").asLong(), receipt.toString());
        assertEquals(seq + 40, range.path("last").asLong(), receipt.toString());
        assertEquals(epoch, range.path("epoch").asText(), "node B names another epoch: " + receipt);
        for (int i = 30; i < 70; i++)
        {
            payloads.put(++seq, "{\"i\":" + i + "}");
        }
        for (int i = 70; i < 100; i++)
        {
            epoch = publishOne(a, topic, "{\"i\":" + i + "}", ++seq, epoch, payloads);
        }

        a.close();
        b.close();

        final TestGateway d = node();
        final WsClient ws = closer.add(d.connect("topic=" + topic + "&from=1&epoch=" + epoch));
        assertSubscribed(ws.nextControl(), topic, 100, epoch);
        for (long s = 1; s <= 100; s++)
        {
            assertMessage(ws.nextMessage(), topic, s, payloads.get(s));
        }
        publishOne(d, topic, "{\"i\":100}", 101, epoch, payloads);
        assertMessage(ws.nextMessage(), topic, 101, "{\"i\":100}");
        assertOnlySentinelsFollow(d, List.of(ws), List.of(topic));

        final JsonNode info = TestGateway.json(d.get("/v1/topics/" + topic).body());
        assertEquals(102, info.path("seq").asLong(), info.toString());
        assertEquals(epoch, info.path("epoch").asText(), info.toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // d. Redis crashes and comes back
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldLoseNoAcknowledgedMessageWhenRedisIsKilledAndRestartedDuringAPublishStream() throws Exception
    {
        final String[] settings = {REDIS_TIMEOUT_PROP, "1000",
            GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "100000", GatewayConfiguration.HISTORY_BYTES_PROP_NAME, "64m"};
        final TestGateway a = node(settings);
        final TestGateway b = node(settings);
        final String topic = "d.s";
        final WsClient sub = closer.add(b.connect("topic=" + topic));
        final JsonNode subscribed = sub.nextControl();
        assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
        final long subscribedSeq = subscribed.path("seq").asLong();

        final Publisher publisher = closer.add(new Publisher(a, topic));
        final long startedAt = System.nanoTime();
        publisher.start();
        await("50 publishes accepted before the crash", () -> publisher.count(202, startedAt) >= 50);

        final long killedAt = System.nanoTime();
        redis.kill();
        await("20 publishes refused with 503 after the crash", () -> publisher.count(503, killedAt) >= 20);
        await("/readyz answering 503 on both nodes while Redis is down",
            () -> status(a, "/readyz") == 503 && status(b, "/readyz") == 503);
        final HttpResponse<String> direct = b.publish(topic, "{\"direct\":true}");
        assertEngineDown(direct.statusCode(), direct.headers().firstValue("Content-Type").orElse(null),
            direct.headers().firstValue("Retry-After").orElse(null), direct.body(), "a publish on B during the outage");
        assertFalse(sub.closed.isDone(), "the subscriber's WebSocket ended during the outage: " + closeOf(sub));

        final long restartedAt = System.nanoTime();
        redis.restart();
        await("/readyz answering 200 on both nodes after Redis came back",
            () -> status(a, "/readyz") == 200 && status(b, "/readyz") == 200);
        await("50 publishes accepted after Redis came back", () -> publisher.count(202, restartedAt) >= 50);
        publisher.stop();

        final JsonNode sentinelReceipt = accepted(a.publish(topic, "{\"sentinel\":true}"));
        final long sentinelSeq = topicEntry(sentinelReceipt, topic).path("last").asLong();
        final String epoch = topicEntry(sentinelReceipt, topic).path("epoch").asText();

        // What the publisher saw: only 202 and well-formed 503s, one epoch throughout (the AOF kept it).
        final List<String> badOutcomes = new ArrayList<>();
        final Map<Long, Long> ackedSeqToN = new TreeMap<>();
        final Set<Long> unacknowledgedNs = new HashSet<>();
        int refused = 0;
        for (final Publisher.Outcome outcome : publisher.outcomes())
        {
            if (outcome.status() == 202)
            {
                final JsonNode receipt = TestGateway.json(outcome.body());
                final JsonNode entry = topicEntry(receipt, topic);
                if (!epoch.equals(entry.path("epoch").asText()))
                {
                    badOutcomes.add("n=" + outcome.n() + " got epoch " + entry.path("epoch").asText() +
                        ", the sentinel " + epoch);
                }
                final Long other = ackedSeqToN.put(entry.path("first").asLong(), outcome.n());
                if (other != null)
                {
                    badOutcomes.add("seq " + entry.path("first").asLong() + " acknowledged twice: n=" + other +
                        " and n=" + outcome.n());
                }
            }
            else if (outcome.status() == 503)
            {
                refused++;
                unacknowledgedNs.add(outcome.n());
                try
                {
                    assertEngineDown(503, outcome.contentType(), outcome.retryAfter(), outcome.body(),
                        "publish n=" + outcome.n());
                }
                catch (final AssertionError ex)
                {
                    badOutcomes.add(ex.getMessage());
                }
            }
            else
            {
                unacknowledgedNs.add(outcome.n());
                badOutcomes.add("n=" + outcome.n() + ": " + (outcome.status() < 0 ? outcome.error()
                    : outcome.status() + " " + outcome.body()));
            }
        }
        assertTrue(refused > 0, "no publish was refused during the outage");

        // What the subscriber on B saw: everything up to the sentinel, its socket open throughout.
        final List<JsonNode> delivered = new ArrayList<>();
        while (true)
        {
            final JsonNode m;
            try
            {
                m = sub.nextMessage();
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError("the subscriber on B stopped receiving after " + describe(delivered) +
                    "; controls " + sub.controls + "; close " + closeOf(sub), ex);
            }
            delivered.add(m);
            if (m.path("payload").has("sentinel"))
            {
                break;
            }
        }
        assertFalse(sub.closed.isDone(), "the subscriber's WebSocket ended: " + closeOf(sub));
        sub.ping();
        final List<JsonNode> gaps = new ArrayList<>();
        final List<JsonNode> otherControls = new ArrayList<>();
        for (JsonNode control; (control = sub.controls.poll()) != null; )
        {
            ("gap".equals(control.path("type").asText()) ? gaps : otherControls).add(control);
        }

        final List<String> problems = new ArrayList<>(badOutcomes);
        problems.addAll(checkAccounted("subscriber on B", delivered, gaps, subscribedSeq + 1, sentinelSeq,
            ackedSeqToN));
        if (!otherControls.isEmpty())
        {
            problems.add("unexpected control frames: " + otherControls);
        }
        for (final JsonNode m : delivered)
        {
            if (m.path("payload").has("n") && unacknowledgedNs.contains(m.path("payload").path("n").asLong()))
            {
                System.out.println("note: delivered although its publish was refused (ambiguous outcome): " + m);
            }
        }
        System.out.println("Redis crash test: " + ackedSeqToN.size() + " acknowledged, " + refused + " refused, " +
            delivered.size() + " delivered to B, gaps " + gaps + ", sentinel seq " + sentinelSeq);
        if (!problems.isEmpty())
        {
            fail(String.join("\n", problems));
        }
        // The stream held every message (history far larger than the test), so nothing had to become a gap.
        assertTrue(gaps.isEmpty(), "gap frames although the Redis stream still holds every seq: " + gaps);

        // Durability: a new subscriber on A replays everything acknowledged from the reloaded stream.
        try (WsClient replay = a.connect("topic=" + topic + "&from=1&epoch=" + epoch))
        {
            assertSubscribed(replay.nextControl(), topic, sentinelSeq, epoch);
            final List<JsonNode> replayed = new ArrayList<>();
            while (replayed.isEmpty() || replayed.get(replayed.size() - 1).path("seq").asLong() < sentinelSeq)
            {
                try
                {
                    replayed.add(replay.nextMessage());
                }
                catch (final AssertionError ex)
                {
                    throw new AssertionError("the replay on A stopped after " + describe(replayed) + "; controls " +
                        replay.controls, ex);
                }
            }
            replay.ping();
            final List<JsonNode> replayGaps = new ArrayList<>(replay.controls);
            final List<String> replayProblems = checkAccounted("replay on A from 1", replayed, replayGaps, 1,
                sentinelSeq, ackedSeqToN);
            if (!replayProblems.isEmpty() || !replayGaps.isEmpty())
            {
                fail(String.join("\n", replayProblems) + "\ncontrols: " + replayGaps);
            }
        }
    }

    @Test
    void shouldRefillFromTheStreamWhatANodeMissedWhileItsPubSubConnectionWasDown() throws Exception
    {
        // Each drop's messages are published right after it, before Lettuce reconnects (its first attempt comes after
        // 50 ms or more), so they reach B only by the refill that follows the reconnect; B gets them all before the
        // next drop.
        dropPubSubWhilePublishing(5, 1, 25, false, 1);
    }

    /**
     * The Pub/Sub connection flaps: dropped, and dropped again as soon as it is back (0 to 2 ms after, while the node
     * may still be handling that reconnect); the reconnect after the second drop must refill what was missed too.
     * Thirty times.
     */
    @Test
    void shouldRefillAfterTheLastReconnectWhenThePubSubConnectionFlaps() throws Exception
    {
        dropPubSubWhilePublishing(50, 2, 3, true, 300);
    }

    /**
     * Node B follows a topic. Per cycle, {@code drops} times: once B's Pub/Sub subscription is back, every Pub/Sub
     * connection is dropped ({@code CLIENT KILL TYPE pubsub}) and A publishes {@code perDrop} messages at once. Then
     * B's subscriber must get every seq so far, in order, without a later publish revealing what was missed; and at
     * the end nothing more (sentinel).
     */
    private void dropPubSubWhilePublishing(final int cycles, final int drops, final int perDrop, final boolean jitter,
        final int followed) throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final String topic = "d2.t";
        final String channel = prefix + ":{" + topic + "}";
        final WsClient sub = closer.add(b.connect("topic=" + topic));
        assertSubscribed(sub.nextControl(), topic, 0, null);
        if (followed > 1)
        {
            // More topics followed make B's handling of each reconnect (subscribe again, ask every seq) take longer.
            final StringBuilder query = new StringBuilder("topic=d2.pad.0");
            for (int i = 1; i < followed - 1; i++)
            {
                query.append("&topic=d2.pad.").append(i);
            }
            final WsClient others = closer.add(b.connect(query.toString()));
            subscribedFrames(others, followed - 1);
        }
        final Map<Long, String> payloads = new TreeMap<>();
        final List<JsonNode> received = new ArrayList<>();
        String epoch = null;
        long seq = 0;
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            for (int drop = 0; drop < drops; drop++)
            {
                final String round = "cycle " + cycle + " drop " + drop;
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while ((Long)redis.list("PUBSUB", "NUMSUB", channel).get(1) < 1)
                {
                    assertTrue(System.nanoTime() - deadline < 0, round + ": B did not subscribe to " + channel +
                        " again within " + WAIT_MILLIS + " ms");
                    Thread.sleep(1);
                }
                if (jitter && drop > 0)
                {
                    final long until = System.nanoTime() +
                        TimeUnit.MICROSECONDS.toNanos(java.util.concurrent.ThreadLocalRandom.current().nextInt(4_000));
                    while (System.nanoTime() - until < 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                final long killed = redis.integer("CLIENT", "KILL", "TYPE", "pubsub");
                assertTrue(killed >= 1, round + ": no Pub/Sub connection to drop (the nodes use none?)");
                final List<String> batch = new ArrayList<>();
                for (int i = 0; i < perDrop - 1; i++)
                {
                    batch.add(message(topic, "{\"cycle\":" + cycle + ",\"drop\":" + drop + ",\"i\":" + i + "}"));
                }
                if (!batch.isEmpty())
                {
                    final JsonNode receipt = accepted(a.post("/v1/publish", JSON, batch(batch)));
                    assertEquals(seq + 1, topicEntry(receipt, topic).path("first").asLong(), receipt.toString());
                    for (int i = 0; i < perDrop - 1; i++)
                    {
                        payloads.put(++seq, "{\"cycle\":" + cycle + ",\"drop\":" + drop + ",\"i\":" + i + "}");
                    }
                }
                epoch = publishOne(a, topic, "{\"cycle\":" + cycle + ",\"drop\":" + drop + ",\"i\":" +
                    (perDrop - 1) + "}", ++seq, epoch, payloads);
            }
            readInOrder(sub, topic, received, seq, payloads, "cycle " + cycle);
        }
        assertOnlySentinelsFollow(a, List.of(sub), List.of(topic));
    }

    /** Reads messages until {@code upTo}, each the next seq with its payload, failing with what came when stuck. */
    private static void readInOrder(final WsClient sub, final String topic, final List<JsonNode> received,
        final long upTo, final Map<Long, String> payloads, final String when) throws Exception
    {
        for (long s = received.size() + 1; s <= upTo; s++)
        {
            final JsonNode m;
            try
            {
                m = sub.nextMessage();
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError(when + ": after the Pub/Sub connection came back, B delivered only " +
                    describe(received) + " of seqs 1.." + upTo + " (no later publish came to reveal the rest); " +
                    "controls " + sub.controls, ex);
            }
            received.add(m);
            assertMessage(m, topic, s, payloads.get(s));
        }
    }

    @Test
    void shouldAnnounceANewEpochWhenRedisLostTheTopicInsteadOfPretendingContinuity() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final String topic = "d3.e";
        final WsClient live = closer.add(b.connect("topic=" + topic));
        assertSubscribed(live.nextControl(), topic, 0, null);
        String oldEpoch = null;
        for (int i = 1; i <= 10; i++)
        {
            oldEpoch = publishOne(a, topic, "{\"old\":" + i + "}", i, oldEpoch, new HashMap<>());
        }
        for (long seq = 1; seq <= 10; seq++)
        {
            assertMessage(live.nextMessage(), topic, seq, "{\"old\":" + seq + "}");
        }

        // Redis loses everything (as one without durable persistence would in a crash).
        redis.flushAll();
        final JsonNode receipt = accepted(a.publish(topic, "{\"new\":1}"));
        final JsonNode entry = topicEntry(receipt, topic);
        assertEquals(1, entry.path("first").asLong(), "the sequence restarts: " + receipt);
        final String newEpoch = entry.path("epoch").asText();
        assertFalse(newEpoch.equals(oldEpoch), "a restarted sequence must have a new epoch: " + receipt);

        // The subscriber that was live across it is told, then gets the new sequence.
        final JsonNode gap = live.nextControl();
        assertEquals("gap", gap.path("type").asText(), gap.toString());
        assertEquals("epoch", gap.path("reason").asText(), gap.toString());
        assertEquals(newEpoch, gap.path("epoch").asText(), gap.toString());
        assertMessage(live.nextMessage(), topic, 1, "{\"new\":1}");

        // A resume with the old epoch on another node: an epoch gap, not seq 11 of some other sequence.
        try (WsClient resume = b.connect("topic=" + topic + "&from=11&epoch=" + oldEpoch))
        {
            assertSubscribed(resume.nextControl(), topic, 1, newEpoch);
            final JsonNode resumeGap = resume.nextControl();
            assertEquals("gap", resumeGap.path("type").asText(), resumeGap.toString());
            assertEquals("epoch", resumeGap.path("reason").asText(), resumeGap.toString());
            assertEquals(newEpoch, resumeGap.path("epoch").asText(), resumeGap.toString());
            assertEquals(1, resumeGap.path("from").asLong(), resumeGap.toString());
            assertEquals(0, resumeGap.path("to").asLong(), "nothing of the new sequence was lost: " + resumeGap);
            assertMessage(resume.nextMessage(), topic, 1, "{\"new\":1}");
        }
    }

    /**
     * {@code pulsar_engine_up} follows Redis: 1, 0 while it is down, 1 again; also after garbage collections (a
     * Micrometer gauge holds its state object only weakly).
     */
    @Test
    void shouldReportPulsarEngineUpAsRedisGoesAndComesBack() throws Exception
    {
        final TestGateway a = node(REDIS_TIMEOUT_PROP, "1000");
        assertEquals(1.0, a.metrics().value("pulsar_engine_up"), "pulsar_engine_up at start");
        System.gc();
        assertEquals(1.0, a.metrics().value("pulsar_engine_up"), "pulsar_engine_up after a garbage collection");
        assertEngineStats(a, true);
        redis.kill();
        await("pulsar_engine_up 0 while Redis is down", () -> a.metrics().value("pulsar_engine_up") == 0.0);
        assertEngineStats(a, false);
        redis.restart();
        await("pulsar_engine_up 1 after Redis came back", () -> a.metrics().value("pulsar_engine_up") == 1.0);
        assertEngineStats(a, true);
    }

    /** Each message from the feed is counted once, where it arrives (the engine), not again where route sees it. */
    @Test
    void shouldCountEachLiveMessageOnce() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final WsClient sub = closer.add(b.connect("topic=m.live"));
        assertSubscribed(sub.nextControl(), "m.live", 0, null);
        for (int i = 0; i < 7; i++)
        {
            accepted(a.publish("m.live", Integer.toString(i)));
        }
        sub.nextMessages(7);
        assertEquals(7.0, b.metrics().value("pulsar_engine_live_messages_total"), "live messages counted on B");
        assertEquals(7.0, a.metrics().value("pulsar_engine_stored_messages_total"), "messages stored by A");
    }

    /** {@code GET /v1/stats} names the engine and tells whether it is up, as the metric does. */
    private static void assertEngineStats(final TestGateway node, final boolean up) throws Exception
    {
        final JsonNode engine = TestGateway.json(node.get("/v1/stats").body()).path("engine");
        assertEquals("redis", engine.path("kind").asText(), engine.toString());
        assertEquals(up, engine.path("up").asBoolean(), engine.toString());
        assertTrue(engine.path("storeFailures").isNumber() && engine.path("refills").isNumber(), engine.toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // e. concurrent publishers on every node
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldGiveEveryNodeTheSameSequenceUnderConcurrentPublishersOnAllNodes() throws Exception
    {
        final List<TestGateway> nodes = List.of(node(), node(), node());
        final String topic = "e.c";
        final int publishers = 6;
        final int perPublisher = 250;
        final List<WsClient> subscribers = new ArrayList<>();
        for (final TestGateway node : nodes)
        {
            final WsClient ws = closer.add(node.connect("topic=" + topic));
            assertSubscribed(ws.nextControl(), topic, 0, null);
            subscribers.add(ws);
        }

        final ExecutorService pool = Executors.newFixedThreadPool(publishers);
        closer.add(pool::shutdownNow);
        final List<Future<Map<Long, String>>> results = new ArrayList<>();
        for (int p = 0; p < publishers; p++)
        {
            final int publisher = p;
            final TestGateway node = nodes.get(p % nodes.size());
            results.add(pool.submit(() ->
            {
                final Map<Long, String> seqToPayload = new LinkedHashMap<>();
                try (RawHttpConnection http = new RawHttpConnection(node.gateway.port()))
                {
                    long last = 0;
                    for (int i = 0; i < perPublisher; i++)
                    {
                        final String payload = "{\"p\":" + publisher + ",\"i\":" + i + "}";
                        final RawHttpConnection.Response reply = http.post("/v1/topics/" + topic, JSON, payload);
                        if (reply.status() != 202)
                        {
                            throw new AssertionError("publisher " + publisher + " message " + i + ": " +
                                reply.status() + " " + reply.body());
                        }
                        final JsonNode entry = topicEntry(TestGateway.json(reply.body()), topic);
                        final long seq = entry.path("first").asLong();
                        if (seq <= last)
                        {
                            throw new AssertionError("publisher " + publisher + " got seq " + seq + " after " + last);
                        }
                        last = seq;
                        seqToPayload.put(seq, payload + "@" + entry.path("epoch").asText());
                    }
                }
                return seqToPayload;
            }));
        }
        final TreeMap<Long, String> expected = new TreeMap<>();
        final Set<String> epochs = new HashSet<>();
        for (final Future<Map<Long, String>> result : results)
        {
            for (final Map.Entry<Long, String> e : result.get(90, TimeUnit.SECONDS).entrySet())
            {
                final int at = e.getValue().lastIndexOf('@');
                epochs.add(e.getValue().substring(at + 1));
                final String previous = expected.put(e.getKey(), e.getValue().substring(0, at));
                if (previous != null)
                {
                    fail("seq " + e.getKey() + " was given to two messages: " + previous + " and " + e.getValue());
                }
            }
        }
        final int total = publishers * perPublisher;
        assertEquals(1, epochs.size(), "receipts name several epochs: " + epochs);
        assertEquals(total, expected.size());
        assertEquals(1L, expected.firstKey());
        assertEquals((long)total, expected.lastKey(), "seqs 1.." + total + " not contiguous");

        for (int s = 0; s < subscribers.size(); s++)
        {
            final List<JsonNode> received = subscribers.get(s).nextMessages(total);
            for (int i = 0; i < total; i++)
            {
                final JsonNode m = received.get(i);
                assertEquals(i + 1, m.path("seq").asLong(), "subscriber on node " + s + " at index " + i + ": " + m);
                assertEquals(TestGateway.json(expected.get((long)i + 1)), m.path("payload"),
                    "subscriber on node " + s + ", seq " + (i + 1));
            }
        }
        assertOnlySentinelsFollow(nodes.get(0), subscribers, List.of(topic));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // f. idempotency keys span the nodes
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldAnswerAnIdRetriedOnAnotherNodeWithTheOriginalSeqAndDeliverItOnce() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final TestGateway c = node();
        final String topic = "f.pay";
        final WsClient subA = closer.add(a.connect("topic=" + topic));
        final WsClient subB = closer.add(b.connect("topic=" + topic));
        assertSubscribed(subA.nextControl(), topic, 0, null);
        assertSubscribed(subB.nextControl(), topic, 0, null);

        final String message = "{\"topic\":\"f.pay\",\"payload\":{\"amount\":10},\"id\":\"order-17\"}";
        final JsonNode first = accepted(a.post("/v1/publish", JSON, message));
        assertEquals(1, topicEntry(first, topic).path("first").asLong(), first.toString());
        assertFalse(first.has("duplicates"), first.toString());
        final String epoch = topicEntry(first, topic).path("epoch").asText();

        final JsonNode retry = accepted(b.post("/v1/publish", JSON, message));
        assertEquals(1, retry.path("accepted").asInt(), retry.toString());
        assertEquals(0, retry.path("topics").size(), "B sequenced the retried id again: " + retry);
        final JsonNode duplicate = retry.path("duplicates").path(0);
        assertEquals(0, duplicate.path("index").asInt(), retry.toString());
        assertEquals(topic, duplicate.path("topic").asText(), retry.toString());
        assertEquals(1, duplicate.path("seq").asLong(), retry.toString());
        assertEquals(epoch, duplicate.path("epoch").asText(), retry.toString());

        // A batch on C with the known id again and a new one: only the new one is published.
        final JsonNode mixed = accepted(c.post("/v1/publish", JSON,
            "[" + message + ",{\"topic\":\"f.pay\",\"payload\":{\"amount\":20},\"id\":\"order-18\"}]"));
        assertEquals(2, mixed.path("accepted").asInt(), mixed.toString());
        assertEquals(2, topicEntry(mixed, topic).path("first").asLong(), mixed.toString());
        assertEquals(2, topicEntry(mixed, topic).path("last").asLong(), mixed.toString());
        assertEquals(0, mixed.path("duplicates").path(0).path("index").asInt(), mixed.toString());
        assertEquals(1, mixed.path("duplicates").path(0).path("seq").asLong(), mixed.toString());

        // And order-18 retried on A.
        final JsonNode again = accepted(a.post("/v1/publish", JSON,
            "{\"topic\":\"f.pay\",\"payload\":{\"amount\":20},\"id\":\"order-18\"}"));
        assertEquals(2, again.path("duplicates").path(0).path("seq").asLong(), again.toString());

        for (final WsClient ws : List.of(subA, subB))
        {
            assertMessage(ws.nextMessage(), topic, 1, "{\"amount\":10}");
            assertMessage(ws.nextMessage(), topic, 2, "{\"amount\":20}");
        }
        assertOnlySentinelsFollow(c, List.of(subA, subB), List.of(topic));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // g. patterns across nodes
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldDeliverToPatternSubscribersOnOtherNodesTopicsCreatedElsewhere() throws Exception
    {
        final TestGateway a = node();
        final TestGateway b = node();
        final TestGateway c = node();
        final WsClient star = closer.add(b.connect("topic=orders.*"));
        final JsonNode starSubscribed = star.nextControl();
        assertEquals("subscribed", starSubscribed.path("type").asText(), starSubscribed.toString());
        assertTrue(starSubscribed.path("pattern").asBoolean(), starSubscribed.toString());
        final WsClient tail = closer.add(c.connect("topic=orders.%3E"));
        assertEquals("subscribed", tail.nextControl().path("type").asText());

        accepted(a.publish("orders.x", "1"));
        accepted(a.publish("orders.y", "2"));
        accepted(a.publish("orders.x.deep", "3"));
        accepted(a.publish("orders", "4"));
        accepted(a.publish("trades.x", "5"));
        accepted(a.post("/v1/publish", JSON,
            "[{\"topic\":\"orders.x\",\"payload\":6},{\"topic\":\"trades.y\",\"payload\":7}," +
                "{\"topic\":\"orders.z\",\"payload\":8}]"));

        final Map<String, List<Long>> starSeqs = new TreeMap<>();
        final List<String> starPayloads = new ArrayList<>();
        for (final JsonNode m : star.nextMessages(4))
        {
            starSeqs.computeIfAbsent(m.path("topic").asText(), t -> new ArrayList<>()).add(m.path("seq").asLong());
            starPayloads.add(m.path("payload").toString());
        }
        assertEquals(Map.of("orders.x", List.of(1L, 2L), "orders.y", List.of(1L), "orders.z", List.of(1L)), starSeqs,
            "orders.* on B");
        assertEquals(Set.of("1", "2", "6", "8"), new HashSet<>(starPayloads));

        final Map<String, List<Long>> tailSeqs = new TreeMap<>();
        for (final JsonNode m : tail.nextMessages(5))
        {
            tailSeqs.computeIfAbsent(m.path("topic").asText(), t -> new ArrayList<>()).add(m.path("seq").asLong());
        }
        assertEquals(Map.of("orders.x", List.of(1L, 2L), "orders.y", List.of(1L), "orders.z", List.of(1L),
            "orders.x.deep", List.of(1L)), tailSeqs, "orders.> on C");

        // Nothing unmatched arrives: after a last message to a matched topic, no other message is pending.
        accepted(a.publish("orders", "9"));
        accepted(a.publish("trades.x", "10"));
        accepted(a.publish("orders.x.deep", "11"));
        accepted(a.publish("orders.y", "12"));
        assertMessage(star.nextMessage(), "orders.y", 2, "12");
        // Order holds per topic, not across topics.
        final Map<String, JsonNode> last = new TreeMap<>();
        for (final JsonNode m : tail.nextMessages(2))
        {
            last.put(m.path("topic").asText(), m);
        }
        assertEquals(Set.of("orders.x.deep", "orders.y"), last.keySet(), "orders.> on C: " + last);
        assertMessage(last.get("orders.x.deep"), "orders.x.deep", 2, "11");
        assertMessage(last.get("orders.y"), "orders.y", 2, "12");
        star.ping();
        tail.ping();
        assertTrue(star.messages.isEmpty(), "orders.* on B got more: " + star.messages);
        assertTrue(tail.messages.isEmpty(), "orders.> on C got more: " + tail.messages);
        assertTrue(star.controls.isEmpty() && tail.controls.isEmpty(), star.controls + " " + tail.controls);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // h. the keys in Redis
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldKeepTheDocumentedKeyLayoutAndCapTheStreamNearTheHistorySize() throws Exception
    {
        final int historySize = 50;
        final TestGateway a = node(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, Integer.toString(historySize));
        final String topic = "h.k";
        final String meta = prefix + ":{" + topic + "}:meta";
        final String log = prefix + ":{" + topic + "}:log";
        final String channel = prefix + ":{" + topic + "}";
        final WsClient ws = closer.add(a.connect("topic=" + topic));
        assertSubscribed(ws.nextControl(), topic, 0, null);

        final long before = System.currentTimeMillis() * 1000;
        String epoch = null;
        for (int i = 1; i <= 10; i++)
        {
            epoch = publishOne(a, topic, "{\"n\":" + i + "}", i, epoch, new HashMap<>());
        }
        final long after = System.currentTimeMillis() * 1000;
        final List<JsonNode> live = ws.nextMessages(10);

        assertEquals("hash", redis.string("TYPE", meta), "keys: " + redis.list("KEYS", "*"));
        assertEquals("10", redis.string("HGET", meta, "seq"));
        assertEquals(epoch, redis.string("HGET", meta, "epoch"));
        assertEquals("stream", redis.string("TYPE", log), "keys: " + redis.list("KEYS", "*"));
        assertEquals(10L, redis.integer("XLEN", log));
        final List<Object> firstEntry = entry(redis.list("XRANGE", log, "-", "+", "COUNT", "1"));
        assertEquals("1-0", firstEntry.get(0));
        final Map<String, String> fields = fields(firstEntry);
        assertEquals(Set.of("t", "p"), fields.keySet(), "fields of entry 1-0: " + fields);
        assertEquals("{\"n\":1}", fields.get("p"));
        final long t = Long.parseLong(fields.get("t"));
        assertTrue(t >= before - 1_000_000 && t <= after + 1_000_000,
            "t=" + t + " is not the receive time in microseconds (" + before + ".." + after + ")");
        assertEquals(t, live.get(0).path("ts").asLong(), "the delivered ts is the stream's t");
        assertEquals("10-0", entry(redis.list("XREVRANGE", log, "+", "-", "COUNT", "1")).get(0));
        assertEquals(-1L, redis.integer("TTL", log), "proxy.redis.history.ttl.seconds=0 means no expiry");
        assertEquals(-1L, redis.integer("TTL", meta));

        // The Pub/Sub channel of the topic carries its messages.
        try (RedisServer.Connection pubsub = redis.connect())
        {
            assertEquals(List.of("subscribe", channel, 1L), pubsub.command("SUBSCRIBE", channel));
            accepted(a.publish(topic, "{\"n\":11}"));
            final Object pushed = pubsub.read();
            assertTrue(pushed instanceof List && "message".equals(((List<?>)pushed).get(0)) &&
                channel.equals(((List<?>)pushed).get(1)), "on channel " + channel + ": " + pushed);
        }

        // Idempotency window keys appear with the first keyed message.
        accepted(a.post("/v1/publish", JSON, "{\"topic\":\"h.k\",\"payload\":12,\"id\":\"key-12\"}"));
        assertEquals(2L, redis.integer("EXISTS", prefix + ":{" + topic + "}:ids", prefix + ":{" + topic + "}:idq"),
            "idempotency keys; keys: " + redis.list("KEYS", "*"));

        // 300 more: the stream is trimmed near proxy.history.size (approximate trimming keeps whole nodes).
        for (int batch = 0; batch < 3; batch++)
        {
            final List<String> messages = new ArrayList<>();
            for (int i = 0; i < 100; i++)
            {
                messages.add(message(topic, Integer.toString(1000 + batch * 100 + i)));
            }
            accepted(a.post("/v1/publish", JSON, batch(messages)));
        }
        final long last = 312;
        assertEquals(Long.toString(last), redis.string("HGET", meta, "seq"));
        final long length = redis.integer("XLEN", log);
        assertTrue(length >= historySize && length <= historySize + 100,
            "XLEN " + length + " is not near proxy.history.size=" + historySize);
        assertEquals(last + "-0", entry(redis.list("XREVRANGE", log, "+", "-", "COUNT", "1")).get(0));
        final String firstId = (String)entry(redis.list("XRANGE", log, "-", "+", "COUNT", "1")).get(0);
        final long firstRetained = Long.parseLong(firstId.substring(0, firstId.indexOf('-')));
        assertEquals(last - length + 1, firstRetained, "the stream is not the contiguous tail of the topic");

        // A resume from 1 gets exactly what the stream no longer holds as a gap, then what it holds.
        try (WsClient resume = a.connect("topic=" + topic + "&from=1&epoch=" + epoch))
        {
            assertSubscribed(resume.nextControl(), topic, last, epoch);
            final JsonNode gap = resume.nextControl();
            assertEquals("gap", gap.path("type").asText(), gap.toString());
            assertEquals("history", gap.path("reason").asText(), gap.toString());
            assertEquals(1, gap.path("from").asLong(), gap.toString());
            assertEquals(firstRetained - 1, gap.path("to").asLong(),
                "the gap should end right before the stream's first entry " + firstId + ": " + gap);
            for (long seq = firstRetained; seq <= last; seq++)
            {
                assertEquals(seq, resume.nextMessage().path("seq").asLong());
            }
        }
    }

    /**
     * A subscription dropped in the middle of its replay from the stream and taken again at once, while messages keep
     * coming: the replay still in flight for the first one must not reach the second (no duplicate, no gap), and the
     * second goes live exactly after its own replay. Another subscriber on the same node keeps the topic followed, so
     * the first subscription starts its replay at once.
     */
    @Test
    void shouldKeepASubscriptionTakenAgainDuringItsReplayContiguous() throws Exception
    {
        final TestGateway a = node("proxy.history.size", "10000");
        final TestGateway b = node("proxy.history.size", "10000");
        final String topic = "r.churn";
        final int stored = 4_000;
        for (int i = 0; i < stored; i += 500)
        {
            final List<String> messages = new ArrayList<>();
            for (int j = i; j < i + 500; j++)
            {
                messages.add(message(topic, "{\"n\":" + (j + 1) + "}"));
            }
            accepted(a.post("/v1/publish", JSON, batch(messages)));
        }
        final WsClient holder = closer.add(b.connect("topic=" + topic));
        assertSubscribed(holder.nextControl(), topic, stored, null);

        // Live messages go on being published on A during the churn.
        final java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        final java.util.concurrent.atomic.AtomicLong lastLive = new java.util.concurrent.atomic.AtomicLong(stored);
        final Thread publisher = new Thread(() ->
        {
            try
            {
                long n = stored;
                while (publishing.get() && n < stored + 300)
                {
                    n++;
                    accepted(a.publish(topic, "{\"n\":" + n + "}"));
                    lastLive.set(n);
                }
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        publisher.start();

        final WsClient churn = closer.add(b.connect("topic=other.t"));
        assertSubscribed(churn.nextControl(), "other.t", 0, null);
        churn.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":1}");
        churn.send("{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\"}");
        churn.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":1}");
        Thread.sleep(300);
        publishing.set(false);
        publisher.join(WAIT_MILLIS);
        final long last = lastLive.get();
        final long sentinelSeq = topicEntry(accepted(a.publish(topic, sentinel(topic))), topic).path("first").asLong();
        assertEquals(last + 1, sentinelSeq, "the sentinel follows the live messages");

        // Frames in arrival order: subscribed, some of the first replay, unsubscribed, subscribed, then 1..sentinel.
        final List<String> controls = new ArrayList<>();
        long expected = -1;
        int dropped = 0;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (expected != sentinelSeq + 1)
        {
            final long left = deadline - System.nanoTime();
            assertTrue(left > 0, "after " + controls + ", next seq expected " + expected);
            final String raw = churn.rawFrames.poll(left, TimeUnit.NANOSECONDS);
            assertNotNull(raw, "no frame within the deadline after " + controls + "; next seq expected " + expected);
            final JsonNode frame = TestGateway.json(raw);
            if (!frame.isArray())
            {
                if (!topic.equals(frame.path("topic").asText()))
                {
                    continue; // the connection's own first subscription (other.t), read above
                }
                final String type = frame.path("type").asText();
                controls.add(type);
                if (controls.equals(List.of("unsubscribed", "subscribed")) ||
                    controls.equals(List.of("subscribed", "unsubscribed", "subscribed")))
                {
                    assertTrue(frame.path("seq").asLong() >= stored, frame.toString());
                    expected = 1;
                }
                else
                {
                    assertTrue(List.of("subscribed", "unsubscribed").contains(type), "unexpected " + frame);
                }
                continue;
            }
            for (final JsonNode m : frame)
            {
                if (expected < 0)
                {
                    dropped++; // what the first subscription got before it was dropped
                    continue;
                }
                assertEquals(expected, m.path("seq").asLong(), "after " + controls + ": " + m);
                expected++;
            }
        }
        assertTrue(controls.size() <= 3, controls.toString());
        System.out.println("churn: " + controls + ", " + dropped + " messages of the first replay before the drop, " +
            (last - stored) + " live messages during the churn");

        // The holder saw every seq once, in order.
        for (long seq = stored + 1; seq <= sentinelSeq; seq++)
        {
            assertEquals(seq, holder.nextMessage().path("seq").asLong());
        }
    }

    @Test
    void shouldExpireTheStreamWhenAHistoryTtlIsSet() throws Exception
    {
        final TestGateway a = node(REDIS_TTL_PROP, "60");
        accepted(a.publish("h.ttl", "1"));
        final long ttl = redis.integer("TTL", prefix + ":{h.ttl}:log");
        assertTrue(ttl > 0 && ttl <= 60, "TTL of the log with proxy.redis.history.ttl.seconds=60: " + ttl);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    /** Starts a node with the Redis engine against this test's Redis and prefix, plus the given overrides. */
    private TestGateway node(final String... overrides)
    {
        final List<String> properties = new ArrayList<>(List.of(
            ENGINE_PROP, "redis",
            REDIS_URI_PROP, redis.uri(),
            REDIS_PREFIX_PROP, prefix));
        properties.addAll(Arrays.asList(overrides));
        return closer.add(TestGateway.start(properties.toArray(new String[0])));
    }

    private static String message(final String topic, final String payload)
    {
        return "{\"topic\":\"" + topic + "\",\"payload\":" + payload + "}";
    }

    private static String batch(final List<String> messages)
    {
        return "[" + String.join(",", messages) + "]";
    }

    private static String sentinel(final String topic)
    {
        return "{\"sentinel\":\"" + topic + "\"}";
    }

    private static JsonNode accepted(final HttpResponse<String> reply)
    {
        assertEquals(202, reply.statusCode(), () -> reply.request().uri() + " -> " + reply.statusCode() + " " +
            reply.body());
        return TestGateway.json(reply.body());
    }

    private static JsonNode topicEntry(final JsonNode receipt, final String topic)
    {
        for (final JsonNode entry : receipt.path("topics"))
        {
            if (topic.equals(entry.path("topic").asText()))
            {
                return entry;
            }
        }
        throw new AssertionError("no " + topic + " in receipt " + receipt);
    }

    /**
     * Publishes one message, checks its seq and that the epoch stays what it was (when known), and records it.
     *
     * @return the epoch.
     */
    private static String publishOne(final TestGateway node, final String topic, final String payload,
        final long expectedSeq, final String epoch, final Map<Long, String> payloads) throws Exception
    {
        final JsonNode receipt = accepted(node.publish(topic, payload));
        final JsonNode entry = topicEntry(receipt, topic);
        assertEquals(expectedSeq, entry.path("first").asLong(), "node " + node.gateway.port() + ": " + receipt);
        assertEquals(expectedSeq, entry.path("last").asLong(), receipt.toString());
        if (epoch != null)
        {
            assertEquals(epoch, entry.path("epoch").asText(), "the epoch changed: " + receipt);
        }
        payloads.put(expectedSeq, payload);
        return entry.path("epoch").asText();
    }

    private static void assertSubscribed(final JsonNode frame, final String topic, final long seq, final String epoch)
    {
        assertEquals("subscribed", frame.path("type").asText(), frame.toString());
        assertEquals(topic, frame.path("topic").asText(), frame.toString());
        assertEquals(seq, frame.path("seq").asLong(), "current seq in " + frame);
        if (epoch != null)
        {
            assertEquals(epoch, frame.path("epoch").asText(), "epoch in " + frame);
        }
    }

    private static void assertMessage(final JsonNode m, final String topic, final long seq, final String payload)
    {
        assertEquals(topic, m.path("topic").asText(), m.toString());
        assertEquals(seq, m.path("seq").asLong(), "expected seq " + seq + ", got " + m);
        assertEquals(TestGateway.json(payload), m.path("payload"), "payload of seq " + seq);
        assertTrue(m.path("ts").asLong() > 0, m.toString());
    }

    /** Reads {@code count} control frames, which must all be {@code subscribed}, by topic. */
    private static Map<String, JsonNode> subscribedFrames(final WsClient ws, final int count) throws Exception
    {
        final Map<String, JsonNode> frames = new HashMap<>();
        for (int i = 0; i < count; i++)
        {
            final JsonNode frame = ws.nextControl();
            assertEquals("subscribed", frame.path("type").asText(), frame.toString());
            frames.put(frame.path("topic").asText(), frame);
        }
        return frames;
    }

    /**
     * Publishes one sentinel message per topic on {@code node} and checks that, for each subscriber, the next message
     * of each topic is that sentinel with its receipt's seq: no duplicate or late message was still on its way; and
     * that no control frame (gap, error) came.
     *
     * @return the sentinels' seqs by topic.
     */
    private static Map<String, Long> assertOnlySentinelsFollow(final TestGateway node, final List<WsClient> subscribers,
        final List<String> topics) throws Exception
    {
        final List<String> messages = new ArrayList<>();
        for (final String topic : topics)
        {
            messages.add(message(topic, sentinel(topic)));
        }
        final JsonNode receipt = accepted(node.post("/v1/publish", JSON, batch(messages)));
        final Map<String, Long> seqs = new HashMap<>();
        for (final String topic : topics)
        {
            seqs.put(topic, topicEntry(receipt, topic).path("first").asLong());
        }
        for (int s = 0; s < subscribers.size(); s++)
        {
            final WsClient ws = subscribers.get(s);
            final Set<String> awaited = new HashSet<>(topics);
            while (!awaited.isEmpty())
            {
                final JsonNode m = ws.nextMessage();
                final String topic = m.path("topic").asText();
                assertTrue(awaited.remove(topic), "subscriber " + s + ": unexpected message " + m);
                assertEquals(seqs.get(topic), m.path("seq").asLong(),
                    "subscriber " + s + ": a message other than the sentinel came first: " + m);
                assertEquals(TestGateway.json(sentinel(topic)), m.path("payload"), m.toString());
            }
            assertTrue(ws.controls.isEmpty(), "subscriber " + s + ": unexpected control frames " + ws.controls);
        }
        return seqs;
    }

    /**
     * Checks a subscriber's messages of one topic against seqs {@code from..to}: seqs strictly increasing (no
     * duplicate, no reordering); each seq either delivered or inside exactly one gap frame, and no gap covering a
     * delivered seq; each acknowledged seq delivered with the payload {@code n} its publisher sent (or gapped).
     *
     * @return the problems found, empty when none.
     */
    private static List<String> checkAccounted(final String who, final List<JsonNode> delivered,
        final List<JsonNode> gaps, final long from, final long to, final Map<Long, Long> ackedSeqToN)
    {
        final List<String> problems = new ArrayList<>();
        final Map<Long, JsonNode> bySeq = new TreeMap<>();
        final Map<Long, Long> nSeenAt = new HashMap<>();
        long previous = from - 1;
        for (final JsonNode m : delivered)
        {
            final long seq = m.path("seq").asLong();
            if (seq <= previous)
            {
                problems.add(who + ": seq " + seq + " after " + previous + " (duplicate or out of order): " + m);
            }
            previous = Math.max(previous, seq);
            bySeq.put(seq, m);
            if (m.path("payload").has("n"))
            {
                final Long before = nSeenAt.put(m.path("payload").path("n").asLong(), seq);
                if (before != null)
                {
                    problems.add(who + ": payload n=" + m.path("payload").path("n") + " delivered twice, as seq " +
                        before + " and " + seq);
                }
            }
        }
        final Map<Long, JsonNode> gapOf = new HashMap<>();
        for (final JsonNode gap : gaps)
        {
            for (long seq = gap.path("from").asLong(); seq <= gap.path("to").asLong(); seq++)
            {
                if (bySeq.containsKey(seq))
                {
                    problems.add(who + ": gap " + gap + " covers seq " + seq + ", which was delivered");
                }
                if (gapOf.put(seq, gap) != null)
                {
                    problems.add(who + ": seq " + seq + " is in two gaps");
                }
            }
        }
        final List<Long> missing = new ArrayList<>();
        for (long seq = from; seq <= to; seq++)
        {
            if (!bySeq.containsKey(seq) && !gapOf.containsKey(seq))
            {
                missing.add(seq);
            }
        }
        if (!missing.isEmpty())
        {
            problems.add(who + ": seqs neither delivered nor in a gap: " + ranges(missing));
        }
        for (final Map.Entry<Long, Long> acked : ackedSeqToN.entrySet())
        {
            final JsonNode m = bySeq.get(acked.getKey());
            if (m != null && m.path("payload").path("n").asLong(-1) != acked.getValue())
            {
                problems.add(who + ": seq " + acked.getKey() + " was acknowledged for n=" + acked.getValue() +
                    " but delivered as " + m);
            }
        }
        return problems;
    }

    private static String ranges(final List<Long> seqs)
    {
        final StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < seqs.size())
        {
            int j = i;
            while (j + 1 < seqs.size() && seqs.get(j + 1) == seqs.get(j) + 1)
            {
                j++;
            }
            out.append(out.length() == 0 ? "" : ", ").append(seqs.get(i));
            if (j > i)
            {
                out.append("..").append(seqs.get(j));
            }
            i = j + 1;
        }
        return out.toString();
    }

    private static String describe(final List<JsonNode> messages)
    {
        final List<Long> seqs = new ArrayList<>();
        for (final JsonNode m : messages)
        {
            seqs.add(m.path("seq").asLong());
        }
        return messages.size() + " messages, seqs [" + ranges(seqs) + "]";
    }

    private static String closeOf(final WsClient ws)
    {
        if (!ws.closed.isDone())
        {
            return "open";
        }
        try
        {
            return "closed " + ws.closed.getNow(-1) + " " + ws.closeReason;
        }
        catch (final RuntimeException ex)
        {
            return "failed: " + ex.getCause();
        }
    }

    /** A 503 with problem+json and Retry-After: Redis is unreachable. */
    private static void assertEngineDown(final int status, final String contentType, final String retryAfter,
        final String body, final String what)
    {
        assertEquals(503, status, what + ": " + status + " " + body);
        assertNotNull(contentType, what + ": no Content-Type");
        assertTrue(contentType.startsWith("application/problem+json"), what + ": Content-Type " + contentType);
        assertNotNull(retryAfter, what + ": no Retry-After");
        assertTrue(retryAfter.matches("\\d+") && Long.parseLong(retryAfter) > 0, what + ": Retry-After " + retryAfter);
        final JsonNode problem = TestGateway.json(body);
        assertEquals("urn:pulsar-proxy:problem:engine-unavailable", problem.path("type").asText(), what + ": " + body);
        assertEquals(503, problem.path("status").asInt(), what + ": " + body);
    }

    private static int status(final TestGateway node, final String path)
    {
        try
        {
            return node.http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (final IOException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** A condition polled by {@link #await}. */
    @FunctionalInterface
    interface Condition
    {
        boolean holds() throws Exception;
    }

    /** Polls every 20 ms until the condition holds, failing after {@link #WAIT_MILLIS}. */
    private static void await(final String what, final Condition condition) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.holds())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("not within " + WAIT_MILLIS + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> entry(final List<Object> entries)
    {
        assertEquals(1, entries.size(), "stream entries: " + entries);
        return (List<Object>)entries.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> fields(final List<Object> entry)
    {
        final List<Object> list = (List<Object>)entry.get(1);
        final Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2)
        {
            fields.put((String)list.get(i), (String)list.get(i + 1));
        }
        return fields;
    }

    /**
     * What a single publisher expects per topic: the payloads in seq order, from the receipts, and the epochs.
     */
    private static final class Expected
    {
        final Map<String, List<String>> payloads = new HashMap<>();
        final Map<String, String> epochs = new HashMap<>();

        /**
         * Records the messages of one accepted request (topic and payload, in request order), checking that the
         * receipt gave each topic the next contiguous seqs and its known epoch.
         */
        void record(final String what, final HttpResponse<String> reply, final List<Map.Entry<String, String>> sent)
        {
            final JsonNode receipt = accepted(reply);
            assertEquals(sent.size(), receipt.path("accepted").asInt(), what + ": " + receipt);
            final Map<String, List<String>> byTopic = new LinkedHashMap<>();
            for (final Map.Entry<String, String> m : sent)
            {
                byTopic.computeIfAbsent(m.getKey(), t -> new ArrayList<>()).add(m.getValue());
            }
            assertEquals(byTopic.size(), receipt.path("topics").size(), what + ": " + receipt);
            for (final Map.Entry<String, List<String>> e : byTopic.entrySet())
            {
                final JsonNode entry = topicEntry(receipt, e.getKey());
                final List<String> known = payloads.computeIfAbsent(e.getKey(), t -> new ArrayList<>());
                assertEquals(known.size() + 1, entry.path("first").asLong(), what + ": " + receipt);
                assertEquals(known.size() + e.getValue().size(), entry.path("last").asLong(), what + ": " + receipt);
                final String epoch = epochs.putIfAbsent(e.getKey(), entry.path("epoch").asText());
                if (epoch != null)
                {
                    assertEquals(epoch, entry.path("epoch").asText(), what + ": the epoch changed: " + receipt);
                }
                known.addAll(e.getValue());
            }
        }

        /** How many messages follow the given subscribe points. */
        int count(final Map<String, Long> subscribedAt)
        {
            int count = 0;
            for (final Map.Entry<String, List<String>> e : payloads.entrySet())
            {
                count += e.getValue().size() - subscribedAt.getOrDefault(e.getKey(), 0L);
            }
            return count;
        }

        /** Checks that each topic's messages are exactly the seqs after the subscribe point, in order. */
        void assertDelivered(final String who, final List<JsonNode> received, final Map<String, Long> subscribedAt)
        {
            final Map<String, List<JsonNode>> byTopic = new HashMap<>();
            for (final JsonNode m : received)
            {
                byTopic.computeIfAbsent(m.path("topic").asText(), t -> new ArrayList<>()).add(m);
            }
            assertEquals(payloads.keySet(), byTopic.keySet(), who + ": topics received");
            for (final Map.Entry<String, List<String>> e : payloads.entrySet())
            {
                final List<JsonNode> got = byTopic.get(e.getKey());
                final long start = subscribedAt.getOrDefault(e.getKey(), 0L) + 1;
                assertEquals(e.getValue().size() - start + 1, got.size(), who + ": count of " + e.getKey());
                for (int i = 0; i < got.size(); i++)
                {
                    final long seq = start + i;
                    final JsonNode m = got.get(i);
                    assertEquals(seq, m.path("seq").asLong(), who + ": " + e.getKey() + " message " + i + ": " + m);
                    assertEquals(TestGateway.json(e.getValue().get((int)seq - 1)), m.path("payload"),
                        who + ": payload of " + e.getKey() + " seq " + seq);
                }
            }
        }
    }

    /**
     * Publishes {@code {"n":0}}, {@code {"n":1}}, ... one at a time to a topic of one node on a thread of its own,
     * paced by a 3 ms pause, and records every outcome with its time.
     */
    private static final class Publisher implements AutoCloseable
    {
        /** One publish: the status (-1 when no answer came) and what came with it. */
        record Outcome(long n, long atNanos, int status, String body, String contentType, String retryAfter,
                       String error)
        {
        }

        private final TestGateway node;
        private final String topic;
        private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Publisher(final TestGateway node, final String topic)
        {
            this.node = node;
            this.topic = topic;
            this.thread = new Thread(this::run, "cluster-publisher");
            this.thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        private void run()
        {
            for (long n = 0; !stop.get(); n++)
            {
                final long at = System.nanoTime();
                final HttpRequest request = HttpRequest.newBuilder(node.uri("/v1/topics/" + topic))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", JSON)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}", StandardCharsets.UTF_8))
                    .build();
                try
                {
                    final HttpResponse<String> reply = node.http.send(request,
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    outcomes.add(new Outcome(n, at, reply.statusCode(), reply.body(),
                        reply.headers().firstValue("Content-Type").orElse(null),
                        reply.headers().firstValue("Retry-After").orElse(null), null));
                }
                catch (final IOException ex)
                {
                    outcomes.add(new Outcome(n, at, -1, null, null, null,
                        ex instanceof java.net.http.HttpTimeoutException || ex instanceof SocketTimeoutException
                            ? "no answer within 10 s" : ex.toString()));
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
            }
        }

        /** Outcomes with the status sent at or after {@code sinceNanos}. */
        int count(final int status, final long sinceNanos)
        {
            synchronized (outcomes)
            {
                int count = 0;
                for (final Outcome outcome : outcomes)
                {
                    if (outcome.status() == status && outcome.atNanos() - sinceNanos >= 0)
                    {
                        count++;
                    }
                }
                return count;
            }
        }

        List<Outcome> outcomes()
        {
            synchronized (outcomes)
            {
                return new ArrayList<>(outcomes);
            }
        }

        /** Stops after the publish in flight and waits for it. */
        void stop() throws InterruptedException
        {
            stop.set(true);
            thread.join(15_000);
            if (thread.isAlive())
            {
                throw new AssertionError("the publisher did not stop within 15 s");
            }
        }

        @Override
        public void close()
        {
            stop.set(true);
            thread.interrupt();
        }
    }

    /** Closes what was added, last first, whatever each close throws. */
    private static final class Closer implements AutoCloseable
    {
        private final Deque<AutoCloseable> resources = new ArrayDeque<>();

        <T extends AutoCloseable> T add(final T resource)
        {
            resources.push(resource);
            return resource;
        }

        @Override
        public void close()
        {
            while (!resources.isEmpty())
            {
                try
                {
                    resources.pop().close();
                }
                catch (final Exception ex)
                {
                    System.err.println("closing after the test: " + ex);
                }
            }
        }
    }
}
