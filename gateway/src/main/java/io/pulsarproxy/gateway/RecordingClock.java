package io.pulsarproxy.gateway;

import io.micrometer.core.instrument.Clock;

/**
 * The clock of the hot meters: wall time is the last reading a recorder passed in, so recording reads no clock.
 * <p>
 * Micrometer uses wall time only to rotate the windows of a meter's max and histogram (minutes long); every record
 * brings a fresh reading from the hot path, and every scrape or stats read sets it first, so a window is never
 * judged by a reading older than the record itself. Monotonic time, which timers use to time a block of code, is
 * read as usual.
 * <p>
 * <b>Note:</b> advanced from the stage and IO threads at once; a racing older reading may win for a moment, which
 * at millisecond resolution changes nothing.
 */
final class RecordingClock implements Clock
{
    private volatile long wallMillis = System.currentTimeMillis();

    /**
     * Sets the wall time from a clock reading.
     *
     * @param epochMicros microseconds since the epoch.
     */
    void advance(final long epochMicros)
    {
        wallMillis = epochMicros / 1_000;
    }

    @Override
    public long wallTime()
    {
        return wallMillis;
    }

    @Override
    public long monotonicTime()
    {
        return System.nanoTime();
    }
}
