package io.pulsarproxy.pipeline;

import java.time.Instant;

/**
 * Microseconds since the epoch, read without allocation: a wall-clock sample taken once, advanced by the monotonic
 * clock. Within one process the values never go backwards; against NTP they may drift by the clock's skew, which is
 * what a message timestamp can afford.
 */
public final class EpochClock
{
    private static final long BASE_NANOS = System.nanoTime();
    private static final long BASE_MICROS;

    static
    {
        final Instant now = Instant.now();
        BASE_MICROS = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private EpochClock()
    {
    }

    /**
     * The current time.
     *
     * @return microseconds since 1970-01-01T00:00:00Z.
     */
    public static long micros()
    {
        return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1_000;
    }
}
