package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.LatencyRecorder;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the subscriber endpoints, for metrics.
 */
public final class DeliveryCounters
{
    final LatencyRecorder writeLatency;
    final OutboundBudget outboundBudget;

    final AtomicInteger connections = new AtomicInteger();
    final AtomicLong connectionsOpened = new AtomicLong();
    final AtomicLong connectionsRefused = new AtomicLong();
    final AtomicLong framesSent = new AtomicLong();
    final AtomicLong slowDrops = new AtomicLong();
    final AtomicLong slowDisconnects = new AtomicLong();
    final AtomicLong clientErrors = new AtomicLong();
    final AtomicLong forbidden = new AtomicLong();
    final AtomicLong expired = new AtomicLong();
    final AtomicLong halfOpenClosed = new AtomicLong();

    /**
     * Creates counters that record no write latency.
     */
    public DeliveryCounters()
    {
        this(LatencyRecorder.NONE);
    }

    /**
     * Creates counters that also receive, per frame write, the time from the oldest message's receipt to the write.
     *
     * @param writeLatency the recorder; called on IO threads, must not block.
     */
    public DeliveryCounters(final LatencyRecorder writeLatency)
    {
        this(writeLatency, Long.MAX_VALUE);
    }

    /**
     * Creates counters with a bound on the bytes all connections together may have queued or in flight.
     *
     * @param writeLatency     the recorder; called on IO threads, must not block.
     * @param outboundMaxBytes the bound ({@code proxy.outbound.total.max.bytes}); {@link Long#MAX_VALUE} for none.
     */
    public DeliveryCounters(final LatencyRecorder writeLatency, final long outboundMaxBytes)
    {
        this.writeLatency = writeLatency;
        this.outboundBudget = outboundMaxBytes == Long.MAX_VALUE ?
            OutboundBudget.UNLIMITED : new OutboundBudget(outboundMaxBytes);
    }

    /**
     * Memory of the outbound buffers of all connections together (queued, in flight, or kept for the next burst).
     *
     * @return the current sum.
     */
    public long outboundBytes()
    {
        return outboundBudget.usedBytes();
    }

    /**
     * Open WebSocket connections.
     *
     * @return the current count.
     */
    public int connections()
    {
        return connections.get();
    }

    /**
     * WebSocket connections accepted since start.
     *
     * @return the count.
     */
    public long connectionsOpened()
    {
        return connectionsOpened.get();
    }

    /**
     * Connections refused because the gateway held its maximum.
     *
     * @return the count.
     */
    public long connectionsRefused()
    {
        return connectionsRefused.get();
    }

    /**
     * WebSocket frames written.
     *
     * @return the count.
     */
    public long framesSent()
    {
        return framesSent.get();
    }

    /**
     * Times a slow connection had messages dropped under the drop policy.
     *
     * @return the count.
     */
    public long slowDrops()
    {
        return slowDrops.get();
    }

    /**
     * Connections closed for being too slow (or flooding control frames).
     *
     * @return the count.
     */
    public long slowDisconnects()
    {
        return slowDisconnects.get();
    }

    /**
     * Subscriptions refused because the token does not cover the topic.
     *
     * @return the count since start.
     */
    public long forbidden()
    {
        return forbidden.get();
    }

    /**
     * Counts a subscription refused outside this module (the SSE request's topic check in the gateway).
     */
    public void countForbidden()
    {
        forbidden.incrementAndGet();
    }

    /**
     * Connections closed because their token expired.
     *
     * @return the count since start.
     */
    public long expired()
    {
        return expired.get();
    }

    /**
     * WebSocket connections closed because the client stopped answering pings.
     *
     * @return the count since start.
     */
    public long halfOpenClosed()
    {
        return halfOpenClosed.get();
    }

    /**
     * Client frames answered with an error frame.
     *
     * @return the count.
     */
    public long clientErrors()
    {
        return clientErrors.get();
    }
}
