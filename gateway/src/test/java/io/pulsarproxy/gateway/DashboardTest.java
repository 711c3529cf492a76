package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard in {@code ops/grafana}: a dashboard model Grafana's Import dialog takes (with its
 * {@code __inputs} Prometheus datasource), every panel querying that datasource, and every metric and label its
 * queries name really served by a running gateway's {@code /metrics} (one with the Redis engine, which serves every
 * meter).
 */
class DashboardTest
{
    static final Path DASHBOARD = Path.of("ops", "grafana", "pulsar-proxy.json");
    static final Path PROMETHEUS = Path.of("ops", "prometheus", "prometheus.yml");
    private static final String DATASOURCE = "${DS_PROMETHEUS}";

    /** PromQL words that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
        "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring)\\s*\\(([^)]*)\\)");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
    private static final Pattern SELECTOR =
        Pattern.compile("(?<![a-zA-Z0-9_:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?(\\s*\\()?");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    /** Labels Prometheus adds when it scrapes, which the gateway itself does not serve. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    @Test
    void shouldBeADashboardModelThatImportsWithAPrometheusDatasourceInput() throws Exception
    {
        final JsonNode dashboard = TestGateway.JSON.readTree(Files.readString(repoFile(DASHBOARD)));
        assertFalse(dashboard.path("title").asText().isBlank(), "no title");
        assertFalse(dashboard.path("uid").asText().isBlank(), "no uid");
        assertTrue(dashboard.path("schemaVersion").isInt(), "no schemaVersion");
        assertTrue(dashboard.path("id").isNull(), "an imported dashboard has a null id");

        final JsonNode inputs = dashboard.path("__inputs");
        assertTrue(inputs.isArray() && inputs.size() == 1, "__inputs: " + inputs);
        final JsonNode input = inputs.get(0);
        assertEquals("DS_PROMETHEUS", input.path("name").asText());
        assertEquals("datasource", input.path("type").asText());
        assertEquals("prometheus", input.path("pluginId").asText());

        final JsonNode panels = dashboard.path("panels");
        assertTrue(panels.isArray() && panels.size() > 0, "no panels");
        final Set<Integer> ids = new HashSet<>();
        int queryPanels = 0;
        for (final JsonNode panel : panels)
        {
            final String title = panel.path("title").asText();
            assertFalse(title.isBlank(), "a panel without title: " + panel);
            assertTrue(ids.add(panel.path("id").asInt(-1)), "duplicate panel id in " + title);
            final JsonNode grid = panel.path("gridPos");
            assertTrue(grid.path("w").asInt() > 0 && grid.path("h").asInt() > 0, title + ": gridPos " + grid);
            assertTrue(grid.path("x").asInt() + grid.path("w").asInt() <= 24, title + ": wider than the grid");
            if ("row".equals(panel.path("type").asText()))
            {
                continue;
            }
            queryPanels++;
            assertEquals(DATASOURCE, panel.path("datasource").path("uid").asText(), title);
            assertEquals("prometheus", panel.path("datasource").path("type").asText(), title);
            final JsonNode targets = panel.path("targets");
            assertTrue(targets.isArray() && targets.size() > 0, title + ": no targets");
            final Set<String> refIds = new HashSet<>();
            for (final JsonNode target : targets)
            {
                assertFalse(target.path("expr").asText().isBlank(), title + ": a target without expr");
                assertTrue(refIds.add(target.path("refId").asText()), title + ": duplicate refId");
                assertEquals(DATASOURCE, target.path("datasource").path("uid").asText(), title);
            }
        }
        assertTrue(queryPanels >= 16, "only " + queryPanels + " panels");
        for (final JsonNode variable : dashboard.path("templating").path("list"))
        {
            if ("query".equals(variable.path("type").asText()))
            {
                assertEquals(DATASOURCE, variable.path("datasource").path("uid").asText(), variable.toString());
            }
        }

        final Set<String> used = metricNames(exprs(dashboard)).keySet();
        for (final String required : List.of("pulsar_ingest_messages_total", "pulsar_deliveries_total",
            "pulsar_http_responses_total", "pulsar_ingest_rejected_total", "pulsar_ring_remaining_capacity",
            "pulsar_delivery_latency_seconds_bucket", "pulsar_connections", "pulsar_subscriptions", "pulsar_topics",
            "pulsar_gaps_total", "pulsar_slow_consumer_disconnects_total", "pulsar_auth_failures_total",
            "pulsar_rate_limited_total", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum", "process_cpu_usage"))
        {
            assertTrue(used.contains(required), "no panel charts " + required + "; charted: " + used);
        }
        final String allExprs = String.join("\n", exprs(dashboard));
        assertTrue(allExprs.contains("histogram_quantile(0.5,"), "no p50");
        assertTrue(allExprs.contains("histogram_quantile(0.99,"), "no p99");

        final String prometheus = Files.readString(repoFile(PROMETHEUS));
        assertTrue(prometheus.contains("scrape_configs:") && prometheus.contains("127.0.0.1:8080") &&
            prometheus.contains("metrics_path: /metrics"), prometheus);
    }

    @Test
    void shouldQueryOnlyMetricsAndLabelsThatARunningGatewayServes() throws Exception
    {
        final JsonNode dashboard = TestGateway.JSON.readTree(Files.readString(repoFile(DASHBOARD)));
        final Map<String, List<String[]>> used = metricNames(exprs(dashboard));
        // With the Redis engine, so that the engine's meters are served too; every other meter is served either way.
        try (RedisServer redis = RedisServer.start();
            TestGateway gw = TestGateway.start("proxy.engine", "redis", "proxy.redis.uri", redis.uri());
            WsClient subscriber = gw.subscribe("dash"))
        {
            for (int i = 0; i < 5; i++)
            {
                assertEquals(202, gw.publish("dash", Integer.toString(i)).statusCode());
            }
            subscriber.nextMessages(5);
            // GC pause series appear after the first collection.
            System.gc();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            MetricsScrape scrape = gw.metrics();
            while (!scrape.has("jvm_gc_pause_seconds_count") && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
                scrape = gw.metrics();
            }

            final List<String> missing = new ArrayList<>();
            for (final Map.Entry<String, List<String[]>> entry : used.entrySet())
            {
                final String name = entry.getKey();
                if (!served(scrape, name))
                {
                    missing.add(name);
                    continue;
                }
                for (final String[] label : entry.getValue())
                {
                    if (!servedWithLabel(scrape, name, label[0], label[1]))
                    {
                        missing.add(name + "{" + label[0] + (label[1] == null ? "" : "=\"" + label[1] + "\"") + "}");
                    }
                }
            }
            assertTrue(missing.isEmpty(), "the dashboard queries what /metrics does not serve: " + missing +
                "\nserved: " + scrape.sampleNames());
        }
    }

    @Test
    void shouldExtractMetricNamesFromWrappedQueries()
    {
        final Map<String, List<String[]>> names = metricNames(List.of(
            "histogram_quantile(0.99, sum by (le) (rate(pulsar_delivery_latency_seconds_bucket{instance=~\"$i\"}" +
                "[$__rate_interval])))",
            "sum without (id) (jvm_memory_used_bytes{area=\"heap\"} > 0) / on (instance) group_left " +
                "process_cpu_usage offset 5m",
            "sum by (reason) (rate(pulsar_gaps_total[5m]))"));
        assertEquals(Set.of("pulsar_delivery_latency_seconds_bucket", "jvm_memory_used_bytes", "process_cpu_usage",
            "pulsar_gaps_total"), names.keySet());
        final List<String> heapLabels = new ArrayList<>();
        for (final String[] label : names.get("jvm_memory_used_bytes"))
        {
            heapLabels.add(label[0] + "=" + label[1]);
        }
        assertTrue(heapLabels.contains("area=heap"), heapLabels.toString());
        assertTrue(heapLabels.contains("id=null"), heapLabels.toString());
        final MetricsScrape scrape = MetricsScrape.parse("# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_count 1\n" +
            "h_sum 1.0\n# TYPE s summary\ns_count 1\ns_sum 1.0\n# TYPE g_count gauge\ng_count 3\n");
        assertTrue(served(scrape, "h_bucket") && served(scrape, "h_sum") && served(scrape, "s_count"));
        assertTrue(served(scrape, "g_count"), "a gauge whose name ends in _count");
        assertFalse(served(scrape, "s_bucket"), "a summary has no buckets");
        assertFalse(served(scrape, "h"), "a histogram family is not a series");
    }

    /**
     * Finds a file of the repository from the module directory Maven runs tests in, or from the repository root.
     */
    static Path repoFile(final Path relative)
    {
        final Path fromModule = Path.of("..").resolve(relative);
        return Files.exists(fromModule) ? fromModule : relative;
    }

