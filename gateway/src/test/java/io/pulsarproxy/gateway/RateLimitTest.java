package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits per caller against a running gateway: messages per second per token subject (or per client address
 * when auth is off), bytes per second, and WebSocket connection attempts per second. Refusals are 429 problems with
 * {@code Retry-After}; a subscriber counts what was published, to prove that a refused request published nothing and
 * that a neighbour's traffic was untouched.
 */
class RateLimitTest
{
    private static final String JSON = "application/json";
    private static final int RATE = 50;
    private static final int CALM_MESSAGES = 20;
    private static final int CALM_PAUSE_MILLIS = 50;
    private static final int MAX_FLOOD_REQUESTS = 20_000;
    private static final long MAX_FLOOD_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int BURST = 200;
    private static final int CONNECT_RATE = 5;

    @Test
    void shouldLimitAFloodingSubjectWhileAnotherSubjectsTrafficGoesThroughUndisturbed() throws Exception
    {
        final String flood = TestTokens.token("flood", List.of("flood"), List.of());
        final String calm = TestTokens.token("calm", List.of("calm"), List.of());
        final String watcher = TestTokens.token("watcher", List.of("flood", "calm"), List.of(">"));
        try (TestGateway gw = TestGateway.start(
            GatewayConfiguration.JWT_SECRET_PROP_NAME, TestTokens.SECRET,
            GatewayConfiguration.RATE_PUBLISH_PROP_NAME, Integer.toString(RATE));
            WsClient subscriber = gw.connectWithHeaders("topic=flood&topic=calm", "Authorization", "Bearer " + watcher))
        {
            subscriber.nextControl();
            subscriber.nextControl();

            final AtomicBoolean calmDone = new AtomicBoolean();
            final AtomicInteger floodAccepted = new AtomicInteger();
            final AtomicInteger floodLimited = new AtomicInteger();
            final ConcurrentLinkedQueue<String> floodErrors = new ConcurrentLinkedQueue<>();
            final Thread flooder = new Thread(() ->
            {
                try (RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
                {
                    final long deadline = System.nanoTime() + MAX_FLOOD_NANOS;
                    for (int i = 0; i < MAX_FLOOD_REQUESTS && System.nanoTime() < deadline; i++)
                    {
                        if (calmDone.get() && floodLimited.get() > 0)
                        {
                            break;
                        }
                        final RawHttpConnection.Response reply = http.post("/v1/topics/flood", JSON,
                            Integer.toString(i), "Authorization", "Bearer " + flood);
                        count(reply, floodAccepted, floodLimited, floodErrors);
                    }
                }
                catch (final Exception ex)
                {
                    floodErrors.add(ex.toString());
                }
            }, "flooder");
            flooder.start();

            int calmAccepted = 0;
            try (RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
            {
                for (int i = 0; i < CALM_MESSAGES; i++)
                {
                    final RawHttpConnection.Response reply = http.post("/v1/topics/calm", JSON,
                        "\"calm-" + i + "\"", "Authorization", "Bearer " + calm);
                    assertEquals(202, reply.status(), "calm publish " + i + ": " + reply.body());
                    calmAccepted++;
                    Thread.sleep(CALM_PAUSE_MILLIS);
                }
            }
            finally
            {
                calmDone.set(true);
                flooder.join(TimeUnit.SECONDS.toMillis(90));
            }
            assertTrue(floodErrors.isEmpty(), floodErrors.toString());
            assertTrue(floodLimited.get() > 0, "the flood was never limited: " + floodAccepted + " accepted");
            assertTrue(floodAccepted.get() >= RATE, "a full bucket admits " + RATE + ": " + floodAccepted);
            assertEquals(CALM_MESSAGES, calmAccepted);

            // Sentinels from a third subject: what arrived before them is exactly what was accepted.
            assertEquals(202, gw.publishAs(watcher, "flood", "\"sentinel\"").statusCode());
            assertEquals(202, gw.publishAs(watcher, "calm", "\"sentinel\"").statusCode());
            final int[] counts = countUntilSentinels(subscriber, "flood", "calm");
            assertEquals(floodAccepted.get(), counts[0], "flood messages delivered");
            assertEquals(CALM_MESSAGES, counts[1], "calm messages delivered");

            final MetricsScrape metrics = gw.metrics();
            assertEquals(floodLimited.get(), metrics.value("pulsar_rate_limited_total", "kind", "publish"));
            assertEquals(floodLimited.get(), metrics.value("pulsar_ingest_rejected_total", "reason", "rate_limited"));
        }
    }

    @Test
    void shouldLimitAFloodingClientAddressWhenAuthIsOff() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.RATE_PUBLISH_PROP_NAME, Integer.toString(RATE));
            WsClient subscriber = gw.subscribe("ip"))
        {
            final AtomicInteger accepted = new AtomicInteger();
            final AtomicInteger limited = new AtomicInteger();
            final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            try (RawHttpConnection http = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.1")))
            {
                for (int i = 0; i < BURST; i++)
                {
                    count(http.post("/v1/topics/ip", JSON, Integer.toString(i)), accepted, limited, errors);
                }
            }
            assertTrue(errors.isEmpty(), errors.toString());
            assertTrue(limited.get() > 0, "the flood was never limited");
            assertTrue(accepted.get() >= RATE, "a full bucket admits " + RATE + ": " + accepted);

            // Another loopback address is another caller, with its own allowance.
            try (RawHttpConnection other = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.2")))
            {
                for (int i = 0; i < 10; i++)
                {
                    assertEquals(202, other.post("/v1/topics/ip", JSON, "\"other\"").status());
                }
                assertEquals(202, other.post("/v1/topics/ip", JSON, "\"sentinel\"").status());
            }
            assertEquals(accepted.get() + 10, countUntilSentinels(subscriber, "ip")[0]);
            assertEquals(limited.get(), gw.metrics().value("pulsar_rate_limited_total", "kind", "publish"));
        }
    }

    @Test
    void shouldLimitPublishBytesPerSecond() throws Exception
    {
        final String threeKib = payload(3 * 1024);
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.RATE_PUBLISH_BYTES_PROP_NAME, "4k");
            WsClient subscriber = gw.subscribe("bytes");
            RawHttpConnection http = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.1")))
        {
            assertEquals(202, http.post("/v1/topics/bytes", JSON, threeKib).status());
            assertRateLimited(http.post("/v1/topics/bytes", JSON, threeKib));
            // What is left of the second's allowance still takes a small message.
            assertEquals(202, http.post("/v1/topics/bytes", JSON, "\"small\"").status());

            try (RawHttpConnection other = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.2")))
            {
                assertEquals(202, other.post("/v1/topics/bytes", JSON, "\"sentinel\"").status());
            }
            final List<JsonNode> messages = subscriber.nextMessages(3);
            assertEquals(threeKib, messages.get(0).get("payload").toString());
            assertEquals("small", messages.get(1).get("payload").asText());
            assertEquals("sentinel", messages.get(2).get("payload").asText());
            assertEquals(3, messages.get(2).get("seq").asLong(), "the refused message got a seq");
        }
    }

    @Test
    void shouldAdmitARequestLargerThanOneSecondsAllowanceOnlyWhenTheBucketIsFull() throws Exception
    {
        final String sixKib = payload(6 * 1024);
        final String twoKib = payload(2 * 1024);
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.RATE_PUBLISH_BYTES_PROP_NAME, "4k");
            WsClient subscriber = gw.subscribe("big");
            RawHttpConnection fresh = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.3"));
            RawHttpConnection used = new RawHttpConnection(gw.gateway.port(), InetAddress.getByName("127.0.0.4")))
        {
            // A full bucket admits the oversized request and goes into debt: the next request waits.
            assertEquals(202, fresh.post("/v1/topics/big", JSON, sixKib).status());
            final int wait = assertRateLimited(fresh.post("/v1/topics/big", JSON, "\"after-big\""));

            // A bucket that is not full does not admit it.
            assertEquals(202, used.post("/v1/topics/big", JSON, twoKib).status());
            final int waitUsed = assertRateLimited(used.post("/v1/topics/big", JSON, sixKib));

            // After the advertised wait, both go through.
            Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(wait, waitUsed)));
            assertEquals(202, fresh.post("/v1/topics/big", JSON, "\"after-big\"").status());
            assertEquals(202, used.post("/v1/topics/big", JSON, sixKib).status());

            final List<JsonNode> messages = subscriber.nextMessages(4);
            assertEquals(sixKib, messages.get(0).get("payload").toString());
            assertEquals(twoKib, messages.get(1).get("payload").toString());
            assertEquals("after-big", messages.get(2).get("payload").asText());
            assertEquals(sixKib, messages.get(3).get("payload").toString());
            assertEquals(4, messages.get(3).get("seq").asLong(), "a refused message got a seq");
            assertEquals(2, gw.metrics().value("pulsar_rate_limited_total", "kind", "publish"));
        }
    }

    @Test
    void shouldLimitWebSocketConnectionAttemptsPerSecond() throws Exception
    {
        try (TestGateway gw = TestGateway.start(
            GatewayConfiguration.RATE_CONNECT_PROP_NAME, Integer.toString(CONNECT_RATE)))
        {
            // Rapid handshakes by java.net.http: a full bucket admits five, then they are refused with 429.
            final List<WsClient> open = new ArrayList<>();
            final List<Integer> statuses = new ArrayList<>();
            try
            {
                for (int i = 0; i < 2 * CONNECT_RATE; i++)
                {
                    try
                    {
                        open.add(gw.connect("topic=c"));
                        statuses.add(101);
                    }
                    catch (final ExecutionException ex)
                    {
                        assertTrue(ex.getCause() instanceof WebSocketHandshakeException, ex.toString());
                        statuses.add(((WebSocketHandshakeException)ex.getCause()).getResponse().statusCode());
                    }
                }
                assertEquals(List.of(101, 101, 101, 101, 101), statuses.subList(0, CONNECT_RATE), statuses.toString());
                final List<Integer> rest = statuses.subList(CONNECT_RATE, statuses.size());
                assertTrue(rest.contains(429), "no handshake was refused: " + statuses);
                assertTrue(rest.stream().allMatch(s -> s == 101 || s == 429), statuses.toString());
                final int refused = (int)rest.stream().filter(s -> s == 429).count();

                // A pipelined burst from another address, read by hand to see the problem and Retry-After.
                final List<RawWebSocket> burst = new ArrayList<>();
                int burstAccepted = 0;
                int burstRefused = 0;
                try
                {
                    for (int i = 0; i < 2 * CONNECT_RATE; i++)
                    {
                        burst.add(RawWebSocket.startFrom(InetAddress.getByName("127.0.0.2"), gw.gateway.port(),
                            "/v1/subscribe?topic=c"));
                    }
                    for (final RawWebSocket ws : burst)
                    {
                        ws.readHandshake();
                        if (ws.status == 101)
                        {
                            burstAccepted++;
                            continue;
                        }
                        assertEquals(429, ws.status, ws.body);
                        assertEquals("urn:pulsar-proxy:problem:rate-limited",
                            TestGateway.json(ws.body).path("type").asText());
                        assertTrue(Integer.parseInt(ws.headers.get("retry-after")) >= 1, ws.headers.toString());
                        burstRefused++;
                    }
                    assertEquals(2 * CONNECT_RATE, burstAccepted + burstRefused);
                    assertTrue(burstAccepted >= CONNECT_RATE, "a full bucket admits " + CONNECT_RATE);
                    assertTrue(burstRefused >= 1, "no handshake of the burst was refused");
                    final MetricsScrape metrics = gw.metrics();
                    assertEquals(refused + burstRefused, metrics.value("pulsar_rate_limited_total", "kind", "connect"));
                    assertEquals(open.size() + burstAccepted, metrics.value("pulsar_connections"));
                }
                finally
                {
                    for (final RawWebSocket ws : burst)
                    {
                        ws.close();
                    }
                }
            }
            finally
            {
                for (final WsClient ws : open)
                {
                    ws.close();
                }
            }
        }
    }

    private static void count(
        final RawHttpConnection.Response reply, final AtomicInteger accepted, final AtomicInteger limited,
        final ConcurrentLinkedQueue<String> errors)
    {
        if (reply.status() == 202)
        {
            accepted.incrementAndGet();
            return;
        }
        if (reply.status() != 429)
        {
            errors.add(reply.status() + " " + reply.body());
            return;
        }
        limited.incrementAndGet();
        final JsonNode problem = TestGateway.json(reply.body());
        if (!"urn:pulsar-proxy:problem:rate-limited".equals(problem.path("type").asText()))
        {
            errors.add("429 with " + reply.body());
        }
        final String retryAfter = reply.header("Retry-After");
        if (retryAfter == null || Integer.parseInt(retryAfter) < 1)
        {
            errors.add("429 with Retry-After " + retryAfter);
        }
    }

    /**
     * Checks a 429 rate-limited problem and returns its Retry-After in seconds.
     */
    private static int assertRateLimited(final RawHttpConnection.Response reply)
    {
        assertEquals(429, reply.status(), reply.body());
        final JsonNode problem = TestGateway.json(reply.body());
        assertEquals("urn:pulsar-proxy:problem:rate-limited", problem.path("type").asText(), reply.body());
        assertEquals(429, problem.path("status").asInt());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.headers().toString());
        final int retryAfter = Integer.parseInt(reply.header("Retry-After"));
        assertTrue(retryAfter >= 1, "Retry-After " + retryAfter);
        return retryAfter;
    }

    /**
     * Reads messages until each topic's {@code "sentinel"} payload; returns the messages before it per topic, and
     * checks each topic's seqs are 1, 2, 3... with the sentinel last.
     */
    private static int[] countUntilSentinels(final WsClient subscriber, final String... topics)
        throws InterruptedException
    {
        final int[] counts = new int[topics.length];
        final boolean[] done = new boolean[topics.length];
        int remaining = topics.length;
        while (remaining > 0)
        {
            final JsonNode message = subscriber.nextMessage();
            final int t = List.of(topics).indexOf(message.get("topic").asText());
            assertTrue(t >= 0 && !done[t], message.toString());
            assertEquals(counts[t] + 1, message.get("seq").asLong(), message.toString());
            if ("sentinel".equals(message.get("payload").asText()))
            {
                done[t] = true;
                remaining--;
            }
            else
            {
                counts[t]++;
            }
        }
        return counts;
    }

    /**
     * A JSON string payload of exactly {@code bytes} bytes, quotes included.
     */
    private static String payload(final int bytes)
    {
        return "\"" + "x".repeat(bytes - 2) + "\"";
    }
}
