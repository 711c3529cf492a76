package io.pulsarproxy.ingest;

import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.nio.ByteBuffer;

/**
 * Sends RFC 9457 problem details ({@code application/problem+json}).
 * <p>
 * Every error the gateway answers over HTTP goes through here, so each has a stable {@code type} a client can
 * switch on ({@code urn:pulsar-proxy:problem:<code>}), a {@code title}, the {@code status}, a {@code detail} in
 * words, the {@code instance} path and, for a bad batch element, its zero-based {@code index}.
 */
public final class Problem
{
    /** Media type of problem details. */
    public static final String CONTENT_TYPE = "application/problem+json";
    /** Prefix of every problem type. */
    public static final String TYPE_PREFIX = "urn:pulsar-proxy:problem:";

    private static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private Problem()
    {
    }

    /**
     * Sends a problem and ends the exchange.
     *
     * @param exchange the exchange; must not have started its response.
     * @param status   the HTTP status.
     * @param code     the problem code, the last part of its type.
     * @param title    a short summary that does not change between occurrences.
     * @param detail   what went wrong this time.
     */
    public static void send(
        final HttpServerExchange exchange, final int status, final String code, final String title,
        final String detail)
    {
        send(exchange, status, code, title, detail, -1, 0);
    }

    /**
     * Sends a problem and ends the exchange.
     *
     * @param exchange          the exchange; must not have started its response.
     * @param status            the HTTP status.
     * @param code              the problem code, the last part of its type.
     * @param title             a short summary that does not change between occurrences.
     * @param detail            what went wrong this time.
     * @param index             the zero-based index of the bad batch element, or -1.
     * @param retryAfterSeconds a {@code Retry-After} value, or 0 for none.
     */
    public static void send(
        final HttpServerExchange exchange,
        final int status,
        final String code,
        final String title,
        final String detail,
        final int index,
        final int retryAfterSeconds)
    {
        final JsonWriter w = new JsonWriter(256)
            .raw("{\"type\":").string(TYPE_PREFIX + code)
            .raw(",\"title\":").string(title)
            .raw(",\"status\":").number(status)
            .raw(",\"detail\":").string(detail)
            .raw(",\"instance\":").string(exchange.getRequestPath());
        if (index >= 0)
        {
            w.raw(",\"index\":").number(index);
        }
        w.raw("}");

        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
        if (retryAfterSeconds > 0)
        {
            exchange.getResponseHeaders().put(RETRY_AFTER, retryAfterSeconds);
        }
        exchange.getResponseSender().send(ByteBuffer.wrap(w.buffer(), 0, w.length()));
    }
}
