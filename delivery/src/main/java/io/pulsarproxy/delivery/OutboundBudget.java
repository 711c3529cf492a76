package io.pulsarproxy.delivery;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on the memory all connections' outbound buffers together may hold ({@code
 * proxy.outbound.total.max.bytes}): the capacity of their buffers, queued or in flight or kept for the next burst.
 * <p>
 * Each {@link Outbound} is bounded on its own, but a publisher is answered once its messages are queued, so a burst
 * to many subscribers fans out faster than the sockets drain it, and the sum of the queues is what the heap must
 * hold: without this bound, 100 messages to 10,000 subscribers ran a 256 MiB heap out of memory and lost messages
 * without a word. A message that would take the sum past this bound is handled as if its connection's own queue
 * were full: the slow-consumer policy applies, and a {@code gap} frame says exactly what was dropped. Counting
 * capacity rather than queued bytes is what makes it a bound on memory: buffers grow by doubling, and an idle one
 * keeps its capacity for the next burst (given back under pressure, see {@link #underPressure()}).
 * <p>
 * <b>Note:</b> each queue reports the change of its memory after every append, send and close; appends come from
 * the thread running the stages, sends from IO threads. The sum may run past the bound by what appends in flight
 * on other threads add at the same moment.
 */
final class OutboundBudget
{
    /** No bound beyond each connection's own, for tests and tools. */
    static final OutboundBudget UNLIMITED = new OutboundBudget(Long.MAX_VALUE);

    private final long maxBytes;
    private final AtomicLong usedBytes = new AtomicLong();

    /**
     * Creates a budget.
     *
     * @param maxBytes bytes all queues together may hold.
     */
    OutboundBudget(final long maxBytes)
    {
        this.maxBytes = maxBytes;
    }

    /**
     * Tells whether a queue that holds {@code unreported} bytes more than it last reported may add {@code bytes}.
     *
     * @param unreported the queue's own change since its last {@link #add}.
     * @param bytes      what its buffer would grow by.
     * @return true if the sum stays within the bound.
     */
    boolean fits(final long unreported, final int bytes)
    {
        return maxBytes == Long.MAX_VALUE || usedBytes.get() + unreported + bytes <= maxBytes;
    }

    /**
     * Tells whether all queues together hold more than half the bound, when idle buffers should be given back.
     *
     * @return true under pressure.
     */
    boolean underPressure()
    {
        return maxBytes != Long.MAX_VALUE && usedBytes.get() > maxBytes / 2;
    }

    /**
     * Adds a queue's change of memory, positive or negative.
     *
     * @param delta bytes.
     */
    void add(final long delta)
    {
        if (delta != 0)
        {
            usedBytes.addAndGet(delta);
        }
    }

    /**
     * Bytes of outbound buffers held by all connections.
     *
     * @return the sum as last reported.
     */
    long usedBytes()
    {
        return usedBytes.get();
    }

    /**
     * The bound.
     *
     * @return bytes.
     */
    long maxBytes()
    {
        return maxBytes;
    }
}
