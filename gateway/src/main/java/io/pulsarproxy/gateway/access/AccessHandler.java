package io.pulsarproxy.gateway.access;

import io.pulsarproxy.delivery.SubscriptionGrant;
import io.pulsarproxy.ingest.Problem;
import io.pulsarproxy.ingest.PublishGrant;
import io.pulsarproxy.ingest.PublishHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.util.Deque;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authenticates a request before its handler: reads the bearer token ({@code Authorization: Bearer ...}, or the
 * {@code token} query parameter, which browsers' WebSocket and EventSource need), verifies it, and leaves the
 * {@link Grant} on the exchange for the publish or subscribe handler to check topics against. For subscriber
 * endpoints it also applies the connection-attempt rate limit and, for WebSocket upgrades, the Origin allow-list.
 * <p>
 * Refusals are problem details: 401 without a valid token (with {@code WWW-Authenticate}), 403 for a disallowed
 * Origin, 429 over the connection rate.
 */
public final class AccessHandler implements HttpHandler
{
    private final HttpHandler next;
    private final TokenVerifier verifier;
    private final RateLimiter limiter;
    private final boolean subscriber;
    private final Set<String> allowedOrigins;
    private final AccessCounters counters;

    private AccessHandler(
        final HttpHandler next,
        final TokenVerifier verifier,
        final RateLimiter limiter,
        final boolean subscriber,
        final Set<String> allowedOrigins,
        final AccessCounters counters)
    {
        this.next = next;
        this.verifier = verifier;
        this.limiter = limiter;
        this.subscriber = subscriber;
        this.allowedOrigins = allowedOrigins;
        this.counters = counters;
    }

    /**
     * Guards a publish endpoint.
     *
     * @param next     the publish handler.
     * @param verifier the token verifier, or null when auth is off.
     * @param counters counters to update.
     * @return the guarded handler.
     */
    public static HttpHandler publisher(final HttpHandler next, final TokenVerifier verifier,
        final AccessCounters counters)
    {
        return verifier == null ? next : new AccessHandler(next, verifier, null, false, Set.of(), counters);
    }

    /**
     * Guards a subscriber endpoint (WebSocket handshake or SSE).
     *
     * @param next           the endpoint.
     * @param verifier       the token verifier, or null when auth is off.
     * @param limiter        connection-attempt limits.
     * @param allowedOrigins Origins a browser WebSocket may come from; empty for any.
     * @param counters       counters to update.
     * @return the guarded handler.
     */
    public static HttpHandler subscriber(final HttpHandler next, final TokenVerifier verifier,
        final RateLimiter limiter, final Set<String> allowedOrigins, final AccessCounters counters)
    {
        return new AccessHandler(next, verifier, limiter, true, allowedOrigins, counters);
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (subscriber && !allowedOrigins.isEmpty() && exchange.getRequestHeaders().contains(Headers.UPGRADE))
        {
            // Browsers always send Origin, and cross-site WebSocket hijacking comes from browsers; a client that
            // sends none (a service) is not a browser page and is let through to authentication.
            final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
            if (origin != null && !allowedOrigins.contains(origin))
            {
                counters.originRefused.incrementAndGet();
                Problem.send(exchange, 403, "origin-not-allowed", "Origin not allowed",
                    "WebSocket connections from origin " + origin + " are not allowed");
                return;
            }
        }
        Grant grant = null;
        if (verifier != null)
        {
            final String token = token(exchange);
            if (token == null)
            {
                unauthorized(exchange, "missing-token", "no bearer token: send Authorization: Bearer <jwt>" +
                    (subscriber ? " or ?token=<jwt>" : ""), "invalid_request");
                return;
            }
            try
            {
                grant = verifier.verify(token);
            }
            catch (final TokenVerifier.InvalidTokenException ex)
            {
                unauthorized(exchange, "invalid-token", "invalid token: " + ex.getMessage(), "invalid_token");
                return;
            }
            exchange.putAttachment(PublishGrant.ATTACHMENT, grant);
            exchange.putAttachment(SubscriptionGrant.ATTACHMENT, grant);
        }
        if (subscriber && limiter != null)
        {
            final long wait = limiter.tryConnect(PublishHandler.callerKey(exchange));
            if (wait > 0)
            {
                counters.connectRateLimited.incrementAndGet();
                final int retryAfter = (int)Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
                Problem.send(exchange, 429, "rate-limited", "Too many requests",
                    "this caller's connection rate limit is reached; retry after " + retryAfter + " s", -1,
                    retryAfter);
                return;
            }
        }
        next.handleRequest(exchange);
    }

    private void unauthorized(
        final HttpServerExchange exchange, final String code, final String detail, final String error)
    {
        (code.equals("missing-token") ? counters.missingToken : counters.invalidToken).incrementAndGet();
        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer error=\"" + error + "\"");
        Problem.send(exchange, 401, code, "Unauthorized", detail);
    }

    private static String token(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            final String token = header.substring(7).trim();
            return token.isEmpty() ? null : token;
        }
        final Deque<String> query = exchange.getQueryParameters().get("token");
        return query == null || query.isEmpty() || query.peekFirst().isEmpty() ? null : query.peekFirst();
    }

    /**
     * Counters of refused credentials, for metrics.
     */
    public static final class AccessCounters
    {
        final AtomicLong missingToken = new AtomicLong();
        final AtomicLong invalidToken = new AtomicLong();
        final AtomicLong originRefused = new AtomicLong();
        final AtomicLong connectRateLimited = new AtomicLong();

        /**
         * Requests without a token while auth is on.
         *
         * @return the count since start.
         */
        public long missingToken()
        {
            return missingToken.get();
        }

        /**
         * Requests with a token that failed verification.
         *
         * @return the count since start.
         */
        public long invalidToken()
        {
            return invalidToken.get();
        }

        /**
         * WebSocket upgrades refused for their Origin.
         *
         * @return the count since start.
         */
        public long originRefused()
        {
            return originRefused.get();
        }

        /**
         * Subscriber connections refused by the connection rate limit.
         *
         * @return the count since start.
         */
        public long connectRateLimited()
        {
            return connectRateLimited.get();
        }
    }
}
