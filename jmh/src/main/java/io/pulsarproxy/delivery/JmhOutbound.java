package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;

/**
 * Benchmark access to a subscriber's package-private {@link Outbound} queue, the frame encoder of the deliver stage:
 * lives in the jmh module only, so that encoding is measured on the real class.
 * <p>
 * <b>Note:</b> plays both sides, the deliver thread (append) and the IO thread (take, complete), on one thread.
 */
public final class JmhOutbound
{
    private final Outbound outbound;

    /**
     * Creates a queue with the WebSocket codec, bounded like the gateway's default ({@code proxy.outbound.max.bytes=4m},
     * drop policy).
     */
    public JmhOutbound()
    {
        this(new WebSocketCodec());
    }

    /**
     * Creates a queue as {@link #JmhOutbound()} does, encoding with a codec it may share with other queues of the
     * same endpoint.
     *
     * @param codec the endpoint's codec.
     */
    JmhOutbound(final WebSocketCodec codec)
    {
        this.outbound = new Outbound(codec, 4 * 1024 * 1024, SlowConsumerPolicy.DROP);
    }

    /**
     * Encodes one message into the open data frame, as the deliver stage does.
     *
     * @param topic   the topic.
     * @param seq     the seq.
     * @param micros  the receive time.
     * @param payload payload bytes.
     * @param offset  where the payload starts.
     * @param length  its length.
     * @return the queue's result code (0 when queued).
     */
    public int append(
        final TopicState topic, final long seq, final long micros, final byte[] payload, final int offset,
        final int length)
    {
        return outbound.appendMessage(topic, seq, micros, payload, offset, length);
    }

    /**
     * Takes what is queued as the IO thread would, and marks it written.
     *
     * @return the bytes taken.
     */
    public int drain()
    {
        if (!outbound.beginSend())
        {
            return 0;
        }
        final int taken = outbound.take();
        outbound.completeSend();
        return taken;
    }
}
