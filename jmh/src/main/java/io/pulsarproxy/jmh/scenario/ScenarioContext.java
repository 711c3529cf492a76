package io.pulsarproxy.jmh.scenario;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every scenario needs: the options, a run id that makes each topic name unique, and the time bounds.
 * <p>
 * <b>Note:</b> created once per run.
 */
final class ScenarioContext
{
    /** The longest any scenario may take before it gives up and reports what it has. */
    static final long SCENARIO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    final RunnerOptions options;
    final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicInteger topics = new AtomicInteger();

    ScenarioContext(final RunnerOptions options)
    {
        this.options = options;
    }

    /**
     * A fresh topic: seqs start at 1 and nobody else publishes to it.
     */
    String topic(final String scenario, final Target target)
    {
        return "bench." + scenario + "." + target.label() + "." + runId + "-" + topics.incrementAndGet();
    }

    long deadline()
    {
        return System.nanoTime() + SCENARIO_TIMEOUT_NANOS;
    }

    int scaled(final int count)
    {
        return count * options.scale();
    }

    static void rss(final ScenarioResult r, final String key, final Target target)
    {
        final long rss = target.rssBytes();
        if (rss > 0)
        {
            r.extra.put(key, Math.round(rss / 1048576.0 * 10) / 10.0);
        }
    }
}
