package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The end-to-end benchmark runner: the seed's six scenarios and the extra ones, against the gateway, against the
 * runner's own do-nothing server (its ceiling) and, with {@code --nchan}, against nginx + Nchan, in one run.
 * <p>
 * Without {@code --url} it starts {@code gateway/target/pulsar-proxy.jar} as a separate process on a free loopback
 * port, waits for {@code /readyz}, and stops it at the end. It prints a progress line per scenario, then the markdown
 * report, and writes every figure to a JSON file (and the markdown beside it).
 * <pre>
 * mvn -B -q package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.pulsarproxy.jmh.scenario.ScenarioRunner --nchan
 * </pre>
 * <b>Note:</b> every loop is bounded in count and time; only loopback addresses are used.
 */
public final class ScenarioRunner
{
    /** Foreign CPU, in percent of one core, above which a scenario is measured again. */
    static final long NOISY_OTHER_PCT = 50;
    /** CPU of the target's JIT compilers, in percent of one core, above which a scenario is measured again. */
    static final long NOISY_JIT_PCT = 25;
    /** The longest wait for started processes to go idle before a measurement that asks for it. */
    static final long SETTLE_MILLIS = 5_000;
    /** The longest wait after the warm-up for the started processes (their JIT compilers, mostly) to go idle. */
    static final long WARMUP_SETTLE_MILLIS = 60_000;

    private ScenarioRunner()
    {
    }

