package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the results into the markdown report (the seed's table form, one table per target, then the comparison with
 * Nchan, memory and the sustained intervals) and into a JSON file of every figure.
 */
final class Report
{
    private static final Map<String, String> TITLES = Map.ofEntries(
        Map.entry("large-batches", "Large batches (1,000/batch, 4 publishers)"),
        Map.entry("fanout-1k", "Fan-out (1,000 subscribers)"),
        Map.entry("e2e-paced", "E2E at a fixed rate (20 clients)"),
        Map.entry("hold-10k connect", "Hold 10,000 subscribers: connect"),
        Map.entry("hold-10k broadcast", "Hold 10,000 subscribers: broadcast"),
        Map.entry("sustained", "Sustained (1 publisher, 10 subscribers)"),
        Map.entry("cluster", "Cluster"),
        Map.entry("cluster-e2e", "Cluster E2E (20 subscribers, single publishes)"),
        Map.entry("cluster-batches", "Cluster batches (50/batch, 20 subscribers)"),
        Map.entry("cluster-redis-ping", "redis PING round trip"));

    private Report()
    {
    }

    /** The idle subscribers held and the endpoints polled while the scenarios ran, if any. */
    private static String watched(final Map<String, Object> run)
    {
        final StringBuilder md = new StringBuilder();
        for (final Map.Entry<String, Object> e : run.entrySet())
        {
            if (e.getKey().endsWith("_idle_subscribers"))
            {
                md.append(md.length() == 0 ? "" : "; ").append(e.getKey().replace("_idle_subscribers", ""))
                    .append(" held ").append(e.getValue()).append(" idle subscribers, each on its own topic");
            }
        }
        for (final Map.Entry<String, Object> e : run.entrySet())
        {
            if (e.getKey().endsWith("_polled") && e.getValue() instanceof Map<?, ?> paths)
            {
                md.append(md.length() == 0 ? "" : "; ").append(e.getKey().replace("_polled", ""))
                    .append(" was polled every ").append(run.get("poll_interval_ms")).append(" ms:");
                for (final Map.Entry<?, ?> p : paths.entrySet())
                {
                    final Map<?, ?> v = (Map<?, ?>)p.getValue();
                    md.append(" `").append(p.getKey()).append("` ").append(v.get("ok")).append(" x 200, ")
                        .append(v.get("not_ok")).append(" other, avg ").append(v.get("avg_ms")).append(" ms, max ")
                        .append(v.get("max_ms")).append(" ms;");
                }
                md.setLength(md.length() - 1);
            }
        }
        return md.length() == 0 ? "" : md.append(".\n\n").toString();
    }

