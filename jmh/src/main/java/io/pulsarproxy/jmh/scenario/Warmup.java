package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Runs each target's hot paths for a while before anything is measured, so that neither the target's JIT nor the
 * runner's own is measured: single publishes, batches (where there is a batch API), delivery to 5 subscribers, for
 * {@code --warmup} in all, 2,000 handshakes, then one pass of each of the seed's six scenarios, whose results are dropped.
 */
final class Warmup
{
    private Warmup()
    {
    }

    static void run(final ScenarioContext ctx, final Target t, final long millis)
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
        }
        finally
        {
            Progress.prefix = "";
        }
    }
}
