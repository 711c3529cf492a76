package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The scenarios that hold many connections or run for long:
 * <ul>
 * <li>hold-10k: 10,000 subscribers connect (at most {@code --window} handshakes at once) and stay open; reports the
 * connect rate and the target's resident memory per idle connection, then broadcasts 100 messages to all of them;</li>
 * <li>sustained: one sequential publisher and 10 subscribers for {@code --duration}, reporting throughput, latency and
 * memory per {@code --interval}, so that drift or a leak shows.</li>
 * </ul>
 * The runner holds the 10,000 client sockets in one process and the target holds the other ends in another, each
 * under the 20,000 open-files cap.
 */
final class LongScenarios
{
    static final int HOLD = 10_000;
    static final int SUSTAINED_SUBSCRIBERS = 10;

    private LongScenarios()
    {
    }

    static List<ScenarioResult> hold(final ScenarioContext ctx, final Target t)
    {
        final ScenarioResult connect = new ScenarioResult("hold-10k connect", t.label());
        final ScenarioResult broadcast = new ScenarioResult("hold-10k broadcast", t.label());
        connect.latencyOf = t.gatewayFrames() ? "connect to 'subscribed' frame" : "connect to 101";
        broadcast.latencyOf = "delivery (publish call to receipt, per subscriber)";
        final String topic = ctx.topic("hold", t);
        final boolean jvm = t.kind() != Target.Kind.NCHAN;
        final long heapBefore = jvm ? JvmProbe.heapUsedAfterGc(t.pid()) : -1;
        final long rssBefore = t.rssBytes();
        try (WsClients ws = new WsClients(t, t.subscribePath(topic), HOLD, ctx.options.wsThreads(),
            ctx.options.window()))
        {
            try (Progress ignored = new Progress(t.label() + " hold-10k connect", HOLD, "subscribed", ws::subscribed))
            {
                ws.connect();
                ws.awaitSubscribed(HOLD, DeliveryScenarios.SUBSCRIBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            final long subscribed = ws.subscribed();
            connect.throughput(subscribed, ws.lastSubscribedNanos() - ws.firstStartNanos(), "conn/s");
            connect.latency = ScenarioResult.Latency.of(ws.takeConnectLatency());
            connect.expected = HOLD;
            connect.delivered = subscribed;
            connect.error("not-subscribed", HOLD - subscribed);
            t.awaitServerSubscribers(topic, subscribed, 30_000);
            WsClients.sleepMillis(1000);
            final long rssHeld = t.rssBytes();
            final long heapHeld = jvm ? JvmProbe.heapUsedAfterGc(t.pid()) : -1;
            if (heapBefore > 0 && heapHeld > 0)
            {
                connect.extra.put("heap_live_before_mb", Math.round(heapBefore / 104857.6) / 10.0);
                connect.extra.put("heap_live_held_mb", Math.round(heapHeld / 104857.6) / 10.0);
                connect.extra.put("heap_live_per_connection_kib",
                    Math.round((heapHeld - heapBefore) / (double)Math.max(1, subscribed) / 102.4) / 10.0);
                connect.extra.put("rss_after_full_gc_mb", Math.round(t.rssBytes() / 104857.6) / 10.0);
            }
            if (rssBefore > 0 && rssHeld > 0)
            {
                connect.extra.put("rss_before_mb", Math.round(rssBefore / 104857.6) / 10.0);
                connect.extra.put("rss_held_mb", Math.round(rssHeld / 104857.6) / 10.0);
                connect.extra.put("rss_per_connection_kib",
                    Math.round((rssHeld - rssBefore) / (double)Math.max(1, subscribed) / 102.4) / 10.0);
            }

            final long messages = ctx.scaled(100);
            try (Publisher p = new Publisher(t, topic, 1, ctx.options.payloadPad());
                Progress ignored = new Progress(t.label() + " hold-10k broadcast", messages * subscribed,
                    "deliveries", ws::delivered))
            {
                final long start = System.nanoTime();
                p.run(messages, ctx.deadline());
                final long published = System.nanoTime();
                ws.awaitDelivered(p.messages * subscribed, DeliveryScenarios.IDLE_MILLIS,
                    DeliveryScenarios.SCENARIO_SECONDS, TimeUnit.SECONDS);
                final long end = Math.max(ws.lastDeliveryNanos(), published);
                final long frames = ws.frames();
                // Every client leaves at once: how long until the target holds none, and what that costs it.
                final long closeStart = System.nanoTime();
                final long ticksBefore = t.pid() > 0 ? CpuMeter.processTicks(t.pid(), true) : -1;
                final WsStats stats = ws.close(p.messages);
                final long gone = t.awaitNoConnections(topic, 60_000);
                if (gone > 0)
                {
                    connect.extra.put("disconnect_ms", Math.round((gone - closeStart) / 1e5) / 10.0);
                    if (ticksBefore >= 0)
                    {
                        connect.extra.put("disconnect_cpu_s",
                            (CpuMeter.processTicks(t.pid(), true) - ticksBefore) / 100.0);
                    }
                }
                broadcast.throughput(stats.received(), end - start, "deliveries/s");
                broadcast.latency = ScenarioResult.Latency.of(ws.takeLatency());
                broadcast.expected = messages * HOLD;
                broadcast.delivered = stats.received();
                broadcast.ws(stats);
                broadcast.extra.put("messages_per_frame", frames > 0 ? Math.round(stats.received() * 10.0 / frames) / 10.0 : 0);
                broadcast.error("publish-failures", p.failures);
                broadcast.extra.put("publish_rate_msg_s", Math.round(p.messages * 1e9 / Math.max(1, published - start)));
                ScenarioContext.rss(broadcast, "rss_after_mb", t);
            }
        }
        catch (final IOException ex)
        {
            connect.note = "failed: " + ex;
        }
        return List.of(connect, broadcast);
    }

    static ScenarioResult sustained(final ScenarioContext ctx, final Target t)
    {
        final ScenarioResult r = new ScenarioResult("sustained", t.label());
        r.latencyOf = "delivery (publish call to receipt, per subscriber)";
        final String topic = ctx.topic("sustained", t);
        final long duration = TimeUnit.MILLISECONDS.toNanos(ctx.options.durationMs());
        final long interval = TimeUnit.MILLISECONDS.toNanos(ctx.options.intervalMs());
        final boolean jvm = t.kind() != Target.Kind.NCHAN;
        final long heapBefore = jvm ? JvmProbe.heapUsedAfterGc(t.pid()) : -1;
        ScenarioContext.rss(r, "rss_before_mb", t);
        try (WsClients ws = new WsClients(t, t.subscribePath(topic), SUSTAINED_SUBSCRIBERS, 1, SUSTAINED_SUBSCRIBERS);
            Publisher p = new Publisher(t, topic, 1, ctx.options.payloadPad()))
        {
            ws.connect();
            ws.awaitSubscribed(SUSTAINED_SUBSCRIBERS, 30, TimeUnit.SECONDS);
            t.awaitServerSubscribers(topic, SUSTAINED_SUBSCRIBERS, 10_000);
            ws.takeLatency();
            final long start = System.nanoTime();
            final Thread publisher = new Thread(() -> p.run(Long.MAX_VALUE, start + duration), "sustained-publisher");
            final Histogram all = new Histogram(FrameReader.MAX_LATENCY, 3);
            final List<Map<String, Object>> intervals = new ArrayList<>();
            try (Progress ignored = new Progress(t.label() + " sustained", 0, "deliveries", ws::delivered))
            {
                publisher.start();
                long mark = start;
                long lastMessages = 0;
                long lastDelivered = 0;
                final long count = Math.min(10_000, (duration + interval - 1) / interval);
                for (int k = 1; k <= count; k++)
                {
                    final long next = Math.min(start + k * interval, start + duration);
                    while (System.nanoTime() < next)
                    {
                        WsClients.sleepMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime())));
                    }
                    final long now = System.nanoTime();
                    final long messages = p.messages;
                    final long delivered = ws.delivered();
                    final Histogram h = ws.takeLatency();
                    all.add(h);
                    final Map<String, Object> row = new LinkedHashMap<>();
                    row.put("t_s", Math.round((now - start) / 1e8) / 10.0);
                    row.put("msg_s", Math.round((messages - lastMessages) * 1e9 / (now - mark)));
                    row.put("deliveries_s", Math.round((delivered - lastDelivered) * 1e9 / (now - mark)));
                    row.put("latency", ScenarioResult.Latency.of(h));
                    row.put("publish_latency", ScenarioResult.Latency.of(p.latency().getIntervalHistogram()));
                    row.put("rss_mb", t.rssBytes() > 0 ? Math.round(t.rssBytes() / 104857.6) / 10.0 : null);
                    intervals.add(row);
                    mark = now;
                    lastMessages = messages;
                    lastDelivered = delivered;
                }
                PublishScenarios.join(publisher);
                ws.awaitDelivered(p.messages * SUSTAINED_SUBSCRIBERS, DeliveryScenarios.IDLE_MILLIS, 60,
                    TimeUnit.SECONDS);
            }
            all.add(ws.takeLatency());
            final WsStats stats = ws.close(p.messages);
            r.throughput(p.messages, System.nanoTime() - start, "msg/s");
            r.throughput = p.messages * 1e9 / duration;
            r.latency = ScenarioResult.Latency.of(all);
            r.expected = p.messages * SUSTAINED_SUBSCRIBERS;
            r.delivered = stats.received();
            r.ws(stats);
            r.error("publish-failures", p.failures);
            r.extra.put("intervals", intervals);
        }
        catch (final IOException ex)
        {
            r.note = "failed: " + ex;
        }
        ScenarioContext.rss(r, "rss_after_mb", t);
        final long heapAfter = jvm ? JvmProbe.heapUsedAfterGc(t.pid()) : -1;
        if (heapBefore > 0 && heapAfter > 0)
        {
            // Live heap after a full GC, before and after: a leak shows here even when RSS only shows heap sizing.
            r.extra.put("heap_live_before_mb", Math.round(heapBefore / 104857.6) / 10.0);
            r.extra.put("heap_live_after_mb", Math.round(heapAfter / 104857.6) / 10.0);
            ScenarioContext.rss(r, "rss_after_full_gc_mb", t);
        }
        return r;
    }
}
