package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * The ingest scenarios: publishers on keep-alive connections, each sending one request after the other and waiting
 * for its reply; latency is the round trip of a request (POST to 202).
 * <ul>
 * <li>single: 1,000 single POSTs on one connection;</li>
 * <li>bulk: 100 batches of 50 through {@code /v1/publish};</li>
 * <li>concurrent: 20 clients posting 1,000 messages in total;</li>
 * <li>large-batches: 4 publishers, batches of 1,000, 50 batches each.</li>
 * </ul>
 * Counts are multiplied by {@code --scale}.
 */
final class PublishScenarios
{
    private PublishScenarios()
    {
    }

    static ScenarioResult single(final ScenarioContext ctx, final Target t)
    {
        return run(ctx, t, "single", 1, 1, ctx.scaled(1000), false);
    }

    static ScenarioResult bulk(final ScenarioContext ctx, final Target t)
    {
        if (!t.hasBatchApi())
        {
            return ScenarioResult.notApplicable("bulk", t.label(), "n/a (no batch API)");
        }
        return run(ctx, t, "bulk", 1, 50, ctx.scaled(100), false);
    }

    static ScenarioResult concurrent(final ScenarioContext ctx, final Target t)
    {
        return run(ctx, t, "concurrent", 20, 1, ctx.scaled(1000), false);
    }

    static ScenarioResult largeBatches(final ScenarioContext ctx, final Target t)
    {
        if (!t.hasBatchApi())
        {
            return ScenarioResult.notApplicable("large-batches", t.label(), "n/a (no batch API)");
        }
        return run(ctx, t, "large-batches", 4, 1000, ctx.scaled(200), true);
    }

    /**
     * Runs {@code clients} publishers at once, {@code requests} requests in all, {@code batch} messages each.
     */
    static ScenarioResult run(
        final ScenarioContext ctx, final Target t, final String name, final int clients, final int batch,
        final long requests, final boolean topicPerClient)
    {
        final ScenarioResult r = new ScenarioResult(name, t.label());
        r.latencyOf = batch == 1 ? "request (POST to 202)" : "request of " + batch + " messages (POST to 202)";
        ScenarioContext.rss(r, "rss_before_mb", t);
        final Publisher[] publishers = new Publisher[clients];
        final String shared = ctx.topic(name, t);
        try
        {
            for (int i = 0; i < clients; i++)
            {
                publishers[i] = new Publisher(t, topicPerClient ? ctx.topic(name, t) : shared, batch,
                    ctx.options.payloadPad());
            }
        }
        catch (final IOException ex)
        {
            close(publishers);
            r.note = "could not connect: " + ex.getMessage();
            r.error("connect", 1);
            return r;
        }
        final CountDownLatch go = new CountDownLatch(1);
        final Thread[] threads = new Thread[clients];
        final long deadline = ctx.deadline();
        for (int i = 0; i < clients; i++)
        {
            final Publisher p = publishers[i];
            final long share = requests / clients + (i < requests % clients ? 1 : 0);
            threads[i] = new Thread(() ->
            {
                try
                {
                    go.await();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                p.run(share, deadline);
            }, "publisher-" + i);
            threads[i].start();
        }
        final long expected = requests * batch;
        final long start;
        final long end;
        try (Progress ignored = new Progress(t.label() + " " + name, expected, "msgs", () -> sent(publishers)))
        {
            start = System.nanoTime();
            go.countDown();
            join(threads);
            end = System.nanoTime();
        }
        final Histogram latency = new Histogram(FrameReader.MAX_LATENCY, 3);
        long failures = 0;
        for (final Publisher p : publishers)
        {
            latency.add(p.latency().getIntervalHistogram());
            failures += p.failures;
        }
        final long sent = sent(publishers);
        close(publishers);
        r.throughput(sent, end - start, "msg/s");
        r.latency = ScenarioResult.Latency.of(latency);
        r.expected = expected;
        r.delivered = sent;
        r.error("non-2xx-or-io", failures);
        r.error("not-sent", expected - sent);
        r.extra.put("requests_per_s", Math.round(sent / batch * 1e9 / Math.max(1, end - start)));
        ScenarioContext.rss(r, "rss_after_mb", t);
        return r;
    }

    private static long sent(final Publisher[] publishers)
    {
        long n = 0;
        for (final Publisher p : publishers)
        {
            n += p == null ? 0 : p.messages;
        }
        return n;
    }

    static void join(final Thread... threads)
    {
        for (final Thread thread : threads)
        {
            try
            {
                thread.join(ScenarioContext.SCENARIO_TIMEOUT_NANOS / 1_000_000 + 10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void close(final Publisher[] publishers)
    {
        for (final Publisher p : publishers)
        {
            if (p != null)
            {
                p.close();
            }
        }
    }
}
