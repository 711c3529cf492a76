package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster scenario: two gateways sharing one redis-server on this machine (see {@link Cluster}), publishing on
 * node 1 and subscribing on node 2. It is the e2e measurement and a batch one ({@link DeliveryScenarios#fanout})
 * pointed at node 1 for publishing and at node 2 for subscribing, each measured three ways in turn so that the
 * cost of redis and of the hop between nodes can be told apart:
 * <ul>
 * <li>{@code 1 node, in-memory}: the run's own gateway (the in-memory engine), publish and subscribe on it;</li>
 * <li>{@code 1 node, redis}: publish and subscribe on node 1;</li>
 * <li>{@code 2 nodes, redis}: publish on node 1, subscribe on node 2.</li>
 * </ul>
 * Shapes: {@code cluster-e2e}, 20 subscribers and 1,000 single publishes one after the other (the e2e scenario);
 * {@code cluster-batches}, 20 subscribers and 100 batches of 50 from one publisher (the bulk scenario's requests, with
 * subscribers). Counts are multiplied by {@code --scale}. Then {@code cluster-redis-ping}: bare PING round trips to
 * the redis-server, the floor of any request that waits for redis.
 * <p>
 * Loss, duplicates, reordering, seq discontinuities and different seqs on different connections are errors, as in
 * the other delivery scenarios. Before measuring, one message published on node 1 must reach a subscriber on node 2,
 * and redis must have seen commands from the gateways; otherwise the jar does not run the redis engine and the
 * scenario says so instead of measuring.
 */
final class ClusterScenario
{
    static final String NAME = "cluster";
    static final String IN_MEMORY = "1 node, in-memory";
    static final String REDIS_ONE = "1 node, redis";
    static final String REDIS_TWO = "2 nodes, redis";
    static final int SUBSCRIBERS = 20;
    static final int BATCH = 50;
    private static final long PROBE_MILLIS = 5_000;
    private static final int WARMUP_ROUNDS = 6;
    private static final int WARMUP_SCALE = 5;

    private record Shape(String name, long requests, int batch)
    {
    }

    private record Route(String label, Target pub, Target sub, List<Target> cpu, boolean redis)
    {
    }

    private ClusterScenario()
    {
    }

    /**
     * Starts the cluster, measures, stops the cluster.
     *
     * @param ctx     the run's context.
     * @param targets the run's started processes; the cluster's are added while it runs (so that the shutdown hook
     *                stops them and their CPU is not counted as foreign), then removed.
     * @return the rows, or one row that says why there are none.
     */
    static List<ScenarioResult> run(final ScenarioContext ctx, final List<Target> targets)
    {
        final RunnerOptions o = ctx.options;
        final Target single = targets.stream().filter(t -> t.kind() == Target.Kind.GATEWAY).findFirst()
            .orElse(null);
        final Path server;
        if (o.redisUri() == null)
        {
            server = Cluster.findRedisServer(o.redisServer());
            if (server == null)
            {
                final String why = "skipped: redis-server not found" +
                    (o.redisServer() != null ? " at " + o.redisServer() : " (apt-get install redis-server, or --redis-uri)");
                System.err.println("cluster " + why);
                return List.of(ScenarioResult.notApplicable(NAME, REDIS_TWO, why));
            }
        }
        else
        {
            server = null;
        }
        final List<ScenarioResult> out = new ArrayList<>();
        Cluster cluster = null;
        try
        {
            cluster = Cluster.start(o, server, ctx.runId, t -> ScenarioRunner.adopt(targets, t));
            for (final Target t : cluster.targets())
            {
                System.err.printf("%-8s %s:%d pid %d%s%n", t.label(), t.host(), t.port(), t.pid(),
                    t.log() == null ? "" : " log " + t.log());
            }
            System.err.println("cluster: redis " + cluster.setup.get("redis_version") + ", " +
                cluster.setup.get("redis_persistence") + "; durability settings change these figures");
            measureAll(ctx, targets, cluster, single, out);
        }
        catch (final IOException | RuntimeException ex)
        {
            final ScenarioResult r = ScenarioResult.notApplicable(NAME, REDIS_TWO, "failed: " + ex.getMessage());
            r.error("cluster-not-started", 1);
            out.add(r);
        }
        finally
        {
            if (cluster != null)
            {
                ScenarioRunner.release(targets, cluster.targets());
                cluster.close();
                addLogs(cluster, out.isEmpty() ? null : out.get(0));
            }
        }
        return out;
    }

    private static void measureAll(
        final ScenarioContext ctx, final List<Target> targets, final Cluster cluster, final Target single,
        final List<ScenarioResult> out)
    {
        final List<Route> routes = new ArrayList<>();
        if (single != null)
        {
            routes.add(new Route(IN_MEMORY, single, single, List.of(single), false));
        }
        routes.add(new Route(REDIS_ONE, cluster.node1, cluster.node1, List.of(cluster.redis, cluster.node1), true));
        routes.add(new Route(REDIS_TWO, cluster.node1, cluster.node2,
            List.of(cluster.redis, cluster.node1, cluster.node2), true));
        final List<Shape> shapes = List.of(
            new Shape("cluster-e2e", ctx.scaled(1000), 1),
            new Shape("cluster-batches", ctx.scaled(100), BATCH));

        final String probe = probe(ctx, cluster);
        if (probe != null && probe.startsWith("redis saw no command"))
        {
            System.err.println("cluster: " + probe);
            final ScenarioResult r = ScenarioResult.notApplicable(NAME, REDIS_TWO, "failed: " + probe);
            r.error("engine-not-redis", 1);
            r.extra.put("cluster_setup", cluster.setup);
            out.add(r);
            return;
        }
        final List<Target> all = new ArrayList<>(cluster.targets());
        if (single != null)
        {
            all.add(single);
        }
        if (ctx.options.warmupMs() > 0)
        {
            Warmup.run(ctx, cluster.node1, ctx.options.warmupMs());
            Warmup.run(ctx, cluster.node2, ctx.options.warmupMs());
            // At least the counts of --scale 5 per pass: shorter passes leave the compilers busy for many rounds.
            final List<Shape> warm = new ArrayList<>();
            for (final Shape s : shapes)
            {
                warm.add(new Shape(s.name, Math.max(s.requests, s.requests / ctx.options.scale() * WARMUP_SCALE),
                    s.batch));
            }
            warmUp(ctx, cluster, warm, routes, all);
        }
        for (final Shape s : shapes)
        {
            final Map<String, ScenarioResult> byRoute = new LinkedHashMap<>();
            for (final Route r : routes)
            {
                final List<ScenarioResult> rs = ScenarioRunner.measure(ctx, s.name + " " + r.label, targets, r.cpu,
                    true, all, () -> List.of(once(ctx, cluster, s, r)));
                byRoute.put(r.label, rs.get(0));
                out.addAll(rs);
            }
            compare(byRoute);
        }
        if (probe != null)
        {
            final ScenarioResult r = first(out, REDIS_TWO);
            if (r != null)
            {
                r.error("probe-not-delivered", 1);
                r.extra.put("probe", probe);
            }
        }
        out.addAll(ScenarioRunner.measure(ctx, "cluster-redis-ping", targets, List.of(cluster.redis), true, all,
            () -> List.of(ping(ctx, cluster))));
        out.get(0).extra.put("cluster_setup", cluster.setup);
    }

    /**
     * Unrecorded passes of every measurement until the JVMs' JIT compilers are nearly done (they used less than 5% of
     * the round's time), at most {@link #WARMUP_ROUNDS} rounds: the redis engine's paths are not the ones the
     * usual warm-up exercises, and compiling them during a measurement of a second costs a good part of a core.
     */
    private static void warmUp(
        final ScenarioContext ctx, final Cluster cluster, final List<Shape> shapes, final List<Route> routes,
        final List<Target> all)
    {
        Progress.prefix = "warm-up ";
        try
        {
            for (int round = 1; round <= WARMUP_ROUNDS; round++)
            {
                final long start = System.nanoTime();
                final long jit = compilerTicks(all);
                for (final Shape s : shapes)
                {
                    for (final Route r : routes)
                    {
                        Quiet.settle(all, ScenarioRunner.SETTLE_MILLIS);
                        once(ctx, cluster, s, r);
                    }
                }
                final long jitMillis = (compilerTicks(all) - jit) * 10;
                final long wallMillis = (System.nanoTime() - start) / 1_000_000;
                System.err.println("cluster warm-up round " + round + ": JIT compilers used " + jitMillis +
                    " ms of CPU in " + wallMillis + " ms");
                if (jitMillis < wallMillis / 20)
                {
                    break;
                }
            }
        }
        finally
        {
            Progress.prefix = "";
        }
    }

    private static long compilerTicks(final List<Target> targets)
    {
        long sum = 0;
        for (final Target t : targets)
        {
            sum += CpuMeter.compilerTicks(t.pid());
        }
        return sum;
    }

    private static ScenarioResult first(final List<ScenarioResult> out, final String route)
    {
        return out.stream().filter(r -> r.target.equals(route)).findFirst().orElse(null);
    }

    /** One measurement of a shape on a route, with redis' command counts around it. */
    private static ScenarioResult once(
        final ScenarioContext ctx, final Cluster cluster, final Shape s, final Route route)
    {
        final Map<String, long[]> before = route.redis ? cluster.commandStats() : null;
        final ScenarioResult r = DeliveryScenarios.fanout(ctx, route.pub, route.sub, route.label, s.name,
            SUBSCRIBERS, s.requests, s.batch, "msg/s", 0);
        if (before != null)
        {
            final Map<String, long[]> after = cluster.commandStats();
            if (after != null)
            {
                redisCalls(r, before, after, Math.max(1, r.operations));
            }
        }
        return r;
    }

    /**
     * Redis commands during a measurement, from {@code INFO commandstats}: calls by command (the runner's own INFO and
     * PING left out), their sum per published message, and per command the server's microseconds. Commands run inside
     * a script count both on their own and in the script's time, so the microseconds are not summed.
     */
    private static void redisCalls(
        final ScenarioResult r, final Map<String, long[]> before, final Map<String, long[]> after, final long messages)
    {
        final Map<String, Long> calls = new TreeMap<>();
        final Map<String, Long> usec = new TreeMap<>();
        long total = 0;
        for (final Map.Entry<String, long[]> e : after.entrySet())
        {
            final String cmd = e.getKey();
            if (cmd.equals("info") || cmd.equals("ping"))
            {
                continue; // the runner's own
            }
            final long[] b = before.getOrDefault(cmd, new long[2]);
            final long n = e.getValue()[0] - b[0];
            if (n > 0)
            {
                calls.put(cmd, n);
                usec.put(cmd, e.getValue()[1] - b[1]);
                total += n;
            }
        }
        r.extra.put("redis_calls", calls);
        r.extra.put("redis_usec", usec);
        r.extra.put("redis_calls_per_msg", Math.round(total * 100.0 / messages) / 100.0);
    }

    /** The in-memory row is the reference of the others of the same shape. */
    private static void compare(final Map<String, ScenarioResult> byRoute)
    {
        final ScenarioResult base = byRoute.get(IN_MEMORY);
        if (base == null || base.throughput <= 0)
        {
            return;
        }
        for (final ScenarioResult r : byRoute.values())
        {
            if (r == base)
            {
                continue;
            }
            if (r.errors > 0 || base.errors > 0)
            {
                // A rate with messages missing is not comparable.
                r.extra.put("vs_in_memory", "not compared: errors");
                continue;
            }
            r.extra.put("vs_in_memory_throughput", Math.round(r.throughput / base.throughput * 1000) / 1000.0);
            if (r.latency != null && base.latency != null)
            {
                r.extra.put("vs_in_memory_p50_ms", Math.round((r.latency.p50() - base.latency.p50()) * 1000) / 1000.0);
                r.extra.put("vs_in_memory_p99_ms", Math.round((r.latency.p99() - base.latency.p99()) * 1000) / 1000.0);
            }
        }
    }

    /**
     * One subscriber on node 2, one message published on node 1: returns null when it arrived and redis saw the
     * gateways' commands, else what went wrong.
     */
    private static String probe(final ScenarioContext ctx, final Cluster cluster)
    {
        final Map<String, long[]> before = cluster.commandStats();
        final String topic = ctx.topic("cluster-probe", cluster.node1);
        String problem = null;
        try (WsClients ws = new WsClients(cluster.node2, cluster.node2.subscribePath(topic), 1, 1, 1);
            Publisher p = new Publisher(cluster.node1, topic, 1, ctx.options.payloadPad()))
        {
            ws.connect();
            if (!ws.awaitSubscribed(1, 10, TimeUnit.SECONDS))
            {
                problem = "a subscriber of node 2 was not subscribed within 10 s";
            }
            else
            {
                p.run(1, ctx.deadline());
                if (p.messages != 1)
                {
                    problem = "node 1 did not accept the probe message (see its log)";
                }
                else if (!ws.awaitDelivered(1, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS))
                {
                    problem = "a message published on node 1 did not reach a subscriber of node 2 within " +
                        PROBE_MILLIS + " ms";
                }
                final WsStats stats = ws.close(p.messages);
                if (problem == null && stats.errors() > 0)
                {
                    problem = "the probe message arrived with errors: " + stats;
                }
            }
        }
        catch (final IOException ex)
        {
            problem = "probe failed: " + ex;
        }
        final Map<String, long[]> after = cluster.commandStats();
        if (before != null && after != null)
        {
            long calls = 0;
            for (final Map.Entry<String, long[]> e : after.entrySet())
            {
                if (!e.getKey().equals("info") && !e.getKey().equals("ping"))
                {
                    calls += e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0];
                }
            }
            if (calls == 0)
            {
                return "redis saw no command from the gateways while a message was published on node 1 (" +
                    (problem == null ? "yet it reached node 2" : problem) + "): the gateway jar does not run " +
                    "the redis engine (-Dproxy.engine=redis); see " + cluster.node1.log();
            }
        }
        return problem;
    }

    /** Bare PING round trips on one connection, one after the other: the floor of anything that waits for redis. */
    private static ScenarioResult ping(final ScenarioContext ctx, final Cluster cluster)
    {
        final ScenarioResult r = new ScenarioResult("cluster-redis-ping", "redis-server");
        r.latencyOf = "PING round trip (runner to redis-server)";
        final long n = ctx.scaled(10_000);
        final Histogram h = new Histogram(FrameReader.MAX_LATENCY, 3);
        long done = 0;
        final long start = System.nanoTime();
        final long deadline = ctx.deadline();
        try (RedisClient c = new RedisClient(cluster.redis.host(), cluster.redis.port()))
        {
            while (done < n && System.nanoTime() < deadline)
            {
                final long t0 = System.nanoTime();
                if (!c.ping())
                {
                    r.error("not-pong", 1);
                    break;
                }
                h.recordValue(Math.min(FrameReader.MAX_LATENCY, System.nanoTime() - t0));
                done++;
            }
        }
        catch (final IOException ex)
        {
            r.note = "failed: " + ex.getMessage();
            r.error("io", 1);
        }
        r.throughput(done, System.nanoTime() - start, "cmd/s");
        r.latency = ScenarioResult.Latency.of(h);
        r.expected = n;
        r.delivered = done;
        r.error("not-done", n - done);
        WsClients.sleepMillis(300);
        return r;
    }

    private static void addLogs(final Cluster cluster, final ScenarioResult r)
    {
        if (r == null)
        {
            return;
        }
        final Map<String, Object> logs = new LinkedHashMap<>();
        for (final Target t : cluster.targets())
        {
            if (t.log() != null)
            {
                logs.put(t.label(), LogCheck.warnings(t.log(), 20));
            }
        }
        r.extra.put("cluster_log_warnings", logs);
    }
}
