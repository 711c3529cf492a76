package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Timer;
import io.pulsarproxy.pipeline.json.JsonWriter;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/stats}: exact counters after known traffic, latency percentiles over a sliding window, and the same
 * authentication as the other {@code /v1} reads.
 */
class StatsHandlerTest
{
    private static final long DEADLINE_MILLIS = 20_000;

    @Test
    void shouldCountKnownTrafficExactly() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient subscriber = gw.subscribe("stats.a"))
        {
            assertEquals(202, gw.publish("stats.a", "{\"n\":1}").statusCode());
            assertEquals(202, gw.publish("stats.a", "{\"n\":2}").statusCode());
            assertEquals(202, gw.publish("stats.a", "{\"n\":3}").statusCode());
            assertEquals(202, gw.post("/v1/publish", "application/json",
                "[{\"topic\":\"stats.b\",\"payload\":1},{\"topic\":\"stats.b\",\"payload\":2}]").statusCode());
            assertEquals(3, subscriber.nextMessages(3).size());

            final JsonNode stats = awaitStats(gw, s -> s.path("deliveries").asLong() == 3 &&
                s.path("latency").path("count").asLong() == 5);
            assertEquals(4, stats.path("ingestRequests").asLong(), stats.toString());
            assertEquals(5, stats.path("ingestMessages").asLong(), stats.toString());
            assertEquals(0, stats.path("ingestRejected").asLong(), stats.toString());
            assertEquals(5, stats.path("routed").asLong(), stats.toString());
            assertEquals(3, stats.path("deliveries").asLong(), stats.toString());
            assertEquals(0, stats.path("gaps").asLong(), stats.toString());
            assertEquals(1, stats.path("connections").asLong(), stats.toString());
            assertEquals(1, stats.path("subscriptions").asLong(), stats.toString());
            assertEquals(2, stats.path("topics").asLong(), stats.toString());
            assertEquals(16384, stats.path("ringSize").asLong(), stats.toString());
            assertEquals("memory", stats.path("engine").path("kind").asText(), stats.toString());
            final long remaining = stats.path("ringRemaining").asLong();
            assertTrue(remaining > 0 && remaining <= 16384, stats.toString());
            assertTrue(Math.abs(stats.path("timeMillis").asLong() - System.currentTimeMillis()) < 60_000);

            final JsonNode latency = stats.path("latency");
            assertEquals(5, latency.path("count").asLong(), stats.toString());
            assertEquals(5, latency.path("windowCount").asLong(), "the first window starts at start");
            final long p50 = latency.path("p50Micros").asLong(-1);
            final long p90 = latency.path("p90Micros").asLong(-1);
            final long p99 = latency.path("p99Micros").asLong(-1);
            assertTrue(p50 >= 0 && p50 <= p90 && p90 <= p99, stats.toString());

            assertEquals(400, gw.publish("bad..topic", "1").statusCode());
            final JsonNode after = awaitStats(gw, s -> s.path("ingestRejected").asLong() == 1);
            assertEquals(5, after.path("ingestMessages").asLong(), after.toString());
        }
    }

    @Test
    void shouldComputePercentilesOverTheRecentWindowOnly()
    {
        final GatewayMetrics metrics = new GatewayMetrics();
        final Timer timer = metrics.deliveryLatency();
        final AtomicLong clock = new AtomicLong(0);
        final StatsHandler handler = new StatsHandler(null, null, null, timer, clock::get);

        record(timer, 100, 100);
        clock.set(1_000);
        final JsonNode first = latency(handler);
        assertEquals(100, first.path("count").asLong());
        assertEquals(100, first.path("windowCount").asLong());
        assertEquals(1_000, first.path("windowMillis").asLong());
        assertBetween(80, 110, first.path("p50Micros").asLong());
        assertBetween(80, 110, first.path("p99Micros").asLong());

        record(timer, 100, 5_000);
        clock.set(12_000);
        final JsonNode second = latency(handler);
        assertEquals(200, second.path("count").asLong());
        assertEquals(100, second.path("windowCount").asLong(), "only what came after the reading at 1 s");
        assertEquals(11_000, second.path("windowMillis").asLong());
        assertBetween(4_000, 5_600, second.path("p50Micros").asLong());

        clock.set(12_500);
        assertEquals(100, latency(handler).path("windowCount").asLong(), "no reading kept within a second");

        clock.set(30_000);
        final JsonNode quiet = latency(handler);
        assertEquals(200, quiet.path("count").asLong());
        assertEquals(0, quiet.path("windowCount").asLong());
        assertTrue(quiet.path("p50Micros").isNull(), quiet.toString());
        assertTrue(quiet.path("p99Micros").isNull(), quiet.toString());
        metrics.close();
    }

    @Test
    void shouldInterpolateWithinBucketsLikeHistogramQuantile()
    {
        final double[] bounds = {10, 20, 40};
        final StatsHandler.Sample zero = new StatsHandler.Sample(0, 0, bounds, new double[] {0, 0, 0});
        final StatsHandler.Sample current = new StatsHandler.Sample(1, 100, bounds, new double[] {0, 50, 100});
        assertEquals(20.0, StatsHandler.quantile(0.5, current, zero, 100), 1e-9);
        assertEquals(12.0, StatsHandler.quantile(0.1, current, zero, 100), 1e-9);
        assertEquals(39.6, StatsHandler.quantile(0.99, current, zero, 100), 1e-9);

        final StatsHandler.Sample base = new StatsHandler.Sample(0, 50, bounds, new double[] {0, 50, 50});
        assertEquals(30.0, StatsHandler.quantile(0.5, current, base, 50), 1e-9);

        final StatsHandler.Sample overflow = new StatsHandler.Sample(1, 5, bounds, new double[] {0, 0, 0});
        assertEquals(40.0, StatsHandler.quantile(0.5, overflow, zero, 5), 1e-9, "beyond the top bucket");
    }

    @Test
    void shouldAskForATokenWhenAuthIsOn() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_SECRET_PROP_NAME, Tokens.SECRET))
        {
            final HttpResponse<String> refused = gw.get("/v1/stats");
            assertEquals(401, refused.statusCode(), refused.body());
            assertEquals("application/problem+json", refused.headers().firstValue("Content-Type").orElse(""));
            assertEquals("urn:pulsar-proxy:problem:missing-token", TestGateway.json(refused.body()).path("type").asText());

            final String token = Tokens.hs256(Tokens.SECRET, "stats-reader", List.of(), List.of());
            final HttpResponse<String> allowed = gw.http.send(HttpRequest.newBuilder(gw.uri("/v1/stats"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(200, allowed.statusCode(), allowed.body());
            assertEquals(0, TestGateway.json(allowed.body()).path("ingestMessages").asLong());
        }
    }

    private static JsonNode awaitStats(final TestGateway gw, final java.util.function.Predicate<JsonNode> done)
        throws Exception
    {
        final long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (true)
        {
            final HttpResponse<String> response = gw.get("/v1/stats");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
            final JsonNode stats = TestGateway.json(response.body());
            if (done.test(stats))
            {
                return stats;
            }
            if (System.currentTimeMillis() > deadline)
            {
                throw new AssertionError("stats never reached the expected values: " + stats);
            }
            Thread.sleep(20);
        }
    }

    private static void record(final Timer timer, final int count, final long micros)
    {
        for (int i = 0; i < count; i++)
        {
            timer.record(micros, TimeUnit.MICROSECONDS);
        }
    }

    private static JsonNode latency(final StatsHandler handler)
    {
        final JsonWriter w = new JsonWriter(256);
        handler.writeLatency(w);
        return TestGateway.json(w.toString());
    }

    private static void assertBetween(final long low, final long high, final long value)
    {
        assertTrue(value >= low && value <= high, value + " not in [" + low + ", " + high + "]");
    }
}
