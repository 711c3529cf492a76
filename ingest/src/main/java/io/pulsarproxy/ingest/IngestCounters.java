package io.pulsarproxy.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the publish endpoints, for metrics.
 */
public final class IngestCounters
{
    final AtomicLong requests = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong ringFull = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();

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
     * Requests refused by the pipeline after they were queued (topic limit, internal error).
     *
     * @return the count since start.
     */
    public long rejected()
    {
        return rejected.get();
    }
}
