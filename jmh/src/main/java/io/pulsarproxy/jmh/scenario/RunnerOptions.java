package io.pulsarproxy.jmh.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The runner's command line, parsed once.
 *
 * @param url          a running gateway to measure, or null to start the gateway jar.
 * @param scale        multiplier of every message count.
 * @param only         scenarios to run, in the runner's order; empty for all.
 * @param durationMs   length of the sustained scenario.
 * @param intervalMs   reporting interval of the sustained scenario.
 * @param warmupMs     warm-up per target before the scenarios.
 * @param out          the JSON file; the markdown report goes beside it.
 * @param nchan        whether to run Nchan side by side.
 * @param ceiling      whether to measure the runner's ceiling.
 * @param gatewayJar   the gateway jar to start.
 * @param gatewayJvm   JVM options for the gateway process.
 * @param nchanScript  the script that starts and stops nginx + Nchan.
 * @param wsThreads    selector threads of the WebSocket clients.
 * @param window       WebSocket handshakes in progress at once.
 * @param payloadPad   filler bytes in each payload.
 * @param logs         where the started processes write their logs.
 * @param quietMs      the longest wait, before each scenario, for other processes to leave the cores alone.
 * @param retries      how many times a scenario disturbed by other processes is measured again.
 * @param redisUri     a running redis-server (loopback) for the cluster scenario, or null to start one.
 * @param redisServer  the redis-server executable the cluster scenario starts, or null to look on the PATH.
 * @param clusterAof   whether the started redis-server appends to a file (fsync every second) instead of keeping
 *                     nothing on disk.
 * @param rate         messages per second of the e2e-paced publisher.
 * @param idle         idle subscribers, each on a topic of its own, every target holds while the scenarios run.
 * @param poll         gateway paths GET-polled while the scenarios run (a scraper, a dashboard); empty for none.
 * @param pollIntervalMs time between two rounds of {@code poll}.
 */
