package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;

/**
 * Benchmark access to a fan-out as the deliver stage does it: one message appended to many subscribers'
 * {@link Outbound} queues in turn, all of one endpoint and so sharing its codec.
 * <p>
 * <b>Note:</b> plays both sides, the deliver thread (append) and the IO thread (take, complete), on one thread.
 */
public final class JmhFanOut
{
    private final JmhOutbound[] outbounds;

    /**
     * Creates the queues, each like {@link JmhOutbound}'s, sharing one codec.
     *
     * @param subscribers how many queues.
     */
    public JmhFanOut(final int subscribers)
    {
        final WebSocketCodec codec = new WebSocketCodec();
        outbounds = new JmhOutbound[subscribers];
        for (int i = 0; i < subscribers; i++)
        {
            outbounds[i] = new JmhOutbound(codec);
        }
    }

    /**
     * Appends one message to every queue, as the deliver stage does for a topic's recipients.
     *
     * @param topic   the topic.
     * @param seq     the seq.
     * @param micros  the receive time.
     * @param payload payload bytes.
     * @param offset  where the payload starts.
     * @param length  its length.
     * @return the sum of the queues' result codes (0 when all queued).
     */
    public int deliver(
        final TopicState topic, final long seq, final long micros, final byte[] payload, final int offset,
        final int length)
    {
        int result = 0;
        for (final JmhOutbound outbound : outbounds)
        {
            result += outbound.append(topic, seq, micros, payload, offset, length);
        }
        return result;
    }

    /**
     * Takes what every queue holds as their IO threads would, and marks it written.
     *
     * @return the bytes taken.
     */
    public int drain()
    {
        int taken = 0;
        for (final JmhOutbound outbound : outbounds)
        {
            taken += outbound.drain();
        }
        return taken;
    }
}
