package io.pulsarproxy.jmh;

import io.pulsarproxy.pipeline.Subscriber;
import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonNumbers;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * An in-memory subscriber for benchmarks: encodes each message as the gateway's data-frame element
 * ({@code {"topic":..,"seq":..,"ts":..,"payload":..}}) into one pre-allocated byte array, and starts over at the end
 * of each Disruptor batch ({@link #flush()}), so that delivery costs what encoding costs and allocates nothing.
 * <p>
 * <b>Note:</b> called on the deliver thread only; {@link #subscribed} may be awaited from any thread.
 */
public final class SinkSubscriber extends Subscriber
{
    private static final byte[] TOPIC = "{\"topic\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = "\",\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TS = ",\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAYLOAD = ",\"payload\":".getBytes(StandardCharsets.US_ASCII);

    /** Counted down when the subscription took effect. */
    public final CountDownLatch subscribed = new CountDownLatch(1);

    private final byte[] out = new byte[1 << 20];
    private int position;
    private volatile long messages;

    /**
     * Messages received so far.
     *
     * @return the count.
     */
    public long messages()
    {
        return messages;
    }

    @Override
    public void onMessage(
        final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer, final int payloadOffset,
        final int payloadLength)
    {
        final byte[] name = topic.nameBytes();
        if (position + name.length + payloadLength + 96 > out.length)
        {
            position = 0;
        }
        int p = position;
        p = put(TOPIC, p);
        p = put(name, p);
        p = put(SEQ, p);
        p = JsonNumbers.putLong(seq, out, p);
        p = put(TS, p);
        p = JsonNumbers.putLong(timestampMicros, out, p);
        p = put(PAYLOAD, p);
        System.arraycopy(buffer, payloadOffset, out, p, payloadLength);
        p += payloadLength;
        out[p++] = '}';
        position = p;
        messages = messages + 1;
    }

    @Override
    public void onSubscribed(final TopicState topic, final long currentSeq)
    {
        subscribed.countDown();
    }

    @Override
    public void onSubscribedPattern(final TopicPattern pattern)
    {
        subscribed.countDown();
    }

    @Override
    public void onGap(final TopicState topic, final long from, final long to, final String reason)
    {
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
        position = 0;
    }

    private int put(final byte[] src, final int at)
    {
        System.arraycopy(src, 0, out, at, src.length);
        return at + src.length;
    }
}
