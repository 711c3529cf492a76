package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Message;
import io.pulsarproxy.pipeline.TopicQuery.TopicStats;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A started pipeline with the publish, subscribe and query helpers that the routing, replay and idempotency tests
 * share: every call goes through the ring exactly as ingest and the delivery transports use it.
 */
final class PipelineDriver implements AutoCloseable
{
    static final int RING_SIZE = 1024;
    static final String EPOCH = "test";
    static final long BASE_MICROS = 1_700_000_000_000_000L;

    private final Pipeline pipeline;
    private final AtomicLong nextMicros = new AtomicLong(BASE_MICROS);

    /** A message to publish: its topic, its idempotency key (null for none) and its payload. */
    record Msg(String topic, String id, String payload)
    {
    }

    PipelineDriver(final PipelineConfig config)
    {
        this(config, LatencyRecorder.NONE);
    }

    PipelineDriver(final PipelineConfig config, final LatencyRecorder latency)
    {
        this.pipeline = new Pipeline(config, latency);
        pipeline.start();
    }

    /**
     * A configuration for tests: a ring of {@link #RING_SIZE} slots, one MiB of history bytes per topic, the epoch
     * {@link #EPOCH}, and the given bounds.
     */
    static PipelineConfig config(
        final int stageThreads,
        final int historySize,
        final int maxTopics,
        final int maxSubscriptions,
        final int idempotencyWindow)
    {
        return new PipelineConfig(RING_SIZE, WaitStrategyType.BLOCKING, 256, 65536, historySize, 1 << 20, maxTopics,
            maxSubscriptions, idempotencyWindow, 256, stageThreads, EPOCH);
    }

    Pipeline pipeline()
    {
        return pipeline;
    }

    static Msg msg(final String topic, final String payload)
    {
        return new Msg(topic, null, payload);
    }

    static Msg msg(final String topic, final String id, final String payload)
    {
        return new Msg(topic, id, payload);
    }

    /**
     * Publishes one request and waits until deliver completed it, which is after every current subscriber was handed
     * its messages: what a subscriber holds then is all it will ever get of them.
     */
    RecordingRequest publishAndAwait(final Msg... messages) throws InterruptedException
    {
        final RecordingRequest request = tryPublish(messages);
        assertTrue(request != null, "ring full");
        assertTrue(request.await(), "request was not completed");
        return request;
    }

    /**
     * Claims one slot per message and fills each from arrays laid out as {@code junk | topic | payload | junk} and
     * {@code [id]}, so that every array and offset passed to setMessage matters.
     *
     * @return the request, or null when the ring had no room and nothing was published.
     */
    RecordingRequest tryPublish(final Msg... messages)
    {
        final int n = messages.length;
        final long hi = pipeline.tryClaim(n);
        if (hi < 0)
        {
            return null;
        }
        final RecordingRequest request = new RecordingRequest(n);
        final long lo = hi - n + 1;
        try
        {
            for (int i = 0; i < n; i++)
            {
                final Msg message = messages[i];
                final byte[] topic = ascii(message.topic());
                final byte[] payload = utf8(message.payload());
                final byte[] src = new byte[3 + topic.length + payload.length + 2];
                System.arraycopy(topic, 0, src, 3, topic.length);
                final int payloadOffset = 3 + topic.length;
                System.arraycopy(payload, 0, src, payloadOffset, payload.length);
                final byte[] id = message.id() == null ? null : ascii("[" + message.id() + "]");
                final int idLength = id == null ? 0 : id.length - 2;
                pipeline.event(lo + i).setMessage(src, 3, topic.length, id, 1, idLength,
                    src, payloadOffset, payload.length, nextMicros.getAndIncrement(), request, i, i == n - 1);
            }
        }
        finally
        {
            pipeline.publish(lo, hi);
        }
        return request;
    }

    void subscribe(final Subscriber subscriber, final String topic)
    {
        final byte[] bytes = ascii("[" + topic + "]");
        assertTrue(pipeline.trySubscribe(subscriber, bytes, 1, bytes.length - 2), "ring full");
    }

    void subscribe(final Subscriber subscriber, final String topic, final long from, final String epoch)
    {
        final byte[] bytes = ascii("[" + topic + "]");
        assertTrue(pipeline.trySubscribe(subscriber, bytes, 1, bytes.length - 2, from, epoch), "ring full");
    }

    void unsubscribe(final Subscriber subscriber, final String topic)
    {
        final byte[] bytes = ascii("[" + topic + "]");
        assertTrue(pipeline.tryUnsubscribe(subscriber, bytes, 1, bytes.length - 2), "ring full");
    }

    void detach(final Subscriber subscriber)
    {
        assertTrue(pipeline.tryDetach(subscriber), "ring full");
    }

    /**
     * Asks the stages about one topic (or all, for null); since the query travels the ring, everything published
     * before it has passed every stage when it returns.
     */
    List<TopicStats> query(final String topic) throws InterruptedException
    {
        final RecordingQuery query = new RecordingQuery(topic);
        assertTrue(pipeline.tryQuery(query), "ring full");
        return query.await();
    }

    @Override
    public void close()
    {
        pipeline.close();
    }

    static List<String> payloads(final List<Message> messages)
    {
        final List<String> payloads = new ArrayList<>();
        for (final Message message : messages)
        {
            payloads.add(message.payloadText());
        }
        return payloads;
    }

    /** Each message as {@code topic#seq}. */
    static List<String> keys(final List<Message> messages)
    {
        final List<String> keys = new ArrayList<>();
        for (final Message message : messages)
        {
            keys.add(message.topic() + "#" + message.seq());
        }
        return keys;
    }

    static List<Long> seqs(final List<Message> messages)
    {
        final List<Long> seqs = new ArrayList<>();
        for (final Message message : messages)
        {
            seqs.add(message.seq());
        }
        return seqs;
    }

    static List<Long> range(final long from, final long to)
    {
        final List<Long> seqs = new ArrayList<>();
        for (long seq = from; seq <= to; seq++)
        {
            seqs.add(seq);
        }
        return seqs;
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
