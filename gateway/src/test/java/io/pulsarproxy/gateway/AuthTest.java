package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JWT authentication and authorization against a running gateway with real clients: every way a token can be
 * missing or wrong is refused with 401 on every endpoint that takes one (single and batch publish, WebSocket
 * handshake by header and by query parameter, SSE) and publishes nothing; topics outside the claims are refused
 * with 403 or a {@code forbidden} error frame; good HS256, RS256 and ES256 tokens work end to end; expiring tokens
 * close their WebSocket with 4401 and end their SSE stream.
 */
class AuthTest
{
    private static final String JSON = "application/json";
    private static final String[] HS256 = {
        GatewayConfiguration.JWT_SECRET_PROP_NAME, TestTokens.SECRET,
        GatewayConfiguration.JWT_CLOCK_SKEW_PROP_NAME, "0"};

    @TempDir
    Path dir;

    @Test
    void shouldRefuseMissingAndInvalidTokensOnEveryEndpointAndPublishNothing() throws Exception
    {
        final String good = TestTokens.token("alice", List.of("open"), List.of("open"));
        final long now = System.currentTimeMillis();
        final Map<String, String> invalid = new LinkedHashMap<>();
        invalid.put("bad signature", TestTokens.hs256(TestTokens.OTHER_SECRET,
            TestTokens.claims("alice", List.of("open"), List.of("open")).build()));
        invalid.put("tampered claims", tamper(good, TestTokens.claims("alice", List.of(">"), List.of(">")).build()));
        invalid.put("RS256 against HS256", TestTokens.rs256(TestTokens.rsaKey("rsa-1"),
            TestTokens.claims("alice", List.of("open"), List.of("open")).build()));
        invalid.put("alg none", TestTokens.none(aliceClaims().build()));
        invalid.put("expired", TestTokens.hs256(TestTokens.SECRET,
            aliceClaims().expirationTime(new Date(now - 5_000)).build()));
        invalid.put("not yet valid", TestTokens.hs256(TestTokens.SECRET,
            aliceClaims().notBeforeTime(new Date(now + 600_000)).build()));
        invalid.put("malformed", "not-a-jwt");
        invalid.put("malformed three parts", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln");

        try (TestGateway gw = TestGateway.start(HS256);
            WsClient subscriber = gw.connectWithHeaders("topic=open", "Authorization", "Bearer " + good))
        {
            assertEquals("subscribed", subscriber.nextControl().path("type").asText());

            final int missingAttempts = assertRefusedEverywhere(gw, null, "missing-token", "invalid_request");
            int invalidAttempts = 0;
            for (final Map.Entry<String, String> entry : invalid.entrySet())
            {
                invalidAttempts += assertRefusedEverywhere(gw, entry.getValue(), "invalid-token", "invalid_token");
            }
            final MetricsScrape metrics = gw.metrics();
            assertEquals(missingAttempts, metrics.value("pulsar_auth_failures_total", "reason", "missing_token"));
            assertEquals(invalidAttempts, metrics.value("pulsar_auth_failures_total", "reason", "invalid_token"));
            assertEquals(0, metrics.value("pulsar_ingest_requests_total"), "a refused request reached ingest");

            // Nothing was published: the first message the subscriber gets is the sentinel, with seq 1.
            assertEquals(202, gw.publishAs(good, "open", "\"sentinel\"").statusCode());
            final JsonNode message = subscriber.nextMessage();
            assertEquals("open", message.get("topic").asText());
            assertEquals(1, message.get("seq").asLong());
            assertEquals("sentinel", message.get("payload").asText());
            assertEquals(1, gw.metrics().value("pulsar_connections"), "a refused handshake left a connection");
        }
    }

    private static JWTClaimsSet.Builder aliceClaims()
    {
        return TestTokens.claims("alice", List.of("open"), List.of("open"));
    }

    /**
     * Sends the token (none when null) to every endpoint that needs one and checks each refuses it with 401 and the
     * problem code; returns how many requests were refused.
     */
    private static int assertRefusedEverywhere(
        final TestGateway gw, final String token, final String code, final String error) throws Exception
    {
        final String context = token == null ? "no token" : token;
        assertUnauthorized(gw.publishAs(token, "open", "1"), code, error, "/v1/topics/open", context);
        assertUnauthorized(gw.postAs(token, "/v1/publish", JSON, "[{\"topic\":\"open\",\"payload\":1}]"),
            code, error, "/v1/publish", context);
        assertUnauthorized(gw.postAs(token, "/v1/publish", "application/x-ndjson",
            "{\"topic\":\"open\",\"payload\":1}\n"), code, error, "/v1/publish", context);
        assertUnauthorized(gw.getAs(token, "/v1/topics/open/events"), code, error, "/v1/topics/open/events",
            context);
        assertUnauthorized(gw.get("/v1/topics/open/events" + (token == null ? "" : "?token=" + token)),
            code, error, "/v1/topics/open/events", context);

        // The WebSocket handshake, by a raw client that reads the refusal's body ...
        try (RawWebSocket raw = token == null ?
            RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=open") :
            RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=open", "Authorization", "Bearer " + token))
        {
            assertEquals(401, raw.status, context + " " + raw.body);
            assertEquals("Bearer error=\"" + error + "\"", raw.headers.get("www-authenticate"), context);
            final JsonNode problem = TestGateway.json(raw.body);
            assertEquals("urn:pulsar-proxy:problem:" + code, problem.path("type").asText(), context);
        }
        // ... and by java.net.http, with the header and with the query parameter.
        if (token != null)
        {
            assertEquals(401, handshakeStatus(gw, "topic=open", "Authorization", "Bearer " + token), context);
            assertEquals(401, handshakeStatus(gw, "topic=open&token=" + token), context);
            return 8;
        }
        assertEquals(401, handshakeStatus(gw, "topic=open"), context);
        return 7;
    }

    @Test
    void shouldRefusePublishingOutsideTheClaimsAndPublishNothingOfTheBatch() throws Exception
    {
        final String orders = TestTokens.hs256(TestTokens.SECRET,
            TestTokens.claims("orders-writer", List.of("orders.>"), List.of()).build());
        final String admin = TestTokens.token("admin", List.of(">"), List.of(">"));
        try (TestGateway gw = TestGateway.start(HS256);
            WsClient watcher = gw.connectWithHeaders("topic=%3E", "Authorization", "Bearer " + admin))
        {
            assertEquals("subscribed", watcher.nextControl().path("type").asText());

            assertProblem(gw.publishAs(orders, "trades.x", "1"), 403, "forbidden", "/v1/topics/trades.x", -1);
            assertProblem(gw.publishAs(orders, "orders", "1"), 403, "forbidden", "/v1/topics/orders", -1);
            assertProblem(gw.postAs(orders, "/v1/publish", JSON,
                "[{\"topic\":\"orders.eu\",\"payload\":1},{\"topic\":\"trades.x\",\"payload\":2}," +
                    "{\"topic\":\"orders.us\",\"payload\":3}]"), 403, "forbidden", "/v1/publish", 1);
            assertProblem(gw.postAs(orders, "/v1/publish", "application/x-ndjson",
                "{\"topic\":\"orders.eu\",\"payload\":1}\n{\"topic\":\"orders.eu.paris\",\"payload\":2}\n" +
                    "{\"topic\":\"other\",\"payload\":3}\n"), 403, "forbidden", "/v1/publish", 2);
            final MetricsScrape metrics = gw.metrics();
            assertEquals(4, metrics.value("pulsar_auth_failures_total", "reason", "forbidden_publish"));
            assertEquals(4, metrics.value("pulsar_ingest_rejected_total", "reason", "forbidden"));

            // Allowed: the sentinels are the first messages of their topics, so nothing of the refused batches got in.
            assertEquals(202, gw.publishAs(orders, "orders.eu", "\"s1\"").statusCode());
            assertEquals(202, gw.publishAs(admin, "trades.x", "\"s2\"").statusCode());
            final HttpResponse<String> batch = gw.postAs(orders, "/v1/publish", JSON,
                "[{\"topic\":\"orders.us\",\"payload\":\"s3\"},{\"topic\":\"orders.eu.paris\",\"payload\":\"s4\"}]");
            assertEquals(202, batch.statusCode(), batch.body());
            assertMessage(watcher.nextMessage(), "orders.eu", 1, "s1");
            assertMessage(watcher.nextMessage(), "trades.x", 1, "s2");
            assertMessage(watcher.nextMessage(), "orders.us", 1, "s3");
            assertMessage(watcher.nextMessage(), "orders.eu.paris", 1, "s4");
            final JsonNode topics = TestGateway.json(gw.getAs(admin, "/v1/topics").body()).path("topics");
            assertEquals(4, topics.size(), topics.toString());
            for (final JsonNode topic : topics)
            {
                assertEquals(1, topic.path("seq").asLong(), topic.toString());
            }
        }
    }

    @Test
    void shouldRefuseSubscriptionsOutsideTheClaimsWithAnErrorFrameAndKeepTheConnectionUsable() throws Exception
    {
        final String token = TestTokens.hs256(TestTokens.SECRET,
            TestTokens.claims("reader", List.of("orders.>"), List.of("orders.>")).build());
        // A short SSE heartbeat: a stream whose client has gone is noticed when a write to it fails.
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_SECRET_PROP_NAME, TestTokens.SECRET,
            GatewayConfiguration.SSE_HEARTBEAT_PROP_NAME, "200");
            WsClient ws = gw.connectWithHeaders("topic=trades.x&topic=orders.eu", "Authorization", "Bearer " + token))
        {
            final Set<String> first = new HashSet<>();
            for (int i = 0; i < 2; i++)
            {
                final JsonNode control = ws.nextControl();
                if ("error".equals(control.path("type").asText()))
                {
                    assertForbidden(control, "trades.x");
                }
                first.add(control.path("type").asText() + ":" + control.path("topic").asText());
            }
            assertEquals(Set.of("error:trades.x", "subscribed:orders.eu"), first);

            // A claim of orders.> covers orders.* and orders.> but not > (everything), *.eu or another tree.
            for (final String topic : List.of(">", "trades.x", "*.eu", "*", "orders"))
            {
                ws.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}");
                assertForbidden(ws.nextControl(), topic);
            }
            for (final String pattern : List.of("orders.*", "orders.>"))
            {
                ws.send("{\"op\":\"subscribe\",\"topic\":\"" + pattern + "\"}");
                final JsonNode subscribed = ws.nextControl();
                assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
                assertEquals(pattern, subscribed.path("topic").asText());
                assertTrue(subscribed.path("pattern").asBoolean(), subscribed.toString());
            }
            ws.send("{\"op\":\"subscribe\",\"topic\":\"orders.us\"}");
            assertEquals("subscribed", ws.nextControl().path("type").asText());

            assertEquals(202, gw.publishAs(token, "orders.eu", "\"eu\"").statusCode());
            assertEquals(202, gw.publishAs(token, "orders.us.west", "\"us-west\"").statusCode());
            assertMessage(ws.nextMessage(), "orders.eu", 1, "eu");
            assertMessage(ws.nextMessage(), "orders.us.west", 1, "us-west");
            ws.ping();
            assertTrue(ws.messages.isEmpty(), "delivered more than once: " + ws.messages);

            // SSE: a topic or pattern outside the claims is a 403 problem; one inside streams.
            assertProblem(gw.getAs(token, "/v1/topics/trades.x/events"), 403, "forbidden",
                "/v1/topics/trades.x/events", -1);
            assertProblem(gw.getAs(token, "/v1/topics/%3E/events"), 403, "forbidden", "/v1/topics/>/events", -1);
            assertProblem(gw.get("/v1/topics/*.eu/events?token=" + token), 403, "forbidden",
                "/v1/topics/*.eu/events", -1);
            try (SseTest.SseStream stream = SseTest.SseStream.open(gw, "/v1/topics/orders.*/events?token=" + token,
                null))
            {
                assertEquals("subscribed", stream.next().event());
            }

            // 6 refused WebSocket subscriptions and 3 refused SSE requests.
            assertEquals(6 + 3, gw.metrics().value("pulsar_auth_failures_total", "reason", "forbidden_subscribe"));
            assertEquals(1, awaitMetric(gw, "pulsar_connections", 1), "the SSE stream was not closed");
        }
    }

    @Test
    void shouldAcceptGoodHs256Rs256AndEs256TokensEndToEndAndRefuseTheOtherAlgorithms() throws Exception
    {
        final JWTClaimsSet claims = TestTokens.claims("svc", List.of("alg.>"), List.of("alg.>")).build();

        try (TestGateway gw = TestGateway.start(HS256))
        {
            assertRoundTrip(gw, TestTokens.hs256(TestTokens.SECRET, claims), "alg.hs");
            // A single configured key verifies whatever key id the token names.
            final String withKeyId = TestTokens.hs256(TestTokens.SECRET, "key-7", claims);
            assertEquals(202, gw.publishAs(withKeyId, "alg.hs", "1").statusCode());
            assertInvalid(gw, TestTokens.rs256(TestTokens.rsaKey("rsa"), claims));
            assertInvalid(gw, TestTokens.es256(TestTokens.ecKey("ec"), claims));
            assertInvalid(gw, TestTokens.none(claims));
        }

        final RSAKey rsa = TestTokens.rsaKey("rsa-1");
        final Path pem = TestTokens.writePem(dir, rsa);
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_PUBLIC_KEY_PROP_NAME, pem.toString()))
        {
            assertRoundTrip(gw, TestTokens.rs256(rsa, claims), "alg.rs");
            assertEquals(202, gw.publishAs(TestTokens.rs256(new RSAKey.Builder(rsa).keyID(null).build(), claims),
                "alg.rs", "1").statusCode(), "a token without kid");
            // Algorithm confusion: HS256 keyed with the public key the gateway knows.
            assertInvalid(gw, TestTokens.hs256(Files.readAllBytes(pem), claims));
            assertInvalid(gw, TestTokens.hs256(TestTokens.SECRET, claims));
            assertInvalid(gw, TestTokens.rs256(TestTokens.rsaKey("rsa-1"), claims));
            assertInvalid(gw, TestTokens.none(claims));
        }

        final ECKey ec = TestTokens.ecKey("ec-1");
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_PUBLIC_KEY_PROP_NAME,
            TestTokens.writePem(dir, ec).toString()))
        {
            // An EC P-256 PEM key verifies ES256 tokens.
            assertEquals(202, gw.publishAs(TestTokens.es256(ec, claims), "alg.ec", "1").statusCode());
            assertInvalid(gw, TestTokens.es256(TestTokens.ecKey("ec-1"), claims));
            assertInvalid(gw, TestTokens.rs256(rsa, claims));
        }

        final Path jwks = TestTokens.writeJwks(dir, ec, TestTokens.ecKey("ec-2"));
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.JWT_JWKS_PROP_NAME, jwks.toString()))
        {
            assertRoundTrip(gw, TestTokens.es256(ec, claims), "alg.es");
            assertInvalid(gw, TestTokens.es256(TestTokens.ecKey("ec-1"), claims));
            assertInvalid(gw, TestTokens.rs256(rsa, claims));
            assertInvalid(gw, TestTokens.hs256(TestTokens.SECRET, claims));
            assertInvalid(gw, TestTokens.none(claims));
        }
    }

    private static void assertRoundTrip(final TestGateway gw, final String token, final String topic) throws Exception
    {
        try (WsClient byHeader = gw.connectWithHeaders("topic=" + topic, "Authorization", "Bearer " + token);
            WsClient byQuery = gw.connect("topic=" + topic + "&token=" + token))
        {
            assertEquals("subscribed", byHeader.nextControl().path("type").asText());
            assertEquals("subscribed", byQuery.nextControl().path("type").asText());
            final HttpResponse<String> single = gw.publishAs(token, topic, "{\"via\":\"single\"}");
            assertEquals(202, single.statusCode(), single.body());
            final HttpResponse<String> batch = gw.postAs(token, "/v1/publish", JSON,
                "[{\"topic\":\"" + topic + "\",\"payload\":{\"via\":\"batch\"}}]");
            assertEquals(202, batch.statusCode(), batch.body());
            for (final WsClient ws : List.of(byHeader, byQuery))
            {
                assertEquals("{\"via\":\"single\"}", ws.nextMessage().get("payload").toString());
                assertEquals("{\"via\":\"batch\"}", ws.nextMessage().get("payload").toString());
            }
        }
    }

    private static void assertInvalid(final TestGateway gw, final String token) throws Exception
    {
        assertUnauthorized(gw.publishAs(token, "alg.x", "1"), "invalid-token", "invalid_token", "/v1/topics/alg.x",
            token);
        assertEquals(401, handshakeStatus(gw, "topic=alg.x&token=" + token), token);
    }

    @Test
    void shouldCloseAWebSocketWhoseTokenExpiresWith4401() throws Exception
    {
        final String token = expiringToken();
        try (TestGateway gw = TestGateway.start(HS256);
            WsClient ws = gw.connectWithHeaders("topic=ticking", "Authorization", "Bearer " + token))
        {
            assertEquals("subscribed", ws.nextControl().path("type").asText());
            assertEquals(202, gw.publishAs(token, "ticking", "1").statusCode());
            assertEquals(1, ws.nextMessage().get("seq").asLong());

            assertEquals(4401, ws.awaitClose());
            assertEquals("token expired", ws.closeReason);
            assertEquals(1, awaitMetric(gw, "pulsar_connections_closed_total", 1, "reason", "token_expired"));
            assertEquals(0, awaitMetric(gw, "pulsar_connections", 0));
            // The same token is now refused outright, although it was verified (and cached) before.
            assertEquals(401, handshakeStatus(gw, "topic=ticking&token=" + token));
            assertUnauthorized(gw.publishAs(token, "ticking", "2"), "invalid-token", "invalid_token",
                "/v1/topics/ticking", token);
        }
    }

    @Test
    void shouldEndAnSseStreamWhoseTokenExpiresWithAnErrorEvent() throws Exception
    {
        final String token = expiringToken();
        try (TestGateway gw = TestGateway.start(HS256);
            SseTest.SseStream stream = SseTest.SseStream.open(gw, "/v1/topics/ticking/events?token=" + token, null))
        {
            assertEquals("subscribed", stream.next().event());
            assertEquals(202, gw.publishAs(token, "ticking", "1").statusCode());
            final SseTest.Event message = stream.next();
            assertEquals("1", message.id());
            final SseTest.Event error = stream.next();
            assertEquals("error", error.event());
            assertEquals("token-expired", TestGateway.json(error.data()).path("code").asText(), error.data());
            assertTrue(stream.awaitEnd(), "the stream did not end");
            assertEquals(1, awaitMetric(gw, "pulsar_connections_closed_total", 1, "reason", "token_expired"));
            assertEquals(0, awaitMetric(gw, "pulsar_connections", 0));
        }
    }

    /**
     * A token that may publish and subscribe {@code ticking} and expires two to three seconds from now.
     */
    private static String expiringToken()
    {
        final long exp = (System.currentTimeMillis() / 1000 + 3) * 1000;
        return TestTokens.hs256(TestTokens.SECRET, TestTokens.claims("ticker", List.of("ticking"), List.of("ticking"))
            .expirationTime(new Date(exp)).build());
    }

    @Test
    void shouldFailConfigurationWithATooShortSecretOrAnUnusableKey() throws Exception
    {
        final ConfigException shortSecret = assertThrows(ConfigException.class, () -> GatewayConfiguration.load(
            TestGateway.properties(GatewayConfiguration.JWT_SECRET_PROP_NAME, "0123456789abcdef0123456789abcde")));
        assertTrue(shortSecret.getMessage().contains(GatewayConfiguration.JWT_SECRET_PROP_NAME),
            shortSecret.getMessage());
        assertFalse(shortSecret.getMessage().contains("0123456789abcdef"), "the secret leaked into the message");

        final Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key", StandardCharsets.US_ASCII);
        final ConfigException badKey = assertThrows(ConfigException.class, () -> GatewayConfiguration.load(
            TestGateway.properties(GatewayConfiguration.JWT_PUBLIC_KEY_PROP_NAME, garbage.toString())));
        assertTrue(badKey.getMessage().contains(GatewayConfiguration.JWT_PUBLIC_KEY_PROP_NAME), badKey.getMessage());

        final ConfigException twoKeys = assertThrows(ConfigException.class, () -> GatewayConfiguration.load(
            TestGateway.properties(GatewayConfiguration.JWT_SECRET_PROP_NAME, TestTokens.SECRET,
                GatewayConfiguration.JWT_JWKS_PROP_NAME, garbage.toString())));
        assertTrue(twoKeys.getMessage().contains(GatewayConfiguration.JWT_JWKS_PROP_NAME), twoKeys.getMessage());

        // 32 bytes is enough.
        GatewayConfiguration.load(TestGateway.properties(GatewayConfiguration.JWT_SECRET_PROP_NAME,
            "0123456789abcdef0123456789abcdef"));
    }

    @Test
    void shouldRequireATokenForTopicStatisticsButNotForHealthReadinessOrMetrics() throws Exception
    {
        final String token = TestTokens.token("ops", List.of(), List.of());
        try (TestGateway gw = TestGateway.start(HS256))
        {
            assertUnauthorized(gw.get("/v1/topics"), "missing-token", "invalid_request", "/v1/topics", "no token");
            assertUnauthorized(gw.get("/v1/topics/x"), "missing-token", "invalid_request", "/v1/topics/x", "no token");
            assertUnauthorized(gw.getAs("not-a-jwt", "/v1/topics"), "invalid-token", "invalid_token", "/v1/topics",
                "bad token");
            final HttpResponse<String> topics = gw.getAs(token, "/v1/topics");
            assertEquals(200, topics.statusCode(), topics.body());
            assertEquals(TestGateway.json("{\"topics\":[],\"total\":0}"), TestGateway.json(topics.body()));

            assertEquals(200, gw.get("/healthz").statusCode());
            assertEquals(200, gw.get("/readyz").statusCode());
            final HttpResponse<String> metrics = gw.get("/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("pulsar_auth_failures_total"), "not the metrics page");
        }
    }

    /**
     * Replaces a signed token's claims and keeps its header and signature.
     */
    private static String tamper(final String token, final JWTClaimsSet claims)
    {
        final String[] parts = token.split("\\.");
        return parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
            .encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

    /**
     * The status of a WebSocket handshake by java.net.http: 101 when it connects (then closed), else the refusal's.
     */
    static int handshakeStatus(final TestGateway gw, final String query, final String... headers) throws Exception
    {
        final WsClient ws;
        try
        {
            ws = gw.connectWithHeaders(query, headers);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof WebSocketHandshakeException)
            {
                return ((WebSocketHandshakeException)ex.getCause()).getResponse().statusCode();
            }
            throw ex;
        }
        ws.close();
        return 101;
    }

    /**
     * Scrapes until the metric has the value (or 20 s pass) and returns its last value.
     */
    static double awaitMetric(final TestGateway gw, final String name, final double expected, final String... labels)
        throws Exception
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        double value = gw.metrics().value(name, labels);
        while (value != expected && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
            value = gw.metrics().value(name, labels);
        }
        return value;
    }

    private static void assertForbidden(final JsonNode control, final String topic)
    {
        assertEquals("error", control.path("type").asText(), control.toString());
        assertEquals("forbidden", control.path("code").asText(), control.toString());
        assertEquals("subscribe", control.path("op").asText(), control.toString());
        assertEquals(topic, control.path("topic").asText(), control.toString());
    }

    private static void assertMessage(final JsonNode message, final String topic, final long seq, final String payload)
    {
        assertEquals(topic, message.path("topic").asText(), message.toString());
        assertEquals(seq, message.path("seq").asLong(), message.toString());
        assertEquals(payload, message.path("payload").asText(), message.toString());
    }

    private static void assertUnauthorized(
        final HttpResponse<String> response, final String code, final String error, final String instance,
        final String context)
    {
        assertProblem(response, 401, code, instance, -1);
        assertEquals("Bearer error=\"" + error + "\"", response.headers().firstValue("WWW-Authenticate").orElse(""),
            context);
    }

    static void assertProblem(
        final HttpResponse<String> response, final int status, final String code, final String instance,
        final int index)
    {
        final String context = response.request().method() + " " + response.uri() + " -> " + response.statusCode() +
            " " + response.body();
        assertEquals(status, response.statusCode(), context);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
            context);
        final JsonNode problem = TestGateway.json(response.body());
        assertEquals("urn:pulsar-proxy:problem:" + code, problem.path("type").asText(), context);
        assertEquals(status, problem.path("status").asInt(), context);
        assertFalse(problem.path("detail").asText().isBlank(), context);
        assertEquals(instance, problem.path("instance").asText(), context);
        if (index < 0)
        {
            assertTrue(problem.path("index").isMissingNode(), context);
        }
        else
        {
            assertEquals(index, problem.path("index").asInt(-1), context);
        }
    }
}
