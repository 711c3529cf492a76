package io.pulsarproxy.pipeline;

/**
 * Plain counters kept by the stages, each field written by one stage thread only, read by metrics at any time.
 * <p>
 * Readers may see a value a moment old; that is what a scrape needs, and it keeps the hot path free of atomics.
 */
public final class PipelineCounters
{
    volatile long routed;
    volatile long duplicates;
    volatile long topics;
    volatile long subscriptions;
    volatile long delivered;
    volatile long replayed;
    volatile long historyGaps;
    volatile long epochGaps;
    volatile long requestsCompleted;
    volatile long requestsRefused;
    final java.util.concurrent.atomic.AtomicLong stageErrors = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Messages sequenced by route.
     *
     * @return the count since start.
     */
    public long routed()
    {
        return routed;
    }

    /**
     * Messages not published again because their idempotency key was already in their topic's window.
     *
     * @return the count since start.
     */
    public long duplicates()
    {
        return duplicates;
    }

    /**
     * Topics in the topic table.
     *
     * @return the current count.
     */
    public long topics()
    {
        return topics;
    }

    /**
     * Subscriptions currently held across all subscribers.
     *
     * @return the current count.
     */
    public long subscriptions()
    {
        return subscriptions;
    }

    /**
     * Messages handed to subscribers' outbound buffers, one per subscriber per message.
     *
     * @return the count since start.
     */
    public long delivered()
    {
        return delivered;
    }

    /**
     * Messages sent from history to subscribers that resumed with {@code from}.
     *
     * @return the count since start.
     */
    public long replayed()
    {
        return replayed;
    }

    /**
     * Gap frames sent because a resume asked for seqs no longer in history.
     *
     * @return the count since start.
     */
    public long historyGaps()
    {
        return historyGaps;
    }

    /**
     * Gap frames sent because a resume named an epoch that is gone.
     *
     * @return the count since start.
     */
    public long epochGaps()
    {
        return epochGaps;
    }

    /**
     * Publish requests completed with success.
     *
     * @return the count since start.
     */
    public long requestsCompleted()
    {
        return requestsCompleted;
    }

    /**
     * Publish requests refused by route as a whole (topic table full).
     *
     * @return the count since start.
     */
    public long requestsRefused()
    {
        return requestsRefused;
    }

    /**
     * Exceptions caught by the stages' exception handlers.
     *
     * @return the count since start.
     */
    public long stageErrors()
    {
        return stageErrors.get();
    }
}