    /**
     * Runs the benchmarks.
     *
     * @param args see {@link RunnerOptions#USAGE}.
     */
    public static void main(final String[] args)
    {
        final RunnerOptions options;
        try
        {
            options = RunnerOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
            return;
        }
        final List<Target> targets = new ArrayList<>();
        final Thread hook = new Thread(() -> stopAll(targets), "stop-targets");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 0;
        try
        {
            exit = run(options, args, targets);
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("benchmark run failed: " + ex);
            exit = 1;
        }
        finally
        {
            stopAll(targets);
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        System.exit(exit);
    }

    private static int run(final RunnerOptions o, final String[] args, final List<Target> targets) throws IOException
    {
        Files.createDirectories(o.logs());
        final Map<String, Object> run = new LinkedHashMap<>();
        run.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        run.put("jdk", "Java " + System.getProperty("java.vm.version") + " (" + System.getProperty("java.vm.name") + ")");
        run.put("cores", Runtime.getRuntime().availableProcessors());
        run.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        run.put("command", "java -cp jmh/target/benchmarks.jar " + ScenarioRunner.class.getName() +
            (args.length == 0 ? "" : " " + String.join(" ", args)));
        run.put("scale", o.scale());
        run.put("loadavg_start", loadAverage());

        // The cluster scenario has no ceiling row: do not start (and warm up) the ceiling for it alone.
        if (o.ceiling() && (o.only().isEmpty() || o.only().stream().anyMatch(n -> !n.equals(ClusterScenario.NAME))))
        {
            targets.add(Launchers.ceiling(o.logs()));
        }
        targets.add(o.url() != null ? Launchers.external(o.url()) :
            Launchers.gateway(o.gatewayJar(), o.gatewayJvm(), o.logs()));
        if (o.nchan())
        {
            try
            {
                targets.add(Launchers.nchan(o.nchanScript()));
            }
            catch (final IOException | RuntimeException ex)
            {
                System.err.println("Nchan not started, its rows are missing: " + ex.getMessage());
                run.put("nchan_error", ex.getMessage());
            }
        }
        for (final Target t : targets)
        {
            System.err.printf("%-8s 127.0.0.1:%d pid %d%s%n", t.label(), t.port(), t.pid(),
                t.log() == null ? "" : " log " + t.log());
            run.put(t.label() + "_pid", t.pid());
        }

        final ScenarioContext ctx = new ScenarioContext(o);
        final long started = System.nanoTime();
        if (o.warmupMs() > 0)
        {
            final Map<String, Object> warmups = new LinkedHashMap<>();
            for (final Target t : targets)
            {
                warmups.put(t.label(), Warmup.run(ctx, t, o.warmupMs()));
            }
            run.put("warmup", warmups);
            // A JVM's compilers work through what the warm-up queued for many seconds of CPU after it (a gateway's
            // first minute compiles some 15 s of C2): measuring before they finish measures the compilers.
            final long settling = System.nanoTime();
            run.put("settled_after_warmup", Quiet.settle(started(targets), WARMUP_SETTLE_MILLIS));
            run.put("settle_after_warmup_s", Math.round((System.nanoTime() - settling) / 1e8) / 10.0);
        }
        final List<WsClients> idle = holdIdle(o, targets, run);
        final List<Poller> pollers = new ArrayList<>();
        if (!o.poll().isEmpty())
        {
            for (final Target t : targets)
            {
                if (t.kind() == Target.Kind.GATEWAY)
                {
                    pollers.add(new Poller(t, o.poll(), o.pollIntervalMs()));
                }
            }
            run.put("poll_interval_ms", o.pollIntervalMs());
        }
        final List<ScenarioResult> results = new ArrayList<>();
        for (final String name : RunnerOptions.SCENARIOS)
        {
            if (!o.runs(name))
            {
                continue;
            }
            if (name.equals(ClusterScenario.NAME))
            {
                // Its own processes (redis-server, two gateways), measured against the gateway started above.
                results.addAll(ClusterScenario.run(ctx, targets));
                continue;
            }
            for (final Target t : List.copyOf(targets))
            {
                results.addAll(measure(ctx, name, t, targets));
            }
        }
        for (final Poller p : pollers)
        {
            p.close();
            run.put(p.label() + "_polled", p.summary());
        }
        for (final WsClients ws : idle)
        {
            ws.close(0);
        }
        run.put("wall_s", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
        run.put("loadavg_end", loadAverage());
        for (final Target t : targets)
        {
            if (t.kind() == Target.Kind.GATEWAY && t.log() != null)
            {
                run.put("gateway_log_warnings", LogCheck.warnings(t.log(), 20));
            }
        }

        final String md = Report.markdown(results, run);
        System.out.println();
        System.out.println(md);
        Report.writeJson(o.out(), run, results);
        final Path mdFile = Path.of(o.out() + ".md");
        Files.writeString(mdFile, md);
        System.err.println("wrote " + o.out() + " and " + mdFile);
        return 0;
    }

    /**
     * Opens {@code --idle} subscribers on every target, each on a topic of its own ({@code idle-0}, {@code idle-1},
     * ...), and leaves them open: the scenarios then run beside connections and topics that carry nothing.
     */
    private static List<WsClients> holdIdle(final RunnerOptions o, final List<Target> targets,
        final Map<String, Object> run) throws IOException
    {
        final List<WsClients> held = new ArrayList<>();
        if (o.idle() == 0)
        {
            return held;
        }
        for (final Target t : targets)
        {
            final WsClients ws = new WsClients(t, t.subscribePath("idle-" + WsClients.CONNECTION_INDEX), o.idle(),
                o.wsThreads(), o.window());
            held.add(ws);
            ws.connect();
            ws.awaitSubscribed(o.idle(), DeliveryScenarios.SUBSCRIBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            System.err.printf("%-8s holds %d idle subscribers%n", t.label(), ws.subscribed());
            run.put(t.label() + "_idle_subscribers", ws.subscribed());
        }
        return held;
    }

    /**
     * Runs a scenario against a target after waiting for the machine to be quiet; when other processes still took
     * more than half a core during it, runs it again (at most {@code --retries} times) and keeps the attempt that
     * other processes disturbed least. The choice depends only on that foreign CPU, never on the figures.
     */
    private static List<ScenarioResult> measure(
        final ScenarioContext ctx, final String name, final Target t, final List<Target> targets)
    {
        // Every started process gets its turn to finish the previous measurement's work (a JIT compile, a GC) first.
        return measure(ctx, name, targets, List.of(t), false, started(targets), () -> scenario(ctx, name, t));
    }

    /**
     * The same for any measurement: {@code measured} are the processes whose CPU is the rows' target CPU; with
     * {@code parts}, every started process' CPU is reported on its own too; before each attempt, the processes in
     * {@code settle} are given up to 5 s to finish the previous measurement's work ({@link Quiet#settle}).
     */
    static List<ScenarioResult> measure(
        final ScenarioContext ctx, final String name, final List<Target> targets, final List<Target> measured,
        final boolean parts, final List<Target> settle, final Supplier<List<ScenarioResult>> scenario)
    {
        List<ScenarioResult> best = null;
        long bestDisturbance = Long.MAX_VALUE;
        int attempts = 0;
        for (int attempt = 0; attempt <= ctx.options.retries(); attempt++)
        {
            attempts++;
            Quiet.await(snapshot(targets), ctx.options.quietMs());
            final boolean settled = settle.isEmpty() || Quiet.settle(settle, SETTLE_MILLIS);
            final CpuMeter cpu = new CpuMeter(snapshot(targets), measured, parts);
            final List<ScenarioResult> rs = scenario.get();
            for (final ScenarioResult r : rs)
            {
                cpu.report(r);
                if (!settled)
                {
                    r.extra.put("started_processes_busy_before", true);
                }
            }
            // Work that is not the scenario's: other processes, and the target's JIT compilers still warming up (a
            // gateway recompiling in the middle of `single` once took 43% of a core and lost a third of its rate).
            final long other = ((Number)rs.get(0).extra.getOrDefault("cpu_other_pct", 0L)).longValue();
            final long jit = ((Number)rs.get(0).extra.getOrDefault("cpu_target_jit_pct", 0L)).longValue();
            if (best == null || other + jit < bestDisturbance)
            {
                best = rs;
                bestDisturbance = other + jit;
            }
            if (other <= NOISY_OTHER_PCT && jit <= NOISY_JIT_PCT)
            {
                break;
            }
            System.err.println("  (other processes took " + other + "% and the target's JIT compilers " + jit +
                "% of a core during " + name + "; again)");
        }
        for (final ScenarioResult r : best)
        {
            r.extra.put("attempts", attempts);
        }
        return best;
    }

    private static List<ScenarioResult> scenario(final ScenarioContext ctx, final String name, final Target t)
    {
        final List<ScenarioResult> out = switch (name)
        {
            case "single" -> List.of(PublishScenarios.single(ctx, t));
            case "bulk" -> List.of(PublishScenarios.bulk(ctx, t));
            case "concurrent" -> List.of(PublishScenarios.concurrent(ctx, t));
            case "ws-subscribe" -> List.of(DeliveryScenarios.subscribe(ctx, t));
            case "e2e" -> List.of(DeliveryScenarios.e2e(ctx, t));
            case "broadcast" -> List.of(DeliveryScenarios.broadcast(ctx, t));
            case "e2e-paced" -> List.of(DeliveryScenarios.e2ePaced(ctx, t));
            case "large-batches" -> List.of(PublishScenarios.largeBatches(ctx, t));
            case "fanout-1k" -> List.of(DeliveryScenarios.fanout1k(ctx, t));
            case "hold-10k" -> LongScenarios.hold(ctx, t);
            case "sustained" -> List.of(LongScenarios.sustained(ctx, t));
            default -> throw new IllegalArgumentException(name);
        };
        // Let the target settle (closing sockets, GC) before the next measurement.
        WsClients.sleepMillis(TimeUnit.MILLISECONDS.toMillis(300));
        return out;
    }

    /** The targets this run started (and so knows the process of): their CPU can be watched. */
    private static List<Target> started(final List<Target> targets)
    {
        return targets.stream().filter(t -> t.pid() > 0).toList();
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    /**
     * Adds a process the runner started to the ones the shutdown hook stops.
     *
     * @param targets the run's list.
     * @param t       the process.
     */
    static synchronized void adopt(final List<Target> targets, final Target t)
    {
        targets.add(t);
    }

    /**
     * Takes processes off the run's list again (the caller stops them).
     *
     * @param targets the run's list.
     * @param gone    the processes.
     */
    static synchronized void release(final List<Target> targets, final List<Target> gone)
    {
        targets.removeAll(gone);
    }

    private static synchronized List<Target> snapshot(final List<Target> targets)
    {
        return List.copyOf(targets);
    }

    private static synchronized void stopAll(final List<Target> targets)
    {
        for (int i = targets.size() - 1; i >= 0; i--)
        {
            targets.get(i).close();
        }
        targets.clear();
    }
}
