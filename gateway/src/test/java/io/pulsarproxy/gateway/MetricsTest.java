package io.pulsarproxy.gateway;

import io.pulsarproxy.pipeline.EngineCounters;
import io.undertow.Undertow;
import org.junit.jupiter.api.Test;
import org.xnio.XnioIoThread;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} against a running gateway: the Prometheus text format with every metric the gateway declares,
 * under the names the registry really renders, and counters that move by exactly what the traffic explains.
 */
class MetricsTest
{
    /**
     * Every metric family the gateway registers, as rendered: counters with {@code _total}, the batch-size summary
     * with its base unit ({@code _messages}), the latency timer in seconds.
     */
    static final List<String> PULSAR_METRICS = List.of(
        "pulsar_http_responses_total",
        "pulsar_ingest_requests_total",
        "pulsar_ingest_messages_total",
        "pulsar_ingest_bytes_total",
        "pulsar_ingest_rejected_total",
        "pulsar_ingest_batch_size_messages_bucket",
        "pulsar_ingest_batch_size_messages_count",
        "pulsar_ingest_batch_size_messages_sum",
        "pulsar_ingest_batch_size_messages_max",
        "pulsar_ring_remaining_capacity",
        "pulsar_ring_size",
        "pulsar_delivery_latency_seconds_bucket",
        "pulsar_delivery_latency_seconds_count",
        "pulsar_delivery_latency_seconds_sum",
        "pulsar_delivery_latency_seconds_max",
        "pulsar_write_latency_seconds_bucket",
        "pulsar_write_latency_seconds_count",
        "pulsar_write_latency_seconds_sum",
        "pulsar_routed_messages_total",
        "pulsar_deliveries_total",
        "pulsar_replayed_messages_total",
        "pulsar_duplicates_total",
        "pulsar_stage_errors_total",
        "pulsar_topics",
        "pulsar_subscriptions",
        "pulsar_gaps_total",
        "pulsar_slow_consumer_disconnects_total",
        "pulsar_connections",
        "pulsar_outbound_bytes",
        "pulsar_connections_opened_total",
        "pulsar_connections_refused_total",
        "pulsar_connections_closed_total",
        "pulsar_frames_sent_total",
        "pulsar_client_errors_total",
        "pulsar_auth_failures_total",
        "pulsar_rate_limited_total");

    /** JVM and process metrics that are there from the first scrape ({@code jvm_gc_pause_seconds} needs a GC). */
    static final List<String> JVM_METRICS = List.of(
        "jvm_memory_used_bytes",
        "jvm_memory_max_bytes",
        "jvm_memory_committed_bytes",
        "jvm_threads_live_threads",
        "jvm_classes_loaded_classes",
        "jvm_gc_memory_allocated_bytes_total",
        "process_cpu_usage",
        "system_cpu_usage",
        "process_uptime_seconds",
        "process_files_open_files");

    private static final int MESSAGES = 10;
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void shouldServeThePrometheusTextFormatWithEveryMetricAndItsLabels() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> response = gw.get("/metrics");
            assertEquals(200, response.statusCode());
            final String contentType = response.headers().firstValue("Content-Type").orElse("");
            assertTrue(contentType.startsWith("text/plain") && contentType.contains("version=0.0.4"), contentType);
            final MetricsScrape scrape = MetricsScrape.parse(response.body());
            for (final String name : PULSAR_METRICS)
            {
                assertTrue(scrape.has(name), name + " missing from\n" + response.body());
            }
            for (final String name : JVM_METRICS)
            {
                assertTrue(scrape.has(name), name + " missing from\n" + response.body());
            }
            assertEquals("histogram", scrape.types.get("pulsar_delivery_latency_seconds"));
            assertEquals("histogram", scrape.types.get("pulsar_ingest_batch_size_messages"));
            assertEquals("counter", scrape.types.get("pulsar_ingest_messages_total"));
            assertEquals("gauge", scrape.types.get("pulsar_connections"));

