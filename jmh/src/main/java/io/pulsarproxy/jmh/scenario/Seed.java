package io.pulsarproxy.jmh.scenario;

import java.util.Map;

/**
 * The earlier Python gateway's published figures (shared/seed/BENCHMARK_RESULTS.md), for the "vs seed" column:
 * throughput in the seed's own unit (messages, connections or deliveries per second) and its latencies in ms.
 */
final class Seed
{
    /**
     * One seed row.
     *
     * @param title      the seed's name for the benchmark.
     * @param throughput its throughput.
     * @param avg        average latency, ms.
     * @param p50        median, ms.
     * @param p95        95th percentile, ms.
     * @param p99        99th percentile, ms.
     */
    record Row(String title, double throughput, double avg, double p50, double p95, double p99)
    {
    }

    static final Map<String, Row> ROWS = Map.of(
        "single", new Row("Message Ingestion (Single)", 1338, 0.75, 0.73, 0.78, 1.22),
        "bulk", new Row("Bulk Ingestion (50/batch)", 32955, 1.52, 1.46, 1.58, 4.19),
        "concurrent", new Row("Concurrent Ingestion (20x)", 428, 28.60, 27.61, 40.96, 41.78),
        "ws-subscribe", new Row("WebSocket Subscribe (50)", 1117, 23.43, 22.06, 32.85, 33.74),
        "e2e", new Row("E2E Delivery (20 clients)", 814, 2.13, 2.12, 3.13, 3.67),
        "broadcast", new Row("Broadcast (30 clients)", 15731, 52.68, 58.84, 69.96, 70.32));

    private Seed()
    {
    }
}
