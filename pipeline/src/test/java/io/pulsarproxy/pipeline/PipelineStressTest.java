package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several producers publish at once through the multi-producer ring; one subscriber checks every message.
 * <p>
 * The stages write what they observe into plain arrays on the deliver thread; the test thread reads them only after
 * every request was completed, which orders the reads after the writes.
 */
class PipelineStressTest
{
    private static final int PRODUCERS = 4;
    private static final int TOPICS = 4;
    private static final long TIMEOUT_SECONDS = 120;

    private Pipeline pipeline;

    /**
     * How many threads run the stages; {@link PipelineThreeStageThreadsStressTest} runs every test with 3.
     *
     * @return 1 or 3.
     */
    int stageThreads()
    {
        return 1;
    }

    @BeforeEach
    void startPipeline()
    {
        pipeline = new Pipeline(new PipelineConfig(
            1024, WaitStrategyType.BLOCKING, 256, 65536, 100, 1 << 20, 10, TOPICS, 0, 256, stageThreads(), "stress"));
        pipeline.start();
    }

    @AfterEach
    void closePipeline()
    {
        pipeline.close();
    }

    @Test
    void shouldDeliverEverySingleMessageRequestExactlyOnceInPerTopicOrder() throws Exception
    {
        final int perProducer = 20_000;
        final int perTopic = PRODUCERS * perProducer / TOPICS;
        final TopicLog log = subscribeToAll(perTopic);
        final long[][] assignedSeq = new long[PRODUCERS][perProducer];
        final CountDownLatch completed = new CountDownLatch(PRODUCERS * perProducer);
        final AtomicInteger badReceipts = new AtomicInteger();

        runProducers(producer ->
        {
            for (int i = 0; i < perProducer; i++)
            {
                final int topicIndex = (i + producer) % TOPICS;
                final int counter = i;
                final PublishRequest request = new PublishRequest(1)
                {
                    @Override
                    protected void onPublished()
                    {
                        if (status() != MessageEvent.STATUS_OK || topicCount() != 1 ||
                            !topic(0).name().equals(topicName(topicIndex)) || firstSeq(0) != lastSeq(0))
                        {
                            badReceipts.incrementAndGet();
                        }
                        assignedSeq[producer][counter] = firstSeq(0);
                        completed.countDown();
                    }
                };
                final long seq = claim(1);
                try
                {
                    fill(seq, topicIndex, payload(producer, counter, 0), request, 0, true);
                }
                finally
                {
                    pipeline.publish(seq, seq);
                }
            }
        });

        assertTrue(completed.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "requests left: " + completed.getCount());
        assertEquals(0, badReceipts.get());
        assertEquals(0, log.gaps.get());
        for (int t = 0; t < TOPICS; t++)
        {
            assertEquals(perTopic, log.count[t], "messages on topic " + t);
            assertEquals(0, log.outOfOrder[t], "seq breaks on topic " + t);
            final int[] nextCounter = new int[PRODUCERS];
            for (int p = 0; p < PRODUCERS; p++)
            {
                nextCounter[p] = Math.floorMod(t - p, TOPICS);
            }
            for (int k = 0; k < perTopic; k++)
            {
                final long payload = log.payloads[t][k];
                final int producer = producerOf(payload);
                final int counter = counterOf(payload);
                assertEquals(nextCounter[producer], counter,
                    "topic " + t + " seq " + (k + 1) + " producer " + producer);
                nextCounter[producer] += TOPICS;
                assertEquals(k + 1, assignedSeq[producer][counter], "receipt of producer " + producer + " #" + counter);
            }
            for (int p = 0; p < PRODUCERS; p++)
            {
                assertEquals(perProducer + Math.floorMod(t - p, TOPICS), nextCounter[p],
                    "topic " + t + " producer " + p);
            }
        }
        assertCounters(PRODUCERS * perProducer);
    }