    static String markdown(final List<ScenarioResult> results, final Map<String, Object> run)
    {
        final StringBuilder md = new StringBuilder(8192);
        md.append("Run: ").append(run.get("date")).append(", ").append(run.get("jdk")).append(", ")
            .append(run.get("cores")).append(" cores shared by load generator and servers, command `")
            .append(run.get("command")).append("`, load average at start ").append(run.get("loadavg_start"))
            .append(", at end ").append(run.get("loadavg_end"))
            .append(run.containsKey("settle_after_warmup_s") ? ", after the warm-up the started processes took " +
                run.get("settle_after_warmup_s") + " s to go quiet" +
                (Boolean.TRUE.equals(run.get("settled_after_warmup")) ? "" : " (they did not, in 60 s)") : "")
            .append(warmups(run)).append("\n\n");
        md.append(watched(run));
        for (final String target : List.of("gateway", "ceiling", "nchan"))
        {
            final List<ScenarioResult> rows = results.stream().filter(r -> r.target.equals(target)).toList();
            if (rows.isEmpty())
            {
                continue;
            }
            md.append("### ").append(switch (target)
            {
                case "gateway" -> "Pulsar Proxy";
                case "ceiling" -> "Runner ceiling (same clients, do-nothing server)";
                default -> "Nchan (nginx + libnginx-mod-nchan)";
            }).append("\n\n");
            md.append("| Benchmark | Throughput | Avg | p50 | p95 | p99 | p99.9 | max | errors | vs seed ratio | " +
                "share of ceiling |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final ScenarioResult r : rows)
            {
                md.append(row(r, ceiling(results, r.scenario))).append('\n');
            }
            md.append('\n');
        }
        comparison(md, results);
        subscribeRounds(md, results);
        cluster(md, results);
        cpu(md, results);
        memory(md, results);
        sustained(md, results);
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private static String warmups(final Map<String, Object> run)
    {
        if (!(run.get("warmup") instanceof Map<?, ?> all))
        {
            return "";
        }
        final StringBuilder sb = new StringBuilder("; warm-up passes until the JIT compilers took < 10% of a core:");
        for (final Map.Entry<?, ?> e : all.entrySet())
        {
            final Map<String, Object> w = (Map<String, Object>)e.getValue();
            sb.append(' ').append(e.getKey()).append(' ').append(w.get("passes"))
                .append(Boolean.TRUE.equals(w.get("settled")) ? "" :
                    " (not settled: " + w.get("jit_pct_of_a_core_last_pass") + "% in the last)");
        }
        return sb.toString();
    }

    private static String row(final ScenarioResult r, final ScenarioResult ceiling)
    {
        final String title = title(r.scenario);
        if (r.note != null && r.latency == null && r.operations == 0)
        {
            return "| " + title + " | " + r.note + " | | | | | | | | | |";
        }
        final ScenarioResult.Latency l = r.latency;
        final Seed.Row seed = Seed.ROWS.get(r.scenario);
        return "| " + title + " | " + String.format(Locale.ROOT, "%,.0f %s", r.throughput, r.unit) +
            " | " + ms(l == null ? -1 : l.avg()) + " | " + ms(l == null ? -1 : l.p50()) +
            " | " + ms(l == null ? -1 : l.p95()) + " | " + ms(l == null ? -1 : l.p99()) +
            " | " + ms(l == null ? -1 : l.p999()) + " | " + ms(l == null ? -1 : l.max()) +
            " | " + errors(r) +
            " | " + (seed == null ? "-" : String.format(Locale.ROOT, "%,.1fx", r.throughput / seed.throughput())) +
            " | " + (ceiling == null || ceiling.throughput <= 0 ? "-" :
            String.format(Locale.ROOT, "%.0f%%", 100 * r.throughput / ceiling.throughput)) + " |";
    }

    private static String title(final String scenario)
    {
        final Seed.Row seed = Seed.ROWS.get(scenario);
        return seed != null ? seed.title() : TITLES.getOrDefault(scenario, scenario);
    }

    private static String errors(final ScenarioResult r)
    {
        if (r.errors == 0)
        {
            return r.expected >= 0 ? "0 (" + r.delivered + "/" + r.expected + ")" : "0";
        }
        return r.errors + " " + r.errorDetail;
    }

    private static ScenarioResult ceiling(final List<ScenarioResult> results, final String scenario)
    {
        return find(results, scenario, "ceiling");
    }

    private static ScenarioResult find(final List<ScenarioResult> results, final String scenario, final String target)
    {
        return results.stream().filter(r -> r.scenario.equals(scenario) && r.target.equals(target)).findFirst()
            .orElse(null);
    }

    private static void comparison(final StringBuilder md, final List<ScenarioResult> results)
    {
        if (results.stream().noneMatch(r -> r.target.equals("nchan")))
        {
            return;
        }
        md.append("### Pulsar Proxy vs Nchan (same run, same clients)\n\n| Benchmark | Pulsar Proxy | Nchan | " +
            "throughput ratio | Pulsar Proxy p99 | Nchan p99 |\n|---|---:|---:|---:|---:|---:|\n");
        for (final ScenarioResult g : results)
        {
            final ScenarioResult n = find(results, g.scenario, "nchan");
            if (!g.target.equals("gateway") || n == null)
            {
                continue;
            }
            if (n.operations == 0 && n.note != null)
            {
                md.append("| ").append(title(g.scenario)).append(" | ").append(rate(g)).append(" | ").append(n.note)
                    .append(" | | ").append(ms(g.latency == null ? -1 : g.latency.p99())).append(" | |\n");
                continue;
            }
            md.append("| ").append(title(g.scenario)).append(" | ").append(rate(g)).append(" | ").append(rate(n))
                .append(" | ").append(n.throughput > 0 ? String.format(Locale.ROOT, "%.2fx", g.throughput / n.throughput) : "-")
                .append(" | ").append(ms(g.latency == null ? -1 : g.latency.p99()))
                .append(" | ").append(ms(n.latency == null ? -1 : n.latency.p99())).append(" |\n");
        }
        md.append('\n');
    }

    private static void subscribeRounds(final StringBuilder md, final List<ScenarioResult> results)
    {
        final List<ScenarioResult> rows = results.stream()
            .filter(r -> r.scenario.equals("ws-subscribe") && r.extra.containsKey("rounds")).toList();
        if (rows.isEmpty())
        {
            return;
        }
        md.append("### WebSocket Subscribe (50), round by round\n\n")
            .append("| Target | rounds | first round | slowest round | median round | fastest round |\n")
            .append("|---|---:|---:|---:|---:|---:|\n");
        for (final ScenarioResult r : rows)
        {
            md.append("| ").append(r.target).append(" | ").append(r.extra.get("rounds"))
                .append(String.format(Locale.ROOT, " | %,d | %,d | %,d | %,d |\n",
                    (Long)r.extra.get("first_round_conn_s"), (Long)r.extra.get("round_conn_s_min"),
                    (Long)r.extra.get("round_conn_s_median"), (Long)r.extra.get("round_conn_s_max")));
        }
        md.append('\n');
    }

    private static boolean isCluster(final ScenarioResult r)
    {
        return r.scenario.equals(ClusterScenario.NAME) || r.scenario.startsWith(ClusterScenario.NAME + "-");
    }

    @SuppressWarnings("unchecked")
    private static void cluster(final StringBuilder md, final List<ScenarioResult> results)
    {
        final List<ScenarioResult> rows = results.stream().filter(Report::isCluster).toList();
        if (rows.isEmpty())
        {
            return;
        }
        md.append("### Cluster: 2 gateways sharing one redis-server (publish on node 1, subscribe on node 2)\n\n");
        final Map<String, Object> setup = rows.stream().filter(r -> r.extra.containsKey("cluster_setup"))
            .map(r -> (Map<String, Object>)r.extra.get("cluster_setup")).findFirst().orElse(null);
        if (setup != null)
        {
            md.append("redis-server ").append(setup.get("redis_version")).append(" at ").append(setup.get("redis_uri"))
                .append(Boolean.TRUE.equals(setup.get("redis_started_by_runner")) ? ", started by the runner" : "")
                .append("; persistence: `").append(setup.get("redis_persistence"))
                .append("`. Durability settings change these figures (`--cluster-aof` runs redis with an " +
                    "append-only file, fsync every second). Nodes: `").append(setup.get("node_properties"))
                .append("`. The runner, redis-server, both nodes and the in-memory gateway share the same cores. ")
                .append(ClusterScenario.SUBSCRIBERS).append(" subscribers per measurement; `")
                .append(ClusterScenario.IN_MEMORY).append("` is the same measurement against the run's in-memory " +
                    "gateway, `").append(ClusterScenario.REDIS_ONE).append("` publishes and subscribes on node 1, `")
                .append(ClusterScenario.REDIS_TWO).append("` publishes on node 1 and subscribes on node 2. " +
                    "Latency is publish call to receipt, per message per subscriber; publish p99 is the POST to " +
                    "202 round trip.\n\n");
        }
        md.append("| Benchmark | Route | msg/s | deliveries/s | Avg | p50 | p95 | p99 | p99.9 | max | errors | " +
            "publish p99 | vs in-memory: throughput, p50 | redis calls/msg |\n" +
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final ScenarioResult r : rows)
        {
            if (r.note != null && r.latency == null && r.operations == 0)
            {
                md.append("| ").append(title(r.scenario)).append(" | ").append(r.target).append(" | ")
                    .append(r.note).append(" | | | | | | | | ").append(r.errors == 0 ? "" : errors(r))
                    .append(" | | | |\n");
                continue;
            }
            final ScenarioResult.Latency l = r.latency;
            final ScenarioResult.Latency pl = (ScenarioResult.Latency)r.extra.get("publish_latency");
            final Object deliveries = r.extra.get("deliveries_per_s");
            md.append("| ").append(title(r.scenario)).append(" | ").append(r.target).append(" | ")
                .append(String.format(Locale.ROOT, "%,.0f%s", r.throughput, r.unit.equals("msg/s") ? "" : " " + r.unit))
                .append(" | ").append(deliveries == null ? "-" : String.format(Locale.ROOT, "%,d", (Long)deliveries))
                .append(" | ").append(ms(l == null ? -1 : l.avg())).append(" | ").append(ms(l == null ? -1 : l.p50()))
                .append(" | ").append(ms(l == null ? -1 : l.p95())).append(" | ").append(ms(l == null ? -1 : l.p99()))
                .append(" | ").append(ms(l == null ? -1 : l.p999())).append(" | ").append(ms(l == null ? -1 : l.max()))
                .append(" | ").append(errors(r))
                .append(" | ").append(ms(pl == null ? -1 : pl.p99()))
                .append(" | ").append(vsInMemory(r))
                .append(" | ").append(r.extra.containsKey("redis_calls_per_msg") ?
                    r.extra.get("redis_calls_per_msg") + " " + r.extra.get("redis_calls") : "-")
                .append(" |\n");
        }
        md.append('\n');
        final List<ScenarioResult> cpu = rows.stream().filter(r -> r.extra.containsKey("cpu_parts_pct")).toList();
        if (!cpu.isEmpty())
        {
            final List<String> parts = new ArrayList<>();
            for (final ScenarioResult r : cpu)
            {
                for (final String k : ((Map<String, Long>)r.extra.get("cpu_parts_pct")).keySet())
                {
                    if (!parts.contains(k))
                    {
                        parts.add(k);
                    }
                }
            }
            md.append("CPU during each cluster measurement (% of one core; \"of these, JIT compilers\" is the part of " +
                "the started JVMs' CPU that their C1/C2 compiler threads used):\n\n| Benchmark | Route | runner | ")
                .append(String.join(" | ", parts.stream().map(Report::processName).toList()))
                .append(" | of these, JIT compilers | other processes | attempts |\n|---|---|---:|")
                .append("---:|".repeat(parts.size())).append("---:|---:|---:|\n");
            for (final ScenarioResult r : cpu)
            {
                final Map<String, Long> split = (Map<String, Long>)r.extra.get("cpu_parts_pct");
                md.append("| ").append(title(r.scenario)).append(" | ").append(r.target).append(" | ")
                    .append(r.extra.get("cpu_runner_pct"));
                for (final String k : parts)
                {
                    md.append(" | ").append(split.containsKey(k) ? split.get(k) : "-");
                }
                final Map<String, Long> jit = (Map<String, Long>)r.extra.getOrDefault("cpu_jit_pct", Map.of());
                md.append(" | ").append(jit.values().stream().mapToLong(Long::longValue).sum()).append(" | ")
                    .append(r.extra.get("cpu_other_pct")).append(" | ")
                    .append(r.extra.getOrDefault("attempts", 1)).append(" |\n");
            }
            md.append('\n');
        }
        for (final ScenarioResult r : rows)
        {
            final Object logs = r.extra.get("cluster_log_warnings");
            if (logs instanceof Map<?, ?> m)
            {
                for (final Map.Entry<?, ?> e : m.entrySet())
                {
                    final List<String> lines = (List<String>)e.getValue();
                    if (!lines.isEmpty())
                    {
                        md.append("Warnings in the log of ").append(e.getKey()).append(" (first ")
                            .append(Math.min(5, lines.size())).append(" of ").append(lines.size()).append("):\n\n");
                        for (final String line : lines.subList(0, Math.min(5, lines.size())))
                        {
                            md.append("    ").append(line).append('\n');
                        }
                        md.append('\n');
                    }
                }
            }
        }
    }

    private static String processName(final String label)
    {
        return switch (label)
        {
            case "gateway" -> "in-memory gateway";
            case "node1" -> "node 1";
            case "node2" -> "node 2";
            case "redis" -> "redis-server";
            default -> label;
        };
    }

    private static String vsInMemory(final ScenarioResult r)
    {
        if (r.extra.get("vs_in_memory") instanceof String why)
        {
            return why;
        }
        if (!r.extra.containsKey("vs_in_memory_throughput"))
        {
            return "-";
        }
        final String ratio = String.format(Locale.ROOT, "%.2fx", (Double)r.extra.get("vs_in_memory_throughput"));
        return r.extra.containsKey("vs_in_memory_p50_ms") ?
            ratio + String.format(Locale.ROOT, ", %+.3f ms", (Double)r.extra.get("vs_in_memory_p50_ms")) : ratio;
    }

    private static void cpu(final StringBuilder md, final List<ScenarioResult> results)
    {
        if (results.stream().noneMatch(r -> r.extra.containsKey("cpu_runner_pct")))
        {
            return;
        }
        md.append("### CPU during each scenario (% of one core; the machine has 2)\n\n| Benchmark | Target | " +
            "runner | target | of which its JIT compilers | other processes | attempts | messages per frame |\n" +
            "|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (final ScenarioResult r : results)
        {
            if (!r.extra.containsKey("cpu_runner_pct"))
            {
                continue;
            }
            md.append("| ").append(title(r.scenario)).append(" | ").append(r.target).append(" | ")
                .append(r.extra.get("cpu_runner_pct")).append(" | ")
                .append(r.extra.getOrDefault("cpu_target_pct", "-")).append(" | ")
                .append(r.extra.getOrDefault("cpu_target_jit_pct", "-")).append(" | ")
                .append(r.extra.get("cpu_other_pct")).append(" | ")
                .append(r.extra.getOrDefault("attempts", 1)).append(" | ")
                .append(r.extra.getOrDefault("messages_per_frame", "-")).append(" |\n");
        }
        md.append('\n');
    }

    private static void memory(final StringBuilder md, final List<ScenarioResult> results)
    {
        final List<ScenarioResult> rows = results.stream().filter(r -> r.scenario.equals("hold-10k connect") &&
            r.extra.containsKey("rss_per_connection_kib")).toList();
        if (rows.isEmpty())
        {
            return;
        }
        md.append("### Resident memory with 10,000 idle subscribers\n\n| Target | RSS before | RSS held | " +
            "RSS per connection | live heap per connection (after full GC) |\n|---|---:|---:|---:|---:|\n");
        for (final ScenarioResult r : rows)
        {
            md.append("| ").append(r.target).append(" | ").append(r.extra.get("rss_before_mb")).append(" MiB | ")
                .append(r.extra.get("rss_held_mb")).append(" MiB | ").append(r.extra.get("rss_per_connection_kib"))
                .append(" KiB | ").append(r.extra.containsKey("heap_live_per_connection_kib") ?
                r.extra.get("heap_live_per_connection_kib") + " KiB" : "-").append(" |\n");
        }
        md.append('\n');
        final List<ScenarioResult> left = results.stream().filter(r -> r.scenario.equals("hold-10k connect") &&
            r.extra.containsKey("disconnect_ms")).toList();
        if (!left.isEmpty())
        {
            md.append("All 10,000 clients closing at once (their close frames, then the target's count of open " +
                "connections down to 0):\n\n| Target | until none was left | target CPU meanwhile |\n|---|---:|---:|\n");
            for (final ScenarioResult r : left)
            {
                md.append("| ").append(r.target).append(" | ").append(r.extra.get("disconnect_ms")).append(" ms | ")
                    .append(r.extra.containsKey("disconnect_cpu_s") ? r.extra.get("disconnect_cpu_s") + " s" : "-")
                    .append(" |\n");
            }
            md.append('\n');
        }
    }

    @SuppressWarnings("unchecked")
    private static void sustained(final StringBuilder md, final List<ScenarioResult> results)
    {
        for (final ScenarioResult r : results)
        {
            if (!r.scenario.equals("sustained") || !r.extra.containsKey("intervals"))
            {
                continue;
            }
            md.append("### Sustained, per interval: ").append(r.target).append("\n\n");
            if (r.extra.containsKey("heap_live_before_mb"))
            {
                md.append("Live heap after a full GC: ").append(r.extra.get("heap_live_before_mb"))
                    .append(" MiB before, ").append(r.extra.get("heap_live_after_mb")).append(" MiB after; RSS after ")
                    .append(r.extra.get("rss_after_full_gc_mb")).append(" MiB.\n\n");
            }
            md.append("| t (s) | msg/s | deliveries/s | " +
                "p50 | p99 | max | publish p99 | RSS |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final Map<String, Object> row : (List<Map<String, Object>>)r.extra.get("intervals"))
            {
                final ScenarioResult.Latency l = (ScenarioResult.Latency)row.get("latency");
                final ScenarioResult.Latency pl = (ScenarioResult.Latency)row.get("publish_latency");
                md.append("| ").append(row.get("t_s")).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", (Long)row.get("msg_s"))).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", (Long)row.get("deliveries_s"))).append(" | ")
                    .append(ms(l == null ? -1 : l.p50())).append(" | ").append(ms(l == null ? -1 : l.p99()))
                    .append(" | ").append(ms(l == null ? -1 : l.max())).append(" | ")
                    .append(ms(pl == null ? -1 : pl.p99())).append(" | ")
                    .append(row.get("rss_mb") == null ? "-" : row.get("rss_mb") + " MiB").append(" |\n");
            }
            md.append('\n');
        }
    }

    private static String rate(final ScenarioResult r)
    {
        return String.format(Locale.ROOT, "%,.0f %s", r.throughput, r.unit);
    }

    static String ms(final double value)
    {
        if (value < 0)
        {
            return "-";
        }
        return String.format(Locale.ROOT, value < 10 ? "%.3f ms" : "%.1f ms", value);
    }

    static void writeJson(final Path file, final Map<String, Object> run, final List<ScenarioResult> results)
        throws IOException
    {
        final List<Object> list = new ArrayList<>();
        for (final ScenarioResult r : results)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", r.scenario);
            m.put("target", r.target);
            m.put("throughput", r.throughput);
            m.put("unit", r.unit);
            m.put("operations", r.operations);
            m.put("duration_ms", r.durationNanos / 1e6);
            m.put("latency_of", r.latencyOf);
            m.put("latency_ms", r.latency);
            m.put("expected", r.expected);
            m.put("delivered", r.delivered);
            m.put("errors", r.errors);
            m.put("error_detail", r.errorDetail);
            final Seed.Row seed = Seed.ROWS.get(r.scenario);
            m.put("vs_seed", seed == null ? null : r.throughput / seed.throughput());
            final ScenarioResult c = ceiling(results, r.scenario);
            m.put("share_of_ceiling", c == null || c.throughput <= 0 ? null : r.throughput / c.throughput);
            m.put("note", r.note);
            m.put("extra", r.extra);
            list.add(m);
        }
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("run", run);
        root.put("results", list);
        final StringBuilder sb = new StringBuilder(16384);
        Json.write(sb, root, 0);
        Files.writeString(file, sb.append('\n'));
    }
}
