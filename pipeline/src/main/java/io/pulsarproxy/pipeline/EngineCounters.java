package io.pulsarproxy.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a shared engine and the route stage count about the store, for metrics.
 * <p>
 * The engine's threads update the atomics; route updates the plain fields, which only it writes.
 */
public final class EngineCounters
{
    /** Round trips that stored a batch. */
    public final AtomicLong storeRoundTrips = new AtomicLong();
    /** Messages stored. */
    public final AtomicLong storedMessages = new AtomicLong();
    /** Messages that could not be stored (their requests were answered 503). */
    public final AtomicLong storeFailures = new AtomicLong();
    /** Times the engine's connection came back after it was lost. */
    public final AtomicLong reconnects = new AtomicLong();
    /** Messages fetched from the store (refills and replays). */
    public final AtomicLong fetchedMessages = new AtomicLong();
    /** Remote messages received on the live feed. */
    public final AtomicLong liveMessages = new AtomicLong();

    private volatile RoundTripRecorder roundTrips = (nanos, messages) ->
    {
    };

    volatile long refills;
    volatile long lostRanges;
    volatile long lostMessages;

    /**
     * Sets what receives each store round trip's time and size (the gateway's histograms).
     *
     * @param recorder the recorder.
     */
    public void roundTripRecorder(final RoundTripRecorder recorder)
    {
        this.roundTrips = recorder;
    }

    /**
     * Records one store round trip; called by the engine.
     *
     * @param nanos    from sending the batch to its last answer.
     * @param messages messages in the batch.
     */
    public void recordRoundTrip(final long nanos, final int messages)
    {
        roundTrips.record(nanos, messages);
    }

    /**
     * Receives store round trips.
     */
    @FunctionalInterface
    public interface RoundTripRecorder
    {
        /**
         * Records one round trip.
         *
         * @param nanos    its duration.
         * @param messages messages it stored.
         */
        void record(long nanos, int messages);
    }

    /**
     * Missed ranges route asked the engine to fetch from the store.
     *
     * @return the count since start.
     */
    public long refills()
    {
        return refills;
    }

    /**
     * Ranges the store no longer held when a node or a resuming subscriber needed them: each became a gap.
     *
     * @return the count since start.
     */
    public long lostRanges()
    {
        return lostRanges;
    }

    /**
     * Messages in those ranges.
     *
     * @return the count since start.
     */
    public long lostMessages()
    {
        return lostMessages;
    }
}