            for (final String statusClass : List.of("1xx", "2xx", "3xx", "4xx", "5xx"))
            {
                scrape.value("pulsar_http_responses_total", "class", statusClass);
            }
            for (final String reason : List.of("invalid", "ring_full", "refused", "forbidden", "rate_limited",
                "body_timeout"))
            {
                assertEquals(0, scrape.value("pulsar_ingest_rejected_total", "reason", reason), reason);
            }
            for (final String reason : List.of("history", "epoch", "slow-consumer"))
            {
                assertEquals(0, scrape.value("pulsar_gaps_total", "reason", reason), reason);
            }
            for (final String reason : List.of("half_open", "token_expired"))
            {
                assertEquals(0, scrape.value("pulsar_connections_closed_total", "reason", reason), reason);
            }
            for (final String reason : List.of("missing_token", "invalid_token", "origin", "forbidden_publish",
                "forbidden_subscribe"))
            {
                assertEquals(0, scrape.value("pulsar_auth_failures_total", "reason", reason), reason);
            }
            for (final String kind : List.of("publish", "connect"))
            {
                assertEquals(0, scrape.value("pulsar_rate_limited_total", "kind", kind), kind);
            }
            assertEquals(16384, scrape.value("pulsar_ring_size"));
            assertEquals(16384, scrape.value("pulsar_ring_remaining_capacity"));
            assertEquals(0, scrape.value("pulsar_topics"));
            assertEquals(0, scrape.value("pulsar_connections"));
            assertEquals("gauge", scrape.types.get("pulsar_outbound_bytes"));
            assertEquals(0, scrape.value("pulsar_outbound_bytes"), "nothing queued on an idle gateway");
            assertTrue(scrape.value("jvm_memory_used_bytes", "area", "heap") > 0);