    @Test
    void shouldKeepEachBatchContiguousPerTopicUnderContention() throws Exception
    {
        final int requestsPerProducer = 2_000;
        final int maxBatch = 16;
        final Batch[][] batches = new Batch[PRODUCERS][requestsPerProducer];
        final CountDownLatch completed = new CountDownLatch(PRODUCERS * requestsPerProducer);
        final int[] perTopic = new int[TOPICS];
        for (int p = 0; p < PRODUCERS; p++)
        {
            final Random random = new Random(p);
            for (int r = 0; r < requestsPerProducer; r++)
            {
                final int[] topics = new int[1 + random.nextInt(maxBatch)];
                for (int k = 0; k < topics.length; k++)
                {
                    topics[k] = random.nextInt(TOPICS);
                    perTopic[topics[k]]++;
                }
                batches[p][r] = new Batch(topics, completed);
            }
        }
        final int maxPerTopic = Arrays.stream(perTopic).max().orElse(0);
        final TopicLog log = subscribeToAll(maxPerTopic);

        runProducers(producer ->
        {
            for (int r = 0; r < requestsPerProducer; r++)
            {
                final Batch batch = batches[producer][r];
                final int n = batch.topics.length;
                final long hi = claim(n);
                final long lo = hi - n + 1;
                try
                {
                    for (int k = 0; k < n; k++)
                    {
                        fill(lo + k, batch.topics[k], payload(producer, r, k), batch, k, k == n - 1);
                    }
                }
                finally
                {
                    pipeline.publish(lo, hi);
                }
            }
        });

        assertTrue(completed.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "requests left: " + completed.getCount());
        assertEquals(0, log.gaps.get());
        for (int t = 0; t < TOPICS; t++)
        {
            assertEquals(perTopic[t], log.count[t], "messages on topic " + t);
            assertEquals(0, log.outOfOrder[t], "seq breaks on topic " + t);
        }
        int checked = 0;
        for (int p = 0; p < PRODUCERS; p++)
        {
            for (int r = 0; r < requestsPerProducer; r++)
            {
                final Batch batch = batches[p][r];
                assertEquals(1, batch.publishedCalls.get());
                assertEquals(MessageEvent.STATUS_OK, batch.status());
                // Each receipt entry covers exactly this request's messages of that topic, in request order.
                int entries = 0;
                final boolean[] seen = new boolean[TOPICS];
                for (final int topic : batch.topics)
                {
                    if (!seen[topic])
                    {
                        seen[topic] = true;
                        final String name = topicName(topic);
                        assertEquals(name, batch.topic(entries).name(), "entry order of request " + p + "/" + r);
                        long seq = batch.firstSeq(entries);
                        for (int k = 0; k < batch.topics.length; k++)
                        {
                            if (batch.topics[k] == topic)
                            {
                                assertEquals(payload(p, r, k), log.payloads[topic][(int)seq - 1],
                                    "request " + p + "/" + r + " message " + k + " at seq " + seq);
                                seq++;
                                checked++;
                            }
                        }
                        assertEquals(batch.lastSeq(entries), seq - 1, "request " + p + "/" + r + " topic " + name);
                        entries++;
                    }
                }
                assertEquals(entries, batch.topicCount());
            }
        }
        assertEquals(Arrays.stream(perTopic).sum(), checked);
        assertCounters(checked);
    }

    /** A batch request whose message topics are chosen up front. */
    private static final class Batch extends PublishRequest
    {
        final int[] topics;
        final AtomicInteger publishedCalls = new AtomicInteger();
        final CountDownLatch completed;

        Batch(final int[] topics, final CountDownLatch completed)
        {
            super(topics.length);
            this.topics = topics;
            this.completed = completed;
        }

        @Override
        protected void onPublished()
        {
            publishedCalls.incrementAndGet();
            completed.countDown();
        }
    }

    /** Per-topic record of what the subscriber received, written on the deliver thread only. */
    private static final class TopicLog extends Subscriber
    {
        final int[] count = new int[TOPICS];
        final int[] outOfOrder = new int[TOPICS];
        final long[][] payloads;
        final CountDownLatch subscribed = new CountDownLatch(TOPICS);
        final AtomicInteger gaps = new AtomicInteger();

        TopicLog(final int capacity)
        {
            payloads = new long[TOPICS][capacity];
        }

