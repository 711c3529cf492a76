package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket scenarios: subscribers on one topic, one sequential publisher, latency from the publish call to the
 * receipt of each message by each subscriber.
 * <ul>
 * <li>ws-subscribe: 50 clients connect and subscribe at once, in 20 rounds (each closes before the next starts);
 * conn/s is connections over the summed time of the rounds; latency is connect start to {@code subscribed};</li>
 * <li>e2e: 20 subscribers, 1,000 messages; throughput in messages per second;</li>
 * <li>broadcast: 30 subscribers, 50 messages; throughput in deliveries per second;</li>
 * <li>fanout-1k: 1,000 subscribers, 1,000 messages; deliveries per second;</li>
 * <li>e2e-paced: 20 subscribers, 5 s of messages at a fixed rate ({@code --rate}); latency at that load.</li>
 * </ul>
 */
final class DeliveryScenarios
{
    static final long SUBSCRIBE_TIMEOUT_SECONDS = 120;
    /** The seed's ws-subscribe: 50 clients connecting and subscribing at once. */
    static final int SUBSCRIBE_CONNECTIONS = 50;
    /**
     * Rounds of the seed's 50 connections: one round lasts 5-30 ms, so a single one measures whatever else the two
     * cores did in those milliseconds (a JIT compile, a GC); 20 rounds give a figure that repeats.
     */
    static final int SUBSCRIBE_ROUNDS = 20;
    static final long IDLE_MILLIS = 5_000;

    private DeliveryScenarios()
    {
    }