            final List<MetricsScrape.Sample> buckets = scrape.samples("pulsar_delivery_latency_seconds_bucket");
            assertTrue(buckets.size() > 10, "a percentile histogram has many buckets: " + buckets.size());
            assertTrue(buckets.stream().anyMatch(b -> "+Inf".equals(b.labels().get("le"))), "no +Inf bucket");
        }
    }

    @Test
    void shouldMoveCountersByExactlyWhatTenPublishesToTwoSubscribersCause() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient first = gw.subscribe("metered");
            WsClient second = gw.subscribe("metered"))
        {
            final MetricsScrape before = gw.metrics();
            assertEquals(1, before.value("pulsar_topics"));
            assertEquals(2, before.value("pulsar_subscriptions"));
            assertEquals(2, before.value("pulsar_connections"));

            final List<String> payloads = new ArrayList<>();
            long bodyBytes = 0;
            for (int i = 0; i < MESSAGES; i++)
            {
                final String payload = "{\"n\":" + i + "}";
                payloads.add(payload);
                bodyBytes += payload.length();
                final HttpResponse<String> response = gw.publish("metered", payload);
                assertEquals(202, response.statusCode(), response.body());
            }
            for (int i = 0; i < MESSAGES; i++)
            {
                assertEquals(payloads.get(i), first.nextMessage().get("payload").toString());
                assertEquals(payloads.get(i), second.nextMessage().get("payload").toString());
            }

            // Counters are read when scraped; the ones updated just after the reply is sent may lag a scrape, so
            // scrape until they reach their expected values, then require them to be exactly those. Each scrape
            // is itself a 2xx response, counted once it has completed.
            int scrapes = 1;
            MetricsScrape after = gw.metrics();
            final long deadline = System.nanoTime() + SETTLE_NANOS;
            while (!settled(before, after, scrapes) && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
                scrapes++;
                after = gw.metrics();
            }

            assertDelta(MESSAGES, before, after, "pulsar_ingest_messages_total");
            assertDelta(MESSAGES, before, after, "pulsar_ingest_requests_total");
            assertDelta(bodyBytes, before, after, "pulsar_ingest_bytes_total");
            assertDelta(MESSAGES, before, after, "pulsar_routed_messages_total");
            assertDelta(2 * MESSAGES, before, after, "pulsar_deliveries_total");
            assertDelta(MESSAGES, before, after, "pulsar_ingest_batch_size_messages_count");
            assertDelta(MESSAGES, before, after, "pulsar_ingest_batch_size_messages_sum");
            assertDelta(MESSAGES, before, after, "pulsar_ingest_batch_size_messages_bucket", "le", "1.0");
            assertDelta(MESSAGES, before, after, "pulsar_delivery_latency_seconds_count");
            assertDelta(MESSAGES, before, after, "pulsar_delivery_latency_seconds_bucket", "le", "+Inf");
            assertDelta(MESSAGES + scrapes, before, after, "pulsar_http_responses_total", "class", "2xx");
            assertDelta(0, before, after, "pulsar_http_responses_total", "class", "4xx");
            assertDelta(0, before, after, "pulsar_http_responses_total", "class", "5xx");
            assertDelta(0, before, after, "pulsar_ingest_rejected_total");
            assertDelta(0, before, after, "pulsar_gaps_total");
            assertDelta(0, before, after, "pulsar_replayed_messages_total");
            assertDelta(0, before, after, "pulsar_stage_errors_total");
            assertDelta(0, before, after, "pulsar_connections_opened_total");
            assertTrue(after.value("pulsar_delivery_latency_seconds_sum") > before.value(
                "pulsar_delivery_latency_seconds_sum"), "latency sum did not grow");
            assertTrue(after.value("pulsar_frames_sent_total") >= before.value("pulsar_frames_sent_total") + 2,
                "frames sent did not grow");
            // One write-latency record per write, each write carrying one or more frames, to each of 2 subscribers.
            final double writes = delta(before, after, "pulsar_write_latency_seconds_count");
            assertTrue(writes >= 2 && writes <= delta(before, after, "pulsar_frames_sent_total"),
                "write latency recorded " + writes + " times");
            assertEquals(1, after.value("pulsar_topics"));
            assertEquals(2, after.value("pulsar_subscriptions"));
            assertEquals(2, after.value("pulsar_connections"));
            assertEquals(16384, after.value("pulsar_ring_remaining_capacity"));
        }
    }

    /**
     * A scrape reads every gauge, and the open-files gauge lists {@code /proc/self/fd} (about 3 ms with 10,000
     * connections): it must run on a worker thread, where it holds up no connection of an IO thread.
     */
    @Test
    void shouldRenderAScrapeOnAWorkerThreadNotOnAnIoThread() throws Exception
    {
        final GatewayMetrics metrics = new GatewayMetrics();
        final AtomicReference<Thread> gaugeReader = new AtomicReference<>();
        // A gauge is read by the scrape itself, on whatever thread renders it.
        metrics.bindEngine(new EngineCounters(), () ->
        {
            gaugeReader.set(Thread.currentThread());
            return true;
        });
        final Undertow server = Undertow.builder()
            .setIoThreads(1)
            .setWorkerThreads(1)
            .addHttpListener(0, "127.0.0.1")
            .setHandler(metrics.handler())
            .build();
        server.start();
        try
        {
            final int port = ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
            final HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(1, MetricsScrape.parse(response.body()).value("pulsar_engine_up"));
            assertNotNull(gaugeReader.get(), "the scrape read no gauge");
            assertFalse(gaugeReader.get() instanceof XnioIoThread,
                "the scrape ran on IO thread " + gaugeReader.get().getName());
        }
        finally
        {
            server.stop();
        }
    }

    private static boolean settled(final MetricsScrape before, final MetricsScrape after, final int scrapes)
    {
        return delta(before, after, "pulsar_ingest_messages_total") >= MESSAGES &&
            delta(before, after, "pulsar_deliveries_total") >= 2 * MESSAGES &&
            delta(before, after, "pulsar_ingest_batch_size_messages_count") >= MESSAGES &&
            delta(before, after, "pulsar_delivery_latency_seconds_count") >= MESSAGES &&
            delta(before, after, "pulsar_write_latency_seconds_count") >= 2 &&
            delta(before, after, "pulsar_http_responses_total", "class", "2xx") >= MESSAGES + scrapes;
    }

    private static double delta(
        final MetricsScrape before, final MetricsScrape after, final String name, final String... labels)
    {
        return after.value(name, labels) - before.value(name, labels);
    }

    private static void assertDelta(
        final long expected, final MetricsScrape before, final MetricsScrape after, final String name,
        final String... labels)
    {
        assertEquals(expected, delta(before, after, name, labels), name + " " + String.join(",", labels));
    }
}
