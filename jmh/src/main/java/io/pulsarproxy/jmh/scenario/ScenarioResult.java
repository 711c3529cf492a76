package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one scenario against one target: throughput, latency percentiles, delivered against expected,
 * errors by kind, and any extra figures (memory, intervals).
 * <p>
 * <b>Note:</b> filled by the scenario that made it, then only read.
 */
public final class ScenarioResult
{
    final String scenario;
    final String target;
    double throughput;
    String unit = "msg/s";
    long operations;
    long durationNanos;
    String latencyOf = "request";
    Latency latency;
    long expected = -1;
    long delivered = -1;
    long errors;
    final Map<String, Long> errorDetail = new LinkedHashMap<>();
    final Map<String, Object> extra = new LinkedHashMap<>();
    String note;

    ScenarioResult(final String scenario, final String target)
    {
        this.scenario = scenario;
        this.target = target;
    }

    static ScenarioResult notApplicable(final String scenario, final String target, final String note)
    {
        final ScenarioResult r = new ScenarioResult(scenario, target);
        r.note = note;
        return r;
    }

    void throughput(final long count, final long nanos, final String perSecondUnit)
    {
        operations = count;
        durationNanos = nanos;
        throughput = nanos > 0 ? count * 1e9 / nanos : 0;
        unit = perSecondUnit;
    }

    void error(final String kind, final long count)
    {
        if (count != 0)
        {
            errorDetail.merge(kind, count, Long::sum);
            errors += count;
        }
    }

    void ws(final WsStats s)
    {
        error("lost", s.lost());
        error("duplicate-or-reordered", s.duplicateOrLate());
        error("seq-discontinuity", s.seqErrors());
        error("seq-differs-between-connections", s.seqMismatch());
        error("gap-frames", s.gapFrames());
        error("error-frames", s.errorFrames());
        error("not-subscribed", s.failedConnects());
        error("closed-by-server", s.unexpectedCloses());
    }

    /**
     * Latency percentiles in milliseconds.
     *
     * @param count how many values.
     * @param avg   mean.
     * @param p50   median.
     * @param p95   95th percentile.
     * @param p99   99th percentile.
     * @param p999  99.9th percentile.
     * @param max   largest.
     */
    public record Latency(long count, double avg, double p50, double p95, double p99, double p999, double max)
    {
        static Latency of(final Histogram h)
        {
            if (h.getTotalCount() == 0)
            {
                return null;
            }
            return new Latency(h.getTotalCount(), h.getMean() / 1e6, ms(h, 50), ms(h, 95), ms(h, 99), ms(h, 99.9),
                h.getMaxValue() / 1e6);
        }

        private static double ms(final Histogram h, final double percentile)
        {
            return h.getValueAtPercentile(percentile) / 1e6;
        }
    }
}
