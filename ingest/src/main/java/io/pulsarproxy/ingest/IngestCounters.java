package io.pulsarproxy.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the publish endpoints, for metrics.
 */
public final class IngestCounters
{
    private final java.util.function.LongConsumer batchSizes;

    final AtomicLong requests = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong ringFull = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong engineUnavailable = new AtomicLong();
    final AtomicLong forbidden = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();

    /**
     * Creates counters that record nothing beyond themselves.
     */
    public IngestCounters()
    {
        this(size ->
        {
        });
    }

    /**
     * Creates counters that also report each accepted request's message count.
     *
     * @param batchSizes receives the number of messages of each accepted request.
     */
    public IngestCounters(final java.util.function.LongConsumer batchSizes)
    {
        this.batchSizes = batchSizes;
    }

    void batch(final int messages)
    {
        batchSizes.accept(messages);
    }

    /**
     * Publish requests received.
     *
     * @return the count since start.
     */
    public long requests()
    {
        return requests.get();
    }

    /**
     * Messages acknowledged with 202.
     *
     * @return the count since start.
     */
    public long accepted()
    {
        return accepted.get();
    }

    /**
     * Request body bytes received.
     *
     * @return the count since start.
     */
    public long bytes()
    {
        return bytes.get();
    }

    /**
     * Requests answered 4xx for bad input.
     *
     * @return the count since start.
     */
    public long invalid()
    {
        return invalid.get();
    }

    /**
     * Requests answered 503 because the ring was full.
     *
     * @return the count since start.
     */
    public long ringFull()
    {
        return ringFull.get();
    }

    /**
     * Requests answered 403: a topic outside the token's publish claims.
     *
     * @return the count since start.
     */
    public long forbidden()
    {
        return forbidden.get();
    }

    /**
     * Connections closed because a publish body did not arrive in time.
     *
     * @return the count since start.
     */
    public long timedOut()
    {
        return timedOut.get();
    }

    /**
     * Requests answered 429 by the publish rate limit.
     *
     * @return the count since start.
     */
    public long rateLimited()
    {
        return rateLimited.get();
    }

    /**
     * Requests answered 503 because the shared engine (Redis) could not store them.
     *
     * @return the count since start.
     */
    public long engineUnavailable()
    {
        return engineUnavailable.get();
    }

    /**
     * Requests refused by the pipeline after they were queued (topic limit, internal error).
     *
     * @return the count since start.
     */
    public long rejected()
    {
        return rejected.get();
    }
}
