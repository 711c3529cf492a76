package io.pulsarproxy.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-connection outbound queue on its own: framing, batching, the bound, and the slow-consumer policies. Frames
 * are read back by walking the taken buffer ({@code [length:4 big-endian][kind:1][bytes]}) and parsing each with
 * Jackson.
 */
class OutboundTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TS = 1_700_000_000_000_000L;

    private static TopicState a;
    private static TopicState b;
    private static TopicState c;
    private static TopicState patternTopic;

    /** One frame read back from a taken buffer. */
    private record Frame(byte kind, String text, JsonNode json)
    {
    }

    @BeforeAll
    static void createTopics() throws InterruptedException
    {
        final Map<String, TopicState> topics = TopicStates.create("a", "b", "c", "slow.x");
        a = topics.get("a");
        b = topics.get("b");
        c = topics.get("c");
        patternTopic = topics.get("slow.x");
    }

    @Test
    void shouldBatchMessagesIntoOneJsonArrayDataFrameUntilTaken()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP);
        final String object = "{\"x\": [1, 2],  \"y\":\"caf\u00e9\"}";
        assertTrue(outbound.isIdle());
        assertFalse(outbound.beginSend(), "nothing queued");

        assertEquals(Outbound.QUEUED, append(outbound, a, 1, object));
        assertEquals(Outbound.QUEUED, append(outbound, b, 1, "42"));
        assertEquals(Outbound.QUEUED, append(outbound, a, 2, "\"s\""));
        assertTrue(outbound.beginSend());
        assertFalse(outbound.beginSend(), "a send is already under way");
        final int taken = outbound.take();
        final List<Frame> frames = frames(outbound.taken(), taken);

        assertEquals(1, frames.size());
        assertEquals(Outbound.DATA, frames.get(0).kind());
        assertEquals("[" + element("a", 1, object) + "," + element("b", 1, "42") + "," + element("a", 2, "\"s\"") +
            "]", frames.get(0).text(), "payloads are copied byte for byte");
        final JsonNode first = frames.get(0).json().get(0);
        assertEquals("a", first.get("topic").asText());
        assertEquals(1, first.get("seq").asLong());
        assertEquals(TS + 1, first.get("ts").asLong());
        assertEquals(JSON.createObjectNode().put("y", "caf\u00e9").set("x", JSON.createArrayNode().add(1).add(2)),
            first.get("payload"));
        assertEquals(42, frames.get(0).json().get(1).get("payload").asInt());
        assertEquals(taken, outbound.queuedBytes(), "what was taken is in flight until completeSend");

        assertEquals(Outbound.QUEUED, append(outbound, a, 3, "3"));
        assertEquals(Outbound.QUEUED, append(outbound, b, 2, "4"));

        assertTrue(outbound.completeSend(), "more was queued meanwhile");
        assertEquals(List.of("data[a#3,b#2]"), describe(takeFrames(outbound)));
        assertFalse(outbound.completeSend());
        assertTrue(outbound.isIdle());
        assertEquals(0, outbound.queuedBytes());
        assertFalse(outbound.beginSend());
    }

    @Test
    void shouldShareOneBudgetOfBufferMemoryAcrossQueuesAndDropWithAGapWhenItIsSpent()
    {
        final String payload = "\"" + "x".repeat(80) + "\"";
        // Two buffers of 512 bytes (the first size) in all, while each queue alone could hold 64 KiB.
        final OutboundBudget budget = new OutboundBudget(1024);
        final Outbound first = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP, budget);
        final Outbound second = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP, budget);

        assertEquals(Outbound.QUEUED, append(first, a, 1, payload));
        assertEquals(512, first.memoryBytes());
        assertEquals(512, budget.usedBytes(), "each append reports the memory it took");
        assertEquals(Outbound.QUEUED, append(first, a, 2, payload));
        assertEquals(Outbound.QUEUED, append(first, a, 3, payload));
        // In flight: its buffer still counts, and its messages are not the queue's to discard.
        assertTrue(first.beginSend());
        first.take();
        assertEquals(Outbound.QUEUED, append(first, a, 4, payload));
        assertEquals(1024, budget.usedBytes());

        // The second queue is empty, but a buffer for it would pass the bound: dropped, and a gap says so.
        assertEquals(Outbound.DROPPED, append(second, b, 1, payload));
        assertTrue(second.beginSend());
        assertEquals(List.of("gap b 1..1"), describe(takeFrames(second)));
        assertFalse(second.completeSend());
        assertEquals(0, second.memoryBytes(), "under pressure an idle queue gives its buffers back");
        // The first queue still has room in the buffer it holds.
        assertEquals(Outbound.QUEUED, append(first, a, 5, payload));

        // What the first queue sends frees its in-flight buffer for everyone.
        assertTrue(first.completeSend());
        assertEquals(512, first.memoryBytes());
        assertEquals(first.memoryBytes() + second.memoryBytes(), budget.usedBytes());
        assertEquals(Outbound.QUEUED, append(second, b, 2, payload));
        assertEquals(1024, budget.usedBytes());

        // A closed queue holds nothing, even with a write in flight.
        assertTrue(second.beginSend());
        second.take();
        second.close();
        assertEquals(first.memoryBytes(), budget.usedBytes());
        assertFalse(second.completeSend());
        assertEquals(first.memoryBytes(), budget.usedBytes());
        first.close();
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void shouldKeepIdleBuffersWithoutPressureAndDisconnectUnderTheDisconnectPolicyWhenTheBudgetIsSpent()
    {
        final String payload = "\"" + "y".repeat(80) + "\"";
        final OutboundBudget budget = new OutboundBudget(1024);
        final Outbound filler = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP, budget);
        final Outbound strict = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DISCONNECT, budget);

        assertEquals(Outbound.QUEUED, append(filler, a, 1, payload));
        assertTrue(filler.beginSend());
        filler.take();
        assertFalse(filler.completeSend());
        assertEquals(512, budget.usedBytes(), "half the bound is no pressure: the idle buffer is kept");
        assertEquals(Outbound.QUEUED, append(filler, a, 2, payload));
        assertTrue(filler.beginSend());
        filler.take();
        assertEquals(Outbound.QUEUED, append(filler, a, 3, payload));
        assertEquals(1024, budget.usedBytes());

        assertEquals(Outbound.OVERFLOW, append(strict, b, 1, payload));
    }

    @Test
    void shouldSplitDataFramesAtControlFramesAndKeepOrder()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP);

        assertEquals(Outbound.QUEUED, outbound.appendControl(control("subscribed", "a")));
        append(outbound, a, 1, "1");
        append(outbound, a, 2, "2");
        assertEquals(Outbound.QUEUED, outbound.appendControl(control("subscribed", "b")));
        append(outbound, a, 3, "3");
        outbound.appendControl(control("unsubscribed", "c"));
        outbound.appendControl(control("pong", null));
        append(outbound, b, 1, "4");
        append(outbound, a, 4, "5");
        final List<Frame> frames = takeFrames(outbound);

        assertEquals(List.of("ctl subscribed a", "data[a#1,a#2]", "ctl subscribed b", "data[a#3]",
            "ctl unsubscribed c", "ctl pong", "data[b#1,a#4]"), describe(frames));
        assertEquals(control("subscribed", "b").toString(), frames.get(2).text(), "control frames are verbatim");
        assertEquals(Outbound.CONTROL, frames.get(5).kind());
    }

    @Test
    void shouldFillExactlyUpToBoundAndDropBeyondIt()
    {
        final int count = 4;
        int bound = Outbound.HEADER + 2 + count - 1;
        for (int seq = 1; seq <= count; seq++)
        {
            bound += utf8(element("a", seq, "\"abc\"")).length;
        }
        final Outbound outbound = new Outbound(new WebSocketCodec(), bound, SlowConsumerPolicy.DROP);

        for (int seq = 1; seq <= count; seq++)
        {
            assertEquals(Outbound.QUEUED, append(outbound, a, seq, "\"abc\""), "message " + seq);
        }
        assertEquals(Outbound.DROPPED, append(outbound, a, count + 1, "\"abc\""));

        final List<Frame> frames = takeFrames(outbound);
        assertEquals(List.of("gap a 1..4", "data[a#5]"), describe(frames));
        assertEquals(count, outbound.droppedMessages());

        outbound.completeSend();
        for (int seq = count + 2; seq <= 2 * count; seq++)
        {
            assertEquals(Outbound.QUEUED, append(outbound, a, seq, "\"abc\""), "message " + seq);
        }
        assertEquals(List.of("data[a#6,a#7,a#8]"), describe(takeFrames(outbound)));

        final Outbound exact = new Outbound(new WebSocketCodec(), bound, SlowConsumerPolicy.DROP);
        for (int seq = 1; seq <= count; seq++)
        {
            assertEquals(Outbound.QUEUED, append(exact, a, seq, "\"abc\""), "message " + seq);
        }
        assertEquals(bound, exact.take(), "the bound counts the bracket that closes the frame");
    }

    @Test
    void shouldCountClosingBracketOfOpenDataFrameAgainstBound()
    {
        final int count = 4;
        int fits = Outbound.HEADER + 2 + count - 1;
        for (int seq = 1; seq <= count; seq++)
        {
            fits += utf8(element("a", seq, "\"abc\"")).length;
        }
        final int bound = fits - 1;
        final Outbound outbound = new Outbound(new WebSocketCodec(), bound, SlowConsumerPolicy.DROP);
        for (int seq = 1; seq < count; seq++)
        {
            assertEquals(Outbound.QUEUED, append(outbound, a, seq, "\"abc\""), "message " + seq);
        }

        assertEquals(Outbound.DROPPED, append(outbound, a, count, "\"abc\""),
            "with its closing bracket the frame would be one byte over the bound");
        final int taken = outbound.take();
        assertTrue(taken <= bound, "took " + taken + " bytes, bound " + bound);
        assertEquals(List.of("gap a 1..3", "data[a#4]"), describe(frames(outbound.taken(), taken)));
    }

    @Test
    void shouldNeverExceedBoundCountingQueuedAndInFlightBytes()
    {
        final int bound = 2000;
        final Outbound outbound = new Outbound(new WebSocketCodec(), bound, SlowConsumerPolicy.DROP);
        final Random random = new Random(20240611L);
        final TopicState[] topics = {a, b};
        final long[] lastSeq = new long[topics.length];
        final Coverage coverage = new Coverage();
        boolean inFlight = false;
        int dropped = 0;
        int maxQueued = 0;
        // Gap frames are written by the overflow that needs them without being admitted against the bound, so at
        // most one per topic may stand beyond it; messages themselves never pass it.
        final int gapSlack = topics.length * (Outbound.HEADER + utf8(gapFrame("a", 99_999, 99_999)).length);

        for (int step = 0; step < 20_000; step++)
        {
            final int action = random.nextInt(10);
            if (action < 7)
            {
                final int t = random.nextInt(topics.length);
                final long seq = ++lastSeq[t];
                final int result = append(outbound, topics[t], seq, "\"" + "p".repeat(random.nextInt(300)) + "\"");
                assertTrue(result == Outbound.QUEUED || result == Outbound.DROPPED, "step " + step + ": " + result);
                dropped += result == Outbound.DROPPED ? 1 : 0;
            }
            else if (!inFlight && action < 9)
            {
                if (outbound.beginSend())
                {
                    coverage.add(takeFrames(outbound, bound + gapSlack));
                    inFlight = true;
                }
            }
            else if (inFlight)
            {
                if (outbound.completeSend())
                {
                    coverage.add(takeFrames(outbound, bound + gapSlack));
                }
                else
                {
                    inFlight = false;
                }
            }
            assertTrue(outbound.queuedBytes() <= bound + gapSlack, "step " + step + ": " + outbound.queuedBytes());
            maxQueued = Math.max(maxQueued, outbound.queuedBytes());
        }
        if (inFlight)
        {
            while (outbound.completeSend())
            {
                coverage.add(takeFrames(outbound, bound + gapSlack));
            }
        }
        if (outbound.beginSend())
        {
            coverage.add(takeFrames(outbound, bound + gapSlack));
        }

        assertTrue(dropped > 100, "the test should overflow often: " + dropped);
        assertTrue(maxQueued > bound - 200, "the test should fill the queue: " + maxQueued);
        for (int t = 0; t < topics.length; t++)
        {
            assertEquals(lastSeq[t] + 1, coverage.next(topics[t].name()), "every seq delivered or in a gap");
        }
        assertEquals(coverage.gapped(), outbound.droppedMessages());
    }

    @Test
    void shouldDiscardUndeliveredMessagesKeepControlFramesAndNameExactGapsUnderDrop()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1000, SlowConsumerPolicy.DROP);
        append(outbound, a, 1, "\"first\"");
        outbound.take();
        outbound.completeSend();
        final List<String> controls = new ArrayList<>();
        long lastA = 1;
        long lastB = 0;
        String incoming = null;
        for (int i = 2; incoming == null; i++)
        {
            if (append(outbound, a, ++lastA, "\"" + "a".repeat(40) + "\"") == Outbound.DROPPED)
            {
                incoming = "a#" + lastA--;
            }
            else if (i == 2 || i == 4)
            {
                assertEquals(Outbound.QUEUED, outbound.appendControl(control("subscribed", "x" + i)));
                controls.add("ctl subscribed x" + i);
            }
            else if (append(outbound, b, ++lastB, "\"" + "b".repeat(40) + "\"") == Outbound.DROPPED)
            {
                incoming = "b#" + lastB--;
            }
        }
        assertTrue(lastA > 4 && lastB > 2, "the bound should hold a few messages: a#" + lastA + " b#" + lastB);

        final List<String> expected = new ArrayList<>(controls);
        expected.add("gap a 2.." + lastA);
        expected.add("gap b 1.." + lastB);
        expected.add("data[" + incoming + "]");
        final List<Frame> frames = takeFrames(outbound);
        assertEquals(expected, describe(frames));
        assertEquals(gapFrame("a", 2, lastA), frames.get(controls.size()).text());
        assertEquals(lastA - 1 + lastB, outbound.droppedMessages());
    }

    @Test
    void shouldKeepOnlyNewestMessageOfEachLatestTopicAndGapTheRest()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1200, SlowConsumerPolicy.DROP);
        outbound.policy(a, SlowConsumerPolicy.LATEST);
        outbound.policy(b, SlowConsumerPolicy.LATEST);
        final TopicState[] topics = {a, b, c};
        final Model model = new Model(topics);
        int overflows = 0;

        for (int round = 1; round <= 60; round++)
        {
            for (final TopicState topic : topics)
            {
                final long seq = model.nextSeq(topic);
                final int result = append(outbound, topic, seq, "{\"round\":" + round + "}");
                if (result == Outbound.DROPPED)
                {
                    model.overflow(topic, seq);
                    overflows++;
                }
                else
                {
                    assertEquals(Outbound.QUEUED, result);
                    model.queued(topic, seq);
                }
            }
            if (round == 30)
            {
                assertTrue(overflows >= 2, "overflows before the first take: " + overflows);
                assertEquals(model.expectedFrames(), describe(takeFrames(outbound)), "first take");
                outbound.completeSend();
                model.taken();
            }
        }

        assertTrue(overflows >= 4, "overflows: " + overflows);
        final List<String> expected = model.expectedFrames();
        assertEquals(expected, describe(takeFrames(outbound)), "second take");
        assertEquals(model.dropped, outbound.droppedMessages());
    }

    @Test
    void shouldKeepNewestOfLatestTopicWhenOtherTopicOverflows()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 700, SlowConsumerPolicy.DROP);
        outbound.policy(a, SlowConsumerPolicy.LATEST);
        outbound.policy(b, SlowConsumerPolicy.LATEST);
        long seq = 0;
        int result = Outbound.QUEUED;
        while (result == Outbound.QUEUED)
        {
            seq++;
            assertEquals(Outbound.QUEUED, append(outbound, a, seq, "\"" + "a".repeat(30) + "\""));
            result = append(outbound, b, seq, "\"" + "b".repeat(30) + "\"");
        }

        assertEquals(Outbound.DROPPED, result);
        assertTrue(seq > 2, "the bound should hold a few messages: " + seq);
        assertEquals(List.of("gap a 1.." + (seq - 1), "gap b 1.." + (seq - 1), "data[a#" + seq + ",b#" + seq + "]"),
            describe(takeFrames(outbound)));
    }

    @Test
    void shouldReturnOverflowAndKeepQueueUnderDisconnect()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 600, SlowConsumerPolicy.DISCONNECT);
        long seq = 0;
        int result = Outbound.QUEUED;
        while (result == Outbound.QUEUED)
        {
            result = append(outbound, a, ++seq, "\"" + "d".repeat(30) + "\"");
        }

        assertEquals(Outbound.OVERFLOW, result);
        assertTrue(seq > 3, "the bound should hold a few messages: " + seq);
        assertEquals(Outbound.OVERFLOW, append(outbound, b, 1, "\"" + "d".repeat(30) + "\""));
        assertEquals(0, outbound.droppedMessages());
        final List<String> expected = new ArrayList<>();
        final StringBuilder data = new StringBuilder("data[");
        for (long s = 1; s < seq; s++)
        {
            data.append(s == 1 ? "" : ",").append("a#").append(s);
        }
        expected.add(data.append("]").toString());
        assertEquals(expected, describe(takeFrames(outbound)), "nothing queued was discarded");
    }

    @Test
    void shouldReturnOverflowWhenQueuedTopicHasDisconnectPolicyWhateverTheDefault()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 600, SlowConsumerPolicy.DROP);
        outbound.policy(b, SlowConsumerPolicy.DISCONNECT);
        assertEquals(Outbound.QUEUED, append(outbound, b, 1, "1"));
        long seq = 0;
        int result = Outbound.QUEUED;
        while (result == Outbound.QUEUED)
        {
            result = append(outbound, a, ++seq, "\"" + "d".repeat(30) + "\"");
        }

        assertEquals(Outbound.OVERFLOW, result, "a queued message of a disconnect topic cannot be dropped");

        final Outbound dropping = new Outbound(new WebSocketCodec(), 600, SlowConsumerPolicy.DROP);
        dropping.policy(b, SlowConsumerPolicy.DISCONNECT);
        long dropSeq = 0;
        result = Outbound.QUEUED;
        while (result == Outbound.QUEUED)
        {
            result = append(dropping, a, ++dropSeq, "\"" + "d".repeat(30) + "\"");
        }
        assertEquals(Outbound.DROPPED, result, "without it the default policy applies");
    }

    @Test
    void shouldApplyPolicyOfMatchingPatternSubscription()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 600, SlowConsumerPolicy.DROP);
        outbound.policy(new TopicPattern(ascii("slow.*"), 0, 6), SlowConsumerPolicy.DISCONNECT);
        long seq = 0;
        int result = Outbound.QUEUED;
        while (result == Outbound.QUEUED)
        {
            result = append(outbound, patternTopic, ++seq, "\"" + "d".repeat(30) + "\"");
        }

        assertEquals(Outbound.OVERFLOW, result);
    }

    @Test
    void shouldReportMessageThatDoesNotFitBesideInFlightBytesInGap()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1000, SlowConsumerPolicy.DROP);
        for (int seq = 1; seq <= 3; seq++)
        {
            append(outbound, a, seq, "\"" + "f".repeat(40) + "\"");
        }
        assertTrue(outbound.beginSend());
        final List<Frame> inFlight = takeFrames(outbound);
        assertEquals(List.of("data[a#1,a#2,a#3]"), describe(inFlight));
        final String big = "\"" + "B".repeat(850) + "\"";

        assertEquals(Outbound.DROPPED, append(outbound, a, 4, big));
        assertEquals(Outbound.QUEUED, append(outbound, b, 1, "1"));
        assertEquals(Outbound.QUEUED, append(outbound, b, 2, "2"));
        assertEquals(Outbound.DROPPED, append(outbound, b, 3, big), "the queued b messages go, then b#3 itself");
        assertEquals(Outbound.DROPPED, append(outbound, a, 5, big));
        assertEquals(Outbound.DROPPED, append(outbound, a, 6, big));

        assertTrue(outbound.completeSend());
        assertEquals(List.of("gap a 4..6", "gap b 1..3"), describe(takeFrames(outbound)),
            "one gap per topic until the client reads");
        assertFalse(outbound.completeSend());

        assertEquals(Outbound.QUEUED, append(outbound, a, 7, big), "with nothing in flight it fits");
        assertTrue(outbound.beginSend());
        assertEquals(List.of("data[a#7]"), describe(takeFrames(outbound)));
        assertEquals(6, outbound.droppedMessages());
    }

    @Test
    void shouldTakeMoreAfterCompleteSend()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP);
        append(outbound, a, 1, "1");
        assertTrue(outbound.beginSend());
        assertEquals(List.of("data[a#1]"), describe(takeFrames(outbound)));

        assertFalse(outbound.completeSend(), "nothing more was queued");
        assertTrue(outbound.isIdle());
        append(outbound, a, 2, "2");
        outbound.appendControl(control("pong", null));
        assertFalse(outbound.isIdle());
        assertTrue(outbound.beginSend());
        assertEquals(List.of("data[a#2]", "ctl pong"), describe(takeFrames(outbound)));
        append(outbound, a, 3, "3");
        assertTrue(outbound.completeSend());
        assertEquals(List.of("data[a#3]"), describe(takeFrames(outbound)));
        assertFalse(outbound.completeSend());
        assertEquals(0, outbound.take(), "nothing queued");
        assertTrue(outbound.isIdle());
    }

    @Test
    void shouldRefuseEveryAppendOnceClosed()
    {
        final Outbound outbound = new Outbound(new WebSocketCodec(), 1 << 16, SlowConsumerPolicy.DROP);
        append(outbound, a, 1, "1");
        assertTrue(outbound.beginSend());
        outbound.take();
        append(outbound, a, 2, "2");

        outbound.close();

        assertTrue(outbound.isClosed());
        assertEquals(Outbound.CLOSED, append(outbound, a, 3, "3"));
        assertEquals(Outbound.CLOSED, append(outbound, b, 1, "1"));
        assertEquals(Outbound.CLOSED, outbound.appendControl(control("pong", null)));
        assertFalse(outbound.completeSend(), "nothing more is sent after close");
        assertFalse(outbound.beginSend());
        assertEquals(0, outbound.queuedBytes());
        assertEquals(Outbound.CLOSED, append(outbound, a, 4, "4"));
    }

    /** Tracks, per topic, that seqs arrive contiguously and in order, either as messages or inside gaps. */
    private static final class Coverage
    {
        private final Map<String, Long> next = new HashMap<>();
        private long gapped;

        void add(final List<Frame> frames)
        {
            for (final Frame frame : frames)
            {
                if (frame.kind() == Outbound.DATA)
                {
                    for (final JsonNode message : frame.json())
                    {
                        final String topic = message.get("topic").asText();
                        final long seq = message.get("seq").asLong();
                        assertEquals(next(topic), seq, "next message of " + topic);
                        next.put(topic, seq + 1);
                    }
                }
                else
                {
                    final JsonNode gap = frame.json();
                    assertEquals("gap", gap.get("type").asText());
                    final String topic = gap.get("topic").asText();
                    final long from = gap.get("from").asLong();
                    final long to = gap.get("to").asLong();
                    assertEquals(next(topic), from, "next gap of " + topic);
                    assertTrue(to >= from, frame.text());
                    next.put(topic, to + 1);
                    gapped += to - from + 1;
                }
            }
        }

        long next(final String topic)
        {
            return next.getOrDefault(topic, 1L);
        }

        long gapped()
        {
            return gapped;
        }
    }

    /**
     * What the slow-consumer policies promise, stated independently of the byte accounting: at each overflow every
     * undelivered message is dropped except the newest of each {@code latest} topic other than the incoming one; until
     * the client reads, one gap per topic names all that went, before the kept messages and the incoming one.
     */
    private static final class Model
    {
        private final Map<TopicState, Long> seqs = new HashMap<>();
        private final Map<TopicState, Boolean> latest = new HashMap<>();
        /** Undelivered messages in queue order: topic and seq. */
        private final List<Object[]> pending = new ArrayList<>();
        /** Gap ranges per topic since the last take, in order of first gap: merged, one frame each. */
        private final Map<TopicState, long[]> gapRanges = new LinkedHashMap<>();
        private long dropped;

        Model(final TopicState[] topics)
        {
            for (final TopicState topic : topics)
            {
                seqs.put(topic, 0L);
                latest.put(topic, topic == a || topic == b);
            }
        }

        long nextSeq(final TopicState topic)
        {
            final long seq = seqs.get(topic) + 1;
            seqs.put(topic, seq);
            return seq;
        }

        void queued(final TopicState topic, final long seq)
        {
            pending.add(new Object[] {topic, seq});
        }

        void overflow(final TopicState incoming, final long seq)
        {
            // Ranges per topic in order of first appearance in the queue, as the gap frames list them.
            final Map<TopicState, long[]> ranges = new LinkedHashMap<>();
            for (final Object[] message : pending)
            {
                final long[] range = ranges.computeIfAbsent((TopicState)message[0], t -> new long[] {(long)message[1], 0});
                range[1] = (long)message[1];
            }
            pending.clear();
            final List<Object[]> kept = new ArrayList<>();
            for (final Map.Entry<TopicState, long[]> entry : ranges.entrySet())
            {
                final TopicState topic = entry.getKey();
                final long first = entry.getValue()[0];
                final long last = entry.getValue()[1];
                if (topic != incoming && latest.get(topic))
                {
                    kept.add(new Object[] {topic, last});
                    if (first < last)
                    {
                        gap(topic, first, last - 1);
                    }
                }
                else
                {
                    gap(topic, first, last);
                }
            }
            pending.addAll(kept);
            pending.add(new Object[] {incoming, seq});
        }

        private void gap(final TopicState topic, final long first, final long last)
        {
            final long[] range = gapRanges.get(topic);
            if (range == null)
            {
                gapRanges.put(topic, new long[] {first, last});
            }
            else
            {
                assertEquals(range[1] + 1, first, "the model's ranges of " + topic.name() + " are contiguous");
                range[1] = last;
            }
            dropped += last - first + 1;
        }

        void taken()
        {
            pending.clear();
            gapRanges.clear();
        }

        List<String> expectedFrames()
        {
            final List<String> frames = new ArrayList<>();
            gapRanges.forEach((topic, range) -> frames.add("gap " + topic.name() + " " + range[0] + ".." + range[1]));
            if (!pending.isEmpty())
            {
                final StringBuilder data = new StringBuilder("data[");
                for (int i = 0; i < pending.size(); i++)
                {
                    data.append(i == 0 ? "" : ",").append(((TopicState)pending.get(i)[0]).name()).append('#')
                        .append(pending.get(i)[1]);
                }
                frames.add(data.append(']').toString());
            }
            return frames;
        }
    }

    /**
     * A fan-out appends one message to each recipient in turn, and the queues of an endpoint share its codec, which
     * encodes the message once for all of them. Each queue must get exactly that message, and a next message its
     * own topic, seq, time and payload whichever of them changed: a ring slot is reused for later messages, a
     * message object outgrows the codec's first buffer, and a replay comes from another array.
     */
    @Test
    void shouldGiveEveryRecipientOfAFanOutTheMessageAndEachNextMessageItsOwnEncoding()
    {
        final WebSocketCodec codec = new WebSocketCodec();
        final Outbound first = new Outbound(codec, 1 << 16, SlowConsumerPolicy.DROP);
        final Outbound second = new Outbound(codec, 1 << 16, SlowConsumerPolicy.DROP);
        final byte[] slot = utf8("<<\"one\">>");
        final int length = slot.length - 4;

        assertEquals(Outbound.QUEUED, first.appendMessage(a, 1, TS + 1, slot, 2, length));
        assertEquals(Outbound.QUEUED, second.appendMessage(a, 1, TS + 1, slot, 2, length));
        // The slot now holds a later message of the same length; then each time one of the six things that name a
        // message differs from the message before, and only that one.
        System.arraycopy(utf8("\"two\""), 0, slot, 2, length);
        assertEquals(Outbound.QUEUED, first.appendMessage(a, 2, TS + 2, slot, 2, length));
        assertEquals(Outbound.QUEUED, first.appendMessage(a, 3, TS + 2, slot, 2, length));
        assertEquals(Outbound.QUEUED, first.appendMessage(a, 3, TS + 5, slot, 2, length));
        assertEquals(Outbound.QUEUED, first.appendMessage(b, 3, TS + 5, slot, 2, length));
        // Another array with the same topic, seq and time: in the gateway a replay from history carries the same
        // bytes as the message did live, but the codec does not count on it.
        final byte[] other = utf8("<<\"hi!\">>");
        assertEquals(Outbound.QUEUED, first.appendMessage(b, 3, TS + 5, other, 2, length));
        final byte[] digits = utf8("<<12345>>");
        assertEquals(Outbound.QUEUED, first.appendMessage(b, 3, TS + 5, digits, 2, 5));
        assertEquals(Outbound.QUEUED, first.appendMessage(b, 3, TS + 5, digits, 2, 4));
        assertEquals(Outbound.QUEUED, first.appendMessage(b, 3, TS + 5, digits, 3, 4));
        // Larger than the codec's first buffer, to both.
        final String large = "\"" + "L".repeat(1000) + "\"";
        final byte[] largeBytes = utf8(large);
        assertEquals(Outbound.QUEUED, first.appendMessage(a, 4, TS + 4, largeBytes, 0, largeBytes.length));
        assertEquals(Outbound.QUEUED, second.appendMessage(a, 4, TS + 4, largeBytes, 0, largeBytes.length));

        assertTrue(first.beginSend());
        assertEquals(List.of("[" + element("a", 1, TS + 1, "\"one\"") + "," + element("a", 2, TS + 2, "\"two\"") +
            "," + element("a", 3, TS + 2, "\"two\"") + "," + element("a", 3, TS + 5, "\"two\"") + "," +
            element("b", 3, TS + 5, "\"two\"") + "," + element("b", 3, TS + 5, "\"hi!\"") + "," +
            element("b", 3, TS + 5, "12345") + "," + element("b", 3, TS + 5, "1234") + "," +
            element("b", 3, TS + 5, "2345") + "," + element("a", 4, TS + 4, large) + "]"), texts(takeFrames(first)));
        assertTrue(second.beginSend());
        assertEquals(List.of("[" + element("a", 1, TS + 1, "\"one\"") + "," + element("a", 4, TS + 4, large) + "]"),
            texts(takeFrames(second)));
    }

    private static List<String> texts(final List<Frame> frames)
    {
        final List<String> texts = new ArrayList<>();
        for (final Frame frame : frames)
        {
            texts.add(frame.text());
        }
        return texts;
    }

    private static int append(final Outbound outbound, final TopicState topic, final long seq, final String payload)
    {
        final byte[] bytes = utf8("<<" + payload + ">>");
        return outbound.appendMessage(topic, seq, TS + seq, bytes, 2, bytes.length - 4);
    }

    private static String element(final String topic, final long seq, final long ts, final String payload)
    {
        return "{\"topic\":\"" + topic + "\",\"seq\":" + seq + ",\"ts\":" + ts + ",\"payload\":" + payload + "}";
    }

    private static String element(final String topic, final long seq, final String payload)
    {
        return "{\"topic\":\"" + topic + "\",\"seq\":" + seq + ",\"ts\":" + (TS + seq) + ",\"payload\":" + payload +
            "}";
    }

    private static String gapFrame(final String topic, final long from, final long to)
    {
        return "{\"type\":\"gap\",\"topic\":\"" + topic + "\",\"from\":" + from + ",\"to\":" + to +
            ",\"reason\":\"slow-consumer\"}";
    }

    private static JsonWriter control(final String type, final String topic)
    {
        final JsonWriter w = new JsonWriter(64).raw("{\"type\":").string(type);
        if (topic != null)
        {
            w.raw(",\"topic\":").string(topic);
        }
        return w.raw("}");
    }

    private static List<Frame> takeFrames(final Outbound outbound)
    {
        return takeFrames(outbound, Integer.MAX_VALUE);
    }

    private static List<Frame> takeFrames(final Outbound outbound, final int bound)
    {
        final int taken = outbound.take();
        assertTrue(taken <= bound, "took " + taken + " bytes, bound " + bound);
        return frames(outbound.taken(), taken);
    }

    /** Walks {@code [length:4 big-endian][kind:1][bytes]} frames and parses each as JSON. */
    private static List<Frame> frames(final byte[] buffer, final int length)
    {
        final List<Frame> frames = new ArrayList<>();
        final ByteBuffer view = ByteBuffer.wrap(buffer, 0, length);
        while (view.hasRemaining())
        {
            assertTrue(view.remaining() >= Outbound.HEADER, "truncated header");
            final int frameLength = view.getInt();
            final byte kind = view.get();
            assertTrue(kind == Outbound.DATA || kind == Outbound.CONTROL, "kind " + kind);
            assertTrue(frameLength <= view.remaining(), "frame of " + frameLength + " bytes overruns the buffer");
            final String text = new String(buffer, view.position(), frameLength, StandardCharsets.UTF_8);
            view.position(view.position() + frameLength);
            final JsonNode json = parse(text);
            assertEquals(kind == Outbound.DATA, json.isArray(), text);
            frames.add(new Frame(kind, text, json));
        }
        return frames;
    }

    /** Frames as short strings: {@code data[a#1,b#2]}, {@code gap a 1..3}, {@code ctl <type> <topic>}. */
    private static List<String> describe(final List<Frame> frames)
    {
        final List<String> described = new ArrayList<>();
        for (final Frame frame : frames)
        {
            final JsonNode json = frame.json();
            if (frame.kind() == Outbound.DATA)
            {
                final StringBuilder data = new StringBuilder("data[");
                for (int i = 0; i < json.size(); i++)
                {
                    data.append(i == 0 ? "" : ",").append(json.get(i).get("topic").asText()).append('#')
                        .append(json.get(i).get("seq").asLong());
                }
                described.add(data.append(']').toString());
            }
            else if ("gap".equals(json.get("type").asText()))
            {
                assertEquals("slow-consumer", json.get("reason").asText(), frame.text());
                described.add("gap " + json.get("topic").asText() + " " + json.get("from").asLong() + ".." +
                    json.get("to").asLong());
            }
            else
            {
                described.add("ctl " + json.get("type").asText() + (json.has("topic") ?
                    " " + json.get("topic").asText() : ""));
            }
        }
        return described;
    }

    private static JsonNode parse(final String text)
    {
        try
        {
            return JSON.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("not JSON: " + text, ex);
        }
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