        @Override
        public void onMessage(
            final TopicState topic,
            final long seq,
            final long timestampMicros,
            final byte[] buffer,
            final int payloadOffset,
            final int payloadLength)
        {
            final int t = topic.name().charAt(topic.name().length() - 1) - '0';
            final int k = count[t]++;
            if (seq != k + 1)
            {
                outOfOrder[t]++;
            }
            if (k < payloads[t].length)
            {
                payloads[t][k] = parsePayload(buffer, payloadOffset, payloadLength);
            }
        }

        @Override
        public void onSubscribed(final TopicState topic, final long currentSeq)
        {
            if (currentSeq == 0)
            {
                subscribed.countDown();
            }
        }

        @Override
        public void onSubscribedPattern(final TopicPattern pattern)
        {
        }

        @Override
        public void onGap(final TopicState topic, final long from, final long to, final String reason)
        {
            gaps.incrementAndGet();
        }

        @Override
        public void onUnsubscribed(final byte[] topic, final int offset, final int length)
        {
        }

        @Override
        public void onSubscribeRefused(
            final byte[] topic, final int offset, final int length, final String code, final String reason)
        {
        }

        @Override
        public void flush()
        {
        }
    }

    /** The body of one producer thread. */
    @FunctionalInterface
    private interface Producer
    {
        void run(int producer) throws Exception;
    }

    private TopicLog subscribeToAll(final int capacity) throws InterruptedException
    {
        final TopicLog log = new TopicLog(capacity);
        for (int t = 0; t < TOPICS; t++)
        {
            final byte[] name = topicName(t).getBytes(StandardCharsets.US_ASCII);
            assertTrue(pipeline.trySubscribe(log, name, 0, name.length));
        }
        assertTrue(log.subscribed.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        return log;
    }

    private static void runProducers(final Producer body) throws InterruptedException
    {
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++)
        {
            final int producer = p;
            final Thread thread = new Thread(() ->
            {
                try
                {
                    start.await();
                    body.run(producer);
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "producer-" + p);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            assertFalse(thread.isAlive(), thread.getName() + " did not finish");
        }
        assertNull(failure.get());
    }

    /** Claims n slots, retrying while the ring is full; gives up only if the pipeline stops draining. */
    private long claim(final int n)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true)
        {
            final long hi = pipeline.tryClaim(n);
            if (hi >= 0)
            {
                return hi;
            }
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("ring stayed full");
            }
            Thread.yield();
        }
    }

    private void fill(
        final long seq, final int topic, final long payload, final PublishRequest request, final int index,
        final boolean last)
    {
        final byte[] name = topicName(topic).getBytes(StandardCharsets.US_ASCII);
        final byte[] body = ("{\"v\":" + payload + "}").getBytes(StandardCharsets.US_ASCII);
        pipeline.event(seq).setMessage(
            name, 0, name.length, null, 0, 0, body, 0, body.length, seq, request, index, last);
    }

    private void assertCounters(final long messages) throws InterruptedException
    {
        final RecordingQuery query = new RecordingQuery(null);
        assertTrue(pipeline.tryQuery(query));
        final List<TopicQuery.TopicStats> topics = query.await();
        long sequenced = 0;
        for (final TopicQuery.TopicStats topic : topics)
        {
            sequenced += topic.seq();
            assertEquals(1, topic.subscribers());
        }
        assertEquals(TOPICS, topics.size());
        assertEquals(messages, sequenced);
        assertEquals(messages, pipeline.counters().routed());
        assertEquals(messages, pipeline.counters().delivered());
        assertEquals(0, pipeline.counters().stageErrors());
    }

    private static String topicName(final int topic)
    {
        return "stress.t" + topic;
    }

    /** Packs producer, counter and index within the request into one number that the payload carries. */
    private static long payload(final int producer, final int counter, final int index)
    {
        return ((long)producer << 40) | ((long)counter << 8) | index;
    }

    private static int producerOf(final long payload)
    {
        return (int)(payload >>> 40);
    }

    private static int counterOf(final long payload)
    {
        return (int)((payload >>> 8) & 0xFFFF_FFFFL);
    }

    private static long parsePayload(final byte[] buffer, final int offset, final int length)
    {
        long value = 0;
        for (int i = offset + 5, end = offset + length - 1; i < end; i++)
        {
            value = value * 10 + (buffer[i] - '0');
        }
        return value;
    }
}