    static ScenarioResult subscribe(final ScenarioContext ctx, final Target t)
    {
        final ScenarioResult r = new ScenarioResult("ws-subscribe", t.label());
        r.latencyOf = t.gatewayFrames() ? "connect to 'subscribed' frame" : "connect to 101 (no subscribed frame)";
        final int n = SUBSCRIBE_CONNECTIONS;
        final int rounds = SUBSCRIBE_ROUNDS;
        final Histogram latency = new Histogram(FrameReader.MAX_LATENCY, 3);
        final double[] perRound = new double[rounds];
        final AtomicLong done = new AtomicLong();
        long subscribed = 0;
        long nanos = 0;
        try (Progress ignored = new Progress(t.label() + " ws-subscribe", (long)n * rounds, "subscribed", done::get))
        {
            for (int round = 0; round < rounds; round++)
            {
                // A fresh topic each round, so every round subscribes the way the first did.
                try (WsClients ws = new WsClients(t, t.subscribePath(ctx.topic("ws-subscribe", t)), n,
                    ctx.options.wsThreads(), n))
                {
                    ws.connect();
                    ws.awaitSubscribed(n, SUBSCRIBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    final long roundNanos = ws.lastSubscribedNanos() - ws.firstStartNanos();
                    subscribed += ws.subscribed();
                    nanos += Math.max(0, roundNanos);
                    perRound[round] = roundNanos > 0 ? ws.subscribed() * 1e9 / roundNanos : 0;
                    latency.add(ws.takeConnectLatency());
                    done.addAndGet(ws.subscribed());
                    r.ws(ws.close(0));
                }
            }
        }
        catch (final IOException ex)
        {
            r.note = "failed: " + ex;
        }
        r.throughput(subscribed, nanos, "conn/s");
        r.latency = ScenarioResult.Latency.of(latency);
        r.expected = (long)n * rounds;
        r.delivered = subscribed;
        r.extra.put("rounds", rounds);
        r.extra.put("connections_per_round", n);
        r.extra.put("first_round_conn_s", Math.round(perRound[0]));
        final double[] sorted = perRound.clone();
        Arrays.sort(sorted);
        r.extra.put("round_conn_s_min", Math.round(sorted[0]));
        r.extra.put("round_conn_s_median", Math.round(sorted[rounds / 2]));
        r.extra.put("round_conn_s_max", Math.round(sorted[rounds - 1]));
        return r;
    }

    static ScenarioResult e2e(final ScenarioContext ctx, final Target t)
    {
        return fanout(ctx, t, "e2e", 20, ctx.scaled(1000), "msg/s");
    }

    static ScenarioResult broadcast(final ScenarioContext ctx, final Target t)
    {
        return fanout(ctx, t, "broadcast", 30, ctx.scaled(50), "deliveries/s");
    }

    static ScenarioResult fanout1k(final ScenarioContext ctx, final Target t)
    {
        return fanout(ctx, t, "fanout-1k", 1000, ctx.scaled(1000), "deliveries/s");
    }

    /**
     * The e2e shape at a fixed publish rate ({@code --rate}, below what every target sustains): delivery latency at
     * a load all targets carry, where the back-to-back scenarios measure each at its own saturation.
     */
    static ScenarioResult e2ePaced(final ScenarioContext ctx, final Target t)
    {
        final int rate = ctx.options.rate();
        return fanout(ctx, t, t, t.label(), "e2e-paced", 20, ctx.scaled(rate * 5), 1, "msg/s",
            1_000_000_000L / rate);
    }

    /**
     * Subscribes {@code subscribers} clients to a fresh topic, publishes {@code messages} single messages one after
     * the other, and waits until every subscriber has every message (or nothing arrives for 5 s).
     */
    static ScenarioResult fanout(
        final ScenarioContext ctx, final Target t, final String name, final int subscribers, final long messages,
        final String unit)
    {
        return fanout(ctx, t, t, t.label(), name, subscribers, messages, 1, unit, 0);
    }

    /**
     * Subscribes {@code subscribers} clients to a fresh topic on {@code sub}, publishes {@code requests} requests of
     * {@code batch} messages one after the other to {@code pub} (the batch API when {@code batch > 1}), and waits
     * until every subscriber has every message (or nothing arrives for 5 s). With {@code pub == sub} this is the
     * single-target measurement; the cluster scenario passes two gateways that share a redis-server.
     *
     * @param label         the result's target name.
     * @param unit          {@code msg/s} for messages published per second, else deliveries per second.
     * @param intervalNanos time between request starts for a fixed rate; 0 for one after the other.
     */
    static ScenarioResult fanout(
        final ScenarioContext ctx, final Target pub, final Target sub, final String label, final String name,
        final int subscribers, final long requests, final int batch, final String unit, final long intervalNanos)
    {
        final ScenarioResult r = new ScenarioResult(name, label);
        r.latencyOf = "delivery (publish call to receipt, per subscriber)";
        final boolean one = pub == sub;
        if (one)
        {
            ScenarioContext.rss(r, "rss_before_mb", sub);
        }
        final String topic = ctx.topic(name, pub);
        final long messages = requests * batch;
        try (WsClients ws = new WsClients(sub, sub.subscribePath(topic), subscribers, ctx.options.wsThreads(),
            ctx.options.window()))
        {
            ws.connect();
            if (!ws.awaitSubscribed(subscribers, SUBSCRIBE_TIMEOUT_SECONDS, TimeUnit.SECONDS) ||
                !sub.awaitServerSubscribers(topic, subscribers, 10_000))
            {
                r.note = "only " + ws.subscribed() + " of " + subscribers + " subscribed";
            }
            final long subscribed = ws.subscribed();
            ws.takeConnectLatency();
            try (Publisher p = new Publisher(pub, topic, batch, ctx.options.payloadPad());
                Progress ignored = new Progress(label + " " + name, messages * subscribed, "deliveries",
                    ws::delivered))
            {
                final long start = System.nanoTime();
                p.run(requests, ctx.deadline(), intervalNanos);
                final long published = System.nanoTime();
                ws.awaitDelivered(p.messages * subscribed, IDLE_MILLIS, SCENARIO_SECONDS, TimeUnit.SECONDS);
                final long end = Math.max(ws.lastDeliveryNanos(), published);
                final long frames = ws.frames();
                final WsStats stats = ws.close(p.messages);
                r.throughput("msg/s".equals(unit) ? p.messages : stats.received(), end - start, unit);
                r.latency = ScenarioResult.Latency.of(ws.takeLatency());
                r.expected = messages * subscribers;
                r.delivered = stats.received();
                r.ws(stats);
                r.extra.put("messages_per_frame", frames > 0 ? Math.round(stats.received() * 10.0 / frames) / 10.0 : 0);
                r.error("publish-failures", p.failures);
                r.error("not-published", messages - p.messages);
                r.extra.put("subscribers", subscribed);
                r.extra.put("deliveries_per_s", Math.round(stats.received() * 1e9 / Math.max(1, end - start)));
                r.extra.put("publish_rate_msg_s", Math.round(p.messages * 1e9 / Math.max(1, published - start)));
                r.extra.put("publish_latency", ScenarioResult.Latency.of(p.latency().getIntervalHistogram()));
                if (batch > 1)
                {
                    r.extra.put("batch", batch);
                }
                if (intervalNanos > 0)
                {
                    r.extra.put("paced_rate_msg_s", Math.round(1e9 / intervalNanos));
                    r.extra.put("paced_late_requests", p.late);
                }
                if (!one)
                {
                    r.extra.put("published_to", pub.label());
                    r.extra.put("subscribed_at", sub.label());
                }
            }
        }
        catch (final IOException ex)
        {
            r.note = "failed: " + ex;
        }
        if (one)
        {
            ScenarioContext.rss(r, "rss_after_mb", sub);
        }
        return r;
    }

    static final long SCENARIO_SECONDS = ScenarioContext.SCENARIO_TIMEOUT_NANOS / 1_000_000_000L;
}
