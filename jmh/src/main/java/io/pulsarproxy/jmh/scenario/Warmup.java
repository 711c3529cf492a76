package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs each target's hot paths before anything is measured, so that neither the target's JIT nor the runner's own is
 * measured: single publishes, batches (where there is a batch API), delivery to 5 subscribers, for {@code --warmup}
 * in all; then passes of 2,000 handshakes, the seed's six scenarios and (with a batch API) large batches, whose
 * results are dropped, until a pass in which the target's JIT compilers took less than 10% of a core (one pass for a
 * target that is not a JVM; at most 90 s of passes).
 */
final class Warmup
{
    /** The JIT share of a core below which a pass counts as warm. */
    static final double SETTLED_JIT_SHARE = 0.10;
    /** The longest the passes go on for one target. */
    static final long MAX_PASSES_NANOS = TimeUnit.SECONDS.toNanos(90);

    private Warmup()
    {
    }

    /**
     * Warms a target up.
     *
     * @return passes run, the JIT compilers' share of a core in the last one, and whether that was below 10%.
     */
    static Map<String, Object> run(final ScenarioContext ctx, final Target t, final long millis)
    {
        final long slice = TimeUnit.MILLISECONDS.toNanos(millis / 3);
        try (Progress ignored = new Progress(t.label() + " warm-up", 0, "", () -> 0))
        {
            try (Publisher p = new Publisher(t, ctx.topic("warmup", t), 1, ctx.options.payloadPad()))
            {
                p.run(Long.MAX_VALUE, System.nanoTime() + slice);
            }
            if (t.hasBatchApi())
            {
                try (Publisher p = new Publisher(t, ctx.topic("warmup", t), 50, ctx.options.payloadPad()))
                {
                    p.run(Long.MAX_VALUE, System.nanoTime() + slice);
                }
            }
            final String topic = ctx.topic("warmup", t);
            try (WsClients ws = new WsClients(t, t.subscribePath(topic), 5, ctx.options.wsThreads(), 5);
                Publisher p = new Publisher(t, topic, 1, ctx.options.payloadPad()))
            {
                ws.connect();
                ws.awaitSubscribed(5, 10, TimeUnit.SECONDS);
                t.awaitServerSubscribers(topic, 5, 5_000);
                p.run(Long.MAX_VALUE, System.nanoTime() + slice);
                ws.awaitDelivered(p.messages * 5, 1000, 10, TimeUnit.SECONDS);
            }
        }
        catch (final IOException ex)
        {
            System.err.println("warm-up of " + t.label() + " failed: " + ex);
        }
        // Then passes of handshakes and the seed's scenarios until the target's JIT compilers settle: a JVM compiles
        // a path with C2 only after some thousands of runs (a handshake runs once per connection), and a compile of
        // an inlined handler chain takes up to a second of a core, which on two shared cores would be measured.
        final long deadline = System.nanoTime() + MAX_PASSES_NANOS;
        int passes = 0;
        double jitShare;
        do
        {
            final long jit = CpuMeter.compilerTicks(t.pid());
            final long start = System.nanoTime();
            pass(ctx, t);
            passes++;
            jitShare = (CpuMeter.compilerTicks(t.pid()) - jit) / ((System.nanoTime() - start) / 1e7);
        }
        while (t.pid() > 0 && jitShare > SETTLED_JIT_SHARE && System.nanoTime() < deadline);
        final Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("passes", passes);
        summary.put("jit_pct_of_a_core_last_pass", Math.round(jitShare * 100));
        summary.put("settled", t.pid() <= 0 || jitShare <= SETTLED_JIT_SHARE);
        return summary;
    }

    private static void pass(final ScenarioContext ctx, final Target t)
    {
        // Handshakes too: a JIT-compiled server answers an upgrade many times faster than an interpreted one.
        for (int round = 0; round < 2; round++)
        {
            try (WsClients ws = new WsClients(t, t.subscribePath(ctx.topic("warmup", t)), 1000,
                ctx.options.wsThreads(), ctx.options.window()))
            {
                ws.connect();
                ws.awaitSubscribed(1000, 30, TimeUnit.SECONDS);
            }
            catch (final IOException ex)
            {
                System.err.println("warm-up of " + t.label() + " failed: " + ex);
            }
        }
        Progress.prefix = "warm-up ";
        try
        {
            PublishScenarios.single(ctx, t);
            PublishScenarios.bulk(ctx, t);
            PublishScenarios.concurrent(ctx, t);
            DeliveryScenarios.subscribe(ctx, t);
            DeliveryScenarios.e2e(ctx, t);
            DeliveryScenarios.broadcast(ctx, t);
            if (t.hasBatchApi())
            {
                // Batches of 1,000 from 4 publishers take paths of their own: claims of 1,000 slots from two IO threads.
                PublishScenarios.largeBatches(ctx, t);
            }
        }
        finally
        {
            Progress.prefix = "";
        }
    }
}
