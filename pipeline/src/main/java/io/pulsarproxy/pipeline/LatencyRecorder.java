package io.pulsarproxy.pipeline;

/**
 * Receives latencies measured on the hot path: for deliver, each message's time from its receipt by ingest to its
 * hand-off to the subscribers' outbound buffers; for the IO threads, each write's oldest message. The gateway feeds
 * them into histograms.
 * <p>
 * The caller reads the clock and passes the reading, so that one reading can serve a group of messages
 * ({@link #recordAll}); a clock read costs more here than the rest of a record (see {@code DeliverHandler}).
 * <p>
 * <b>Note:</b> called on the stage and IO threads once per message or write: it must not block or allocate.
 */
@FunctionalInterface
public interface LatencyRecorder
{
    /** Records nothing. */
    LatencyRecorder NONE = (nowMicros, receivedMicros) ->
    {
    };

    /**
     * Records one latency, {@code nowMicros - receivedMicros}.
     *
     * @param nowMicros      the clock reading at hand-off ({@link EpochClock#micros()}).
     * @param receivedMicros when the message was received.
     */
    void record(long nowMicros, long receivedMicros);

    /**
     * Records {@code count} latencies measured at one clock reading.
     *
     * @param nowMicros      the clock reading at hand-off of the last of them.
     * @param receivedMicros when each message was received; only the first {@code count} entries count.
     * @param count          how many.
     */
    default void recordAll(final long nowMicros, final long[] receivedMicros, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            record(nowMicros, receivedMicros[i]);
        }
    }
}
