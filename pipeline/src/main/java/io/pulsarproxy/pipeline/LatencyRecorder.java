package io.pulsarproxy.pipeline;

/**
 * Receives, for every message delivered, the time from its receipt by ingest to its hand-off to the subscribers'
 * outbound buffers; the gateway feeds it into a histogram.
 * <p>
 * <b>Note:</b> called on the deliver thread once per message: it must not block or allocate.
 */
@FunctionalInterface
public interface LatencyRecorder
{
    /** Records nothing. */
    LatencyRecorder NONE = micros ->
    {
    };

    /**
     * Records one latency.
     *
     * @param micros microseconds from receipt to hand-off.
     */
    void recordMicros(long micros);
}