public record RunnerOptions(
    String url,
    int scale,
    List<String> only,
    long durationMs,
    long intervalMs,
    long warmupMs,
    Path out,
    boolean nchan,
    boolean ceiling,
    Path gatewayJar,
    List<String> gatewayJvm,
    Path nchanScript,
    int wsThreads,
    int window,
    int payloadPad,
    Path logs,
    long quietMs,
    int retries,
    String redisUri,
    Path redisServer,
    boolean clusterAof,
    int rate,
    int idle,
    List<String> poll,
    long pollIntervalMs)
{
    /** Every scenario, in the order they run. */
    public static final List<String> SCENARIOS = List.of("single", "bulk", "concurrent", "ws-subscribe", "e2e",
        "broadcast", "e2e-paced", "large-batches", "fanout-1k", "hold-10k", "sustained", "cluster");

    /** The usage text. */
    public static final String USAGE = String.join("\n",
        "usage: java -cp jmh/target/benchmarks.jar io.pulsarproxy.jmh.scenario.ScenarioRunner [options]",
        "  --url URL            measure a running gateway (loopback only) instead of starting gateway/target/pulsar-proxy.jar",
        "  --scale K            multiply every message count by K (default 1)",
        "  --only a,b           run only these scenarios: " + String.join(",", SCENARIOS),
        "  --duration 20s       length of the sustained scenario (ms, s or m)",
        "  --interval 5s        reporting interval of the sustained scenario",
        "  --warmup 4s          warm-up per target before measuring (0 to skip)",
        "  --out FILE           JSON results (default jmh/target/bench-results.json; FILE.md gets the markdown)",
        "  --nchan              also run nginx + Nchan side by side (jmh/nchan/nchan.sh)",
        "  --no-ceiling         skip the runner-ceiling measurement",
        "  --gateway-jar PATH   default gateway/target/pulsar-proxy.jar",
        "  --gateway-jvm 'ARGS' JVM options for the started gateway (default none)",
        "  --nchan-script PATH  default jmh/nchan/nchan.sh",
        "  --ws-threads N       WebSocket client selector threads (default 1)",
        "  --window N           WebSocket handshakes in flight at once (default 256)",
        "  --payload N          filler bytes per payload (default 64; payload about N+44 bytes)",
        "  --logs DIR           logs of the started processes (default jmh/target/bench-logs)",
        "  --quiet 2s           before each scenario, wait up to this long for other processes to go idle",
        "  --retries 1          measure a scenario again when other processes took > 50% of a core during it,",
        "                       or the target's JIT compilers > 25%",
        "  --redis-uri URI      cluster: use this running redis-server (loopback) instead of starting one",
        "  --redis-server PATH  cluster: the redis-server to start (default: redis-server on the PATH)",
        "  --rate N             e2e-paced: messages per second of its publisher (default 2000)",
        "  --cluster-aof        cluster: start redis-server with --appendonly yes --appendfsync everysec",
        "                       (default --save \"\" --appendonly no: nothing on disk)",
        "  --idle N             every target holds N idle subscribers, each on its own topic, from after the warm-up",
        "                       to the end (raise the gateway's proxy.max.connections for hold-10k)",
        "  --poll /a,/b         GET these gateway paths every --poll-interval while the scenarios run, as a",
        "                       scraper or the web console would (e.g. /metrics,/v1/stats,/v1/topics)",
        "  --poll-interval 1s   time between two rounds of --poll (default 1s)");

    /**
     * Parses the command line.
     *
     * @param args the arguments.
     * @return the options.
     * @throws IllegalArgumentException on a bad or unknown option.
     */
    public static RunnerOptions parse(final String[] args)
    {
        String url = null;
        int scale = 1;
        List<String> only = List.of();
        long duration = 20_000;
        long interval = 5_000;
        long warmup = 4_000;
        Path out = Path.of("jmh/target/bench-results.json");
        boolean nchan = false;
        boolean ceiling = true;
        Path jar = Path.of("gateway/target/pulsar-proxy.jar");
        List<String> jvm = List.of();
        Path script = Path.of("jmh/nchan/nchan.sh");
        int wsThreads = 1;
        int window = 256;
        int pad = 64;
        Path logs = Path.of("jmh/target/bench-logs");
        long quiet = 2_000;
        int retries = 1;
        String redisUri = null;
        Path redisServer = null;
        boolean aof = false;
        int rate = 2000;
        int idle = 0;
        List<String> poll = List.of();
        long pollInterval = 1_000;
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            switch (a)
            {
                case "--url" -> url = value(args, ++i, a);
                case "--scale" -> scale = Integer.parseInt(value(args, ++i, a));
                case "--only" -> only = new ArrayList<>(Arrays.asList(value(args, ++i, a).split(",")));
                case "--duration" -> duration = millis(value(args, ++i, a));
                case "--interval" -> interval = millis(value(args, ++i, a));
                case "--warmup" -> warmup = millis(value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--nchan" -> nchan = true;
                case "--no-ceiling" -> ceiling = false;
                case "--gateway-jar" -> jar = Path.of(value(args, ++i, a));
                case "--gateway-jvm" -> jvm = Arrays.asList(value(args, ++i, a).trim().split("\\s+"));
                case "--nchan-script" -> script = Path.of(value(args, ++i, a));
                case "--ws-threads" -> wsThreads = Integer.parseInt(value(args, ++i, a));
                case "--window" -> window = Integer.parseInt(value(args, ++i, a));
                case "--payload" -> pad = Integer.parseInt(value(args, ++i, a));
                case "--logs" -> logs = Path.of(value(args, ++i, a));
                case "--quiet" -> quiet = millis(value(args, ++i, a));
                case "--retries" -> retries = Integer.parseInt(value(args, ++i, a));
                case "--redis-uri" -> redisUri = value(args, ++i, a);
                case "--redis-server" -> redisServer = Path.of(value(args, ++i, a));
                case "--cluster-aof" -> aof = true;
                case "--rate" -> rate = Integer.parseInt(value(args, ++i, a));
                case "--idle" -> idle = Integer.parseInt(value(args, ++i, a));
                case "--poll" -> poll = List.of(value(args, ++i, a).split(","));
                case "--poll-interval" -> pollInterval = millis(value(args, ++i, a));
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        for (final String name : only)
        {
            if (!SCENARIOS.contains(name))
            {
                throw new IllegalArgumentException("unknown scenario " + name + "; known: " + SCENARIOS);
            }
        }
        if (scale < 1 || wsThreads < 1 || window < 1 || pad < 0 || duration < 1000 || interval < 500 || rate < 1 ||
            rate > 1_000_000 || idle < 0 || idle > 15_000 || pollInterval < 10)
        {
            throw new IllegalArgumentException("scale, ws-threads, window >= 1; duration >= 1s; interval >= 0.5s; " +
                "rate 1 to 1,000,000; idle 0 to 15,000 (the open-files cap); poll-interval >= 10ms");
        }
        for (final String path : poll)
        {
            if (!path.startsWith("/"))
            {
                throw new IllegalArgumentException("--poll takes paths such as /metrics, not " + path);
            }
        }
        return new RunnerOptions(url, scale, List.copyOf(only), duration, interval, warmup, out, nchan, ceiling, jar,
            jvm.isEmpty() || jvm.get(0).isEmpty() ? List.of() : List.copyOf(jvm), script, wsThreads, window, pad, logs,
            quiet, Math.max(0, Math.min(5, retries)), redisUri, redisServer, aof, rate, idle, poll, pollInterval);
    }

    /**
     * Tells whether a scenario is selected.
     *
     * @param name the scenario.
     * @return true if it runs.
     */
    public boolean runs(final String name)
    {
        return only.isEmpty() || only.contains(name);
    }

    private static String value(final String[] args, final int i, final String option)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static long millis(final String text)
    {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms"))
        {
            return Long.parseLong(t.substring(0, t.length() - 2));
        }
        if (t.endsWith("m"))
        {
            return Long.parseLong(t.substring(0, t.length() - 1)) * 60_000;
        }
        if (t.endsWith("s"))
        {
            return (long)(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
        }
        return (long)(Double.parseDouble(t) * 1000);
    }
}
