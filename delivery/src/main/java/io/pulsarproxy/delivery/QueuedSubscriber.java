package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.EpochClock;
import io.pulsarproxy.pipeline.LatencyRecorder;
import io.pulsarproxy.pipeline.Subscriber;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;

/**
 * A subscriber whose frames go through a bounded {@link Outbound} queue and are written on its connection's IO
 * thread: what the WebSocket and SSE subscribers share.
 * <p>
 * <b>Note:</b> {@link #onMessage}, {@link #flush()} and the other pipeline callbacks run on the deliver thread;
 * {@link #send()} runs on the IO thread, one write in flight at a time.
 */
abstract class QueuedSubscriber extends Subscriber
{
    final Outbound outbound;
    private final FrameCodec codec;
    final DeliveryCounters counters;
    private final IoThreadFlusher flusher;
    private final LatencyRecorder writeLatency;

    QueuedSubscriber(
        final FrameCodec codec,
        final DeliveryConfig config,
        final DeliveryCounters counters,
        final IoThreadFlusher flusher)
    {
        this.writeLatency = counters.writeLatency;
        this.codec = codec;
        this.outbound = new Outbound(codec, config.outboundMaxBytes(), config.slowPolicy(), counters.outboundBudget);
        this.counters = counters;
        this.flusher = flusher;
    }

    @Override
    public final void onMessage(
        final TopicState topic,
        final long seq,
        final long timestampMicros,
        final byte[] buffer,
        final int payloadOffset,
        final int payloadLength)
    {
        final int result = outbound.appendMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
        if (result == Outbound.DROPPED)
        {
            counters.slowDrops.incrementAndGet();
        }
        else if (result == Outbound.OVERFLOW)
        {
            slowConsumer();
        }
    }

    @Override
    public final void onGap(final TopicState topic, final long from, final long to, final String reason)
    {
        final JsonWriter frame = new JsonWriter(160);
        codec.gap(frame, topic, from, to, reason);
        control(frame);
    }

    @Override
    public final void flush()
    {
        if (outbound.beginSend())
        {
            flusher.offer(this);
        }
    }

    @Override
    public final void flushNow()
    {
        if (outbound.beginSend())
        {
            flusher.sendOrOffer(this);
        }
    }

    /**
     * Queues a control frame after everything queued so far; a queue that cannot take even that is a slow consumer.
     *
     * @param frame the encoded frame.
     */
    final void control(final JsonWriter frame)
    {
        if (outbound.appendControl(frame) == Outbound.OVERFLOW)
        {
            slowConsumer();
        }
    }

    /**
     * Records, when a write is handed to the socket, how long its oldest message took from receipt; runs on the IO
     * thread once per write.
     */
    final void recordWrite()
    {
        final long oldest = outbound.takenOldestMicros();
        if (oldest >= 0)
        {
            writeLatency.record(EpochClock.micros(), oldest);
        }
    }

    /**
     * The queue overflowed under the disconnect policy: stop queuing and close the connection.
     */
    abstract void slowConsumer();

    /**
     * Runs on the IO thread: takes what is queued and writes it, then calls {@link Outbound#completeSend()}.
     */
    abstract void send();
}