    private static List<String> exprs(final JsonNode dashboard)
    {
        final List<String> exprs = new ArrayList<>();
        for (final JsonNode panel : dashboard.path("panels"))
        {
            for (final JsonNode target : panel.path("targets"))
            {
                exprs.add(target.path("expr").asText());
            }
        }
        return exprs;
    }

    /**
     * The metric names the queries select, each with the labels the query needs of it: {@code [label, value]} for
     * an equality matcher, {@code [label, null]} for a label it groups by. Functions ({@code rate(},
     * {@code histogram_quantile(}), aggregation clauses ({@code by (...)}), ranges and keywords are not names.
     */
    static Map<String, List<String[]>> metricNames(final List<String> exprs)
    {
        final Map<String, List<String[]>> names = new LinkedHashMap<>();
        for (final String expr : exprs)
        {
            final Set<String> grouping = new LinkedHashSet<>();
            final Matcher groups = GROUPING.matcher(expr);
            while (groups.find())
            {
                for (final String label : groups.group(2).split(","))
                {
                    if (!label.isBlank())
                    {
                        grouping.add(label.trim());
                    }
                }
            }
            final String stripped = RANGE.matcher(GROUPING.matcher(expr).replaceAll(" ")).replaceAll(" ");
            final Matcher selector = SELECTOR.matcher(stripped);
            final List<String> inExpr = new ArrayList<>();
            while (selector.find())
            {
                final String name = selector.group(1);
                final boolean function = selector.group(3) != null && selector.group(2) == null;
                if (function || KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT)))
                {
                    continue;
                }
                inExpr.add(name);
                final List<String[]> labels = names.computeIfAbsent(name, n -> new ArrayList<>());
                if (selector.group(2) != null)
                {
                    final Matcher matcher = MATCHER.matcher(selector.group(2));
                    while (matcher.find())
                    {
                        if ("=".equals(matcher.group(2)) && !TARGET_LABELS.contains(matcher.group(1)))
                        {
                            labels.add(new String[] {matcher.group(1), matcher.group(3)});
                        }
                    }
                }
            }
            for (final String label : grouping)
            {
                if (TARGET_LABELS.contains(label))
                {
                    continue;
                }
                for (final String name : inExpr)
                {
                    if (!"le".equals(label) || name.endsWith("_bucket"))
                    {
                        names.get(name).add(new String[] {label, null});
                    }
                }
            }
        }
        return names;
    }

    /**
     * Tells whether the scrape serves a name: the {@code _bucket} series of a declared histogram, the {@code _count}
     * or {@code _sum} series of a declared histogram or summary, or a sample of a family declared under that very
     * name (counters with {@code _total}, gauges).
     */
    static boolean served(final MetricsScrape scrape, final String name)
    {
        for (final String suffix : List.of("_bucket", "_count", "_sum"))
        {
            if (name.endsWith(suffix))
            {
                final String type = scrape.types.get(name.substring(0, name.length() - suffix.length()));
                if ("histogram".equals(type) || "summary".equals(type) && !"_bucket".equals(suffix))
                {
                    return scrape.has(name);
                }
            }
        }
        return scrape.has(name) && scrape.types.containsKey(name);
    }

    private static boolean servedWithLabel(
        final MetricsScrape scrape, final String name, final String label, final String value)
    {
        for (final MetricsScrape.Sample sample : scrape.samples(name))
        {
            final String actual = sample.labels().get(label);
            if (actual != null && (value == null || value.equals(actual)))
            {
                return true;
            }
        }
        return false;
    }
}
