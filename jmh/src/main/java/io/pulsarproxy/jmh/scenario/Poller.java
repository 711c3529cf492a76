package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Polls a gateway's operator endpoints ({@code --poll}, e.g. {@code /metrics,/v1/stats,/v1/topics}) at a fixed
 * interval while the scenarios run, the way a Prometheus scraper or the web console would, so a report shows what
 * being watched costs the traffic.
 * <p>
 * One thread, one keep-alive connection; each round sends every path once, then sleeps until the next round is due.
 * <b>Note:</b> bounded by {@link #close()}; a failed connection is opened again at the next round.
 */
final class Poller implements AutoCloseable
{
    private final Target target;
    private final List<String> paths;
    private final long intervalNanos;
    private final Thread thread;
    private final long[] ok;
    private final long[] failed;
    private final long[] totalNanos;
    private final long[] maxNanos;
    private volatile boolean stopping;

    /**
     * Starts polling.
     *
     * @param target         the gateway.
     * @param paths          paths to GET each round.
     * @param intervalMillis time from the start of one round to the start of the next.
     */
    Poller(final Target target, final List<String> paths, final long intervalMillis)
    {
        this.target = target;
        this.paths = List.copyOf(paths);
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.ok = new long[paths.size()];
        this.failed = new long[paths.size()];
        this.totalNanos = new long[paths.size()];
        this.maxNanos = new long[paths.size()];
        this.thread = new Thread(this::run, "poller-" + target.label());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run()
    {
        final List<byte[]> requests = new ArrayList<>();
        for (final String path : paths)
        {
            requests.add(RawHttp.request("GET", path, target.hostHeader(), null, null));
        }
        RawHttp http = null;
        long next = System.nanoTime();
        while (!stopping)
        {
            for (int i = 0; i < requests.size() && !stopping; i++)
            {
                final long start = System.nanoTime();
                try
                {
                    if (http == null)
                    {
                        http = new RawHttp(target.host(), target.port());
                    }
                    final int status = http.exchange(requests.get(i));
                    final long took = System.nanoTime() - start;
                    synchronized (this)
                    {
                        if (status == 200)
                        {
                            ok[i]++;
                        }
                        else
                        {
                            failed[i]++;
                        }
                        totalNanos[i] += took;
                        maxNanos[i] = Math.max(maxNanos[i], took);
                    }
                }
                catch (final IOException ex)
                {
                    synchronized (this)
                    {
                        failed[i]++;
                    }
                    http = close(http);
                }
            }
            next += intervalNanos;
            final long wait = next - System.nanoTime();
            if (wait > 0)
            {
                WsClients.sleepMillis(TimeUnit.NANOSECONDS.toMillis(wait));
            }
            else
            {
                next = System.nanoTime(); // a slow round: start the next one now, do not try to catch up
            }
        }
        close(http);
    }

    private static RawHttp close(final RawHttp http)
    {
        if (http != null)
        {
            http.close();
        }
        return null;
    }

    /**
     * The polled target's label.
     *
     * @return the label.
     */
    String label()
    {
        return target.label();
    }

    /**
     * What was polled: per path, answers with 200, other answers and failures, and the mean and longest time to
     * the whole answer.
     *
     * @return the summary, for the JSON report.
     */
    synchronized Map<String, Object> summary()
    {
        final Map<String, Object> all = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++)
        {
            final Map<String, Object> one = new LinkedHashMap<>();
            one.put("ok", ok[i]);
            one.put("not_ok", failed[i]);
            final long answered = ok[i] + failed[i];
            one.put("avg_ms", answered == 0 ? 0 : Math.round(totalNanos[i] / (double)answered / 1e3) / 1e3);
            one.put("max_ms", Math.round(maxNanos[i] / 1e3) / 1e3);
            all.put(paths.get(i), one);
        }
        return all;
    }

    @Override
    public void close()
    {
        stopping = true;
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
