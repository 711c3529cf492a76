package io.pulsarproxy.ingest;

import io.pulsarproxy.pipeline.EpochClock;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.TopicName;
import io.undertow.io.Receiver;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;

import org.xnio.XnioExecutor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/topics/{topic}} and {@code POST /v1/publish}: reads the body, validates all of it, claims one ring
 * slot per message in a single claim, copies the bytes in and publishes; the reply follows when the pipeline has
 * sequenced the messages (see {@link PublishReply}).
 * <p>
 * Nothing here blocks the IO thread: a full ring is answered at once with 503 and {@code Retry-After}.
 * Bad input of any kind is answered with problem details and nothing of the request is published.
 */
public final class PublishHandler implements HttpHandler
{
    private static final int SINGLE_BODY_SLACK = 4096;
    private static final Runnable STAY_OPEN = () ->
    {
    };

    private final Pipeline pipeline;
    private final IngestConfig config;
    private final boolean topicInPath;
    private final IngestCounters counters;
    private final PublishLimiter limiter;
    private final ThreadLocal<PublishParser> parsers;

    private PublishHandler(
        final Pipeline pipeline,
        final IngestConfig config,
        final boolean topicInPath,
        final IngestCounters counters,
        final PublishLimiter limiter)
    {
        this.pipeline = pipeline;
        this.config = config;
        this.topicInPath = topicInPath;
        this.counters = counters;
        this.limiter = limiter;
        // One parser per IO thread: they are few and long-lived, and a parser's arrays are reused.
        this.parsers = ThreadLocal.withInitial(() -> new PublishParser(config));
    }

    /**
     * The handler of {@code POST /v1/topics/{topic}}; the route must bind the path parameter {@code topic}.
     *
     * @param pipeline where messages go.
     * @param config   request limits.
     * @param counters counters to update.
     * @param limiter  the rate limit per caller.
     * @return the handler.
     */
    public static PublishHandler singleTopic(
        final Pipeline pipeline, final IngestConfig config, final IngestCounters counters,
        final PublishLimiter limiter)
    {
        return new PublishHandler(pipeline, config, true, counters, limiter);
    }

    /**
     * The handler of {@code POST /v1/publish}.
     *
     * @param pipeline where messages go.
     * @param config   request limits.
     * @param counters counters to update.
     * @param limiter  the rate limit per caller.
     * @return the handler.
     */
    public static PublishHandler batch(
        final Pipeline pipeline, final IngestConfig config, final IngestCounters counters,
        final PublishLimiter limiter)
    {
        return new PublishHandler(pipeline, config, false, counters, limiter);
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        counters.requests.incrementAndGet();
        final byte[] topic;
        if (topicInPath)
        {
            topic = pathTopic(exchange);
            if (topic == null)
            {
                return;
            }
        }
        else
        {
            topic = null;
        }

        final boolean ndjson;
        final String contentType = mediaType(exchange);
        if (contentType == null || isJson(contentType))
        {
            ndjson = false;
        }
        else if (!topicInPath && contentType.equals("application/x-ndjson"))
        {
            ndjson = true;
        }
        else
        {
            counters.invalid.incrementAndGet();
            Problem.send(exchange, 415, "unsupported-media-type", "Unsupported media type",
                "Content-Type " + contentType + " is not accepted; send application/json" +
                (topicInPath ? "" : " or application/x-ndjson"));
            return;
        }

        final long limit = topicInPath ? (long)config.maxPayloadBytes() + SINGLE_BODY_SLACK : config.maxBatchBytes();
        if (exchange.getRequestContentLength() > limit)
        {
            tooLarge(exchange, exchange.getRequestContentLength(), limit);
            return;
        }

        exchange.dispatch(SameThreadExecutor.INSTANCE, () ->
        {
            final long length = exchange.getRequestContentLength();
            if (length >= 0)
            {
                // Arms the body timeout itself, and only if the body is not there yet.
                BodyReader.read(exchange, (int)length, config.bodyTimeoutMillis(), counters,
                    (ex, body, bodyLength) -> onBody(ex, body, bodyLength, topic, ndjson),
                    (ex, error) -> onBodyError(ex, error, limit));
            }
            else
            {
                // A client that trickles its body (slowloris) holds a connection and a buffer: cut it off.
                final XnioExecutor.Key timeout = exchange.getIoThread().executeAfter(
                    () -> BodyReader.timedOut(exchange, counters), config.bodyTimeoutMillis(), TimeUnit.MILLISECONDS);
                final Receiver.FullBytesCallback received = (ex, body) ->
                {
                    timeout.remove();
                    onBody(ex, body, body.length, topic, ndjson);
                };
                final Receiver.ErrorCallback failed = (ex, error) ->
                {
                    timeout.remove();
                    onBodyError(ex, error, limit);
                };
                final Receiver receiver = exchange.getRequestReceiver();
                receiver.setMaxBufferSize((int)Math.min(limit, Integer.MAX_VALUE));
                receiver.receiveFullBytes(received, failed);
            }
        });
    }

    /**
     * Validates and publishes a body held in the first {@code length} bytes of {@code body}; the array is reused
     * once this returns, so everything published is copied out of it first.
     */
    private void onBody(
        final HttpServerExchange exchange, final byte[] body, final int length, final byte[] topic,
        final boolean ndjson)
    {
        counters.bytes.addAndGet(length);
        final PublishParser parser = parsers.get();
        final boolean valid = topic != null ? parser.parseSingle(body, length) :
            ndjson ? parser.parseNdjson(body, length) : parser.parseBatch(body, length);
        if (!valid)
        {
            counters.invalid.incrementAndGet();
            Problem.send(exchange, parser.status, parser.code, parser.title, parser.detail, parser.index, 0);
            return;
        }

        final int n = parser.count;
        if (!authorized(exchange, parser, body, topic) || !admitted(exchange, n, length))
        {
            return;
        }
        final long hi = pipeline.tryClaim(n);
        if (hi < 0)
        {
            counters.ringFull.incrementAndGet();
            Problem.send(exchange, 503, "ring-full", "Gateway busy",
                "the ingest ring has no room for " + n + " messages right now; retry shortly", -1, 1);
            return;
        }

        final PublishReply reply = new PublishReply(exchange, n, counters);
        final long lo = hi - n + 1;
        final long micros = EpochClock.micros();
        try
        {
            for (int i = 0; i < n; i++)
            {
                final byte[] topicSrc = topic != null ? topic : body;
                final int topicOffset = topic != null ? 0 : parser.topicOffset[i];
                final int topicLength = topic != null ? topic.length : parser.topicLength[i];
                pipeline.event(lo + i).setMessage(
                    topicSrc, topicOffset, topicLength,
                    body, parser.idOffset[i], parser.idLength[i],
                    body, parser.payloadOffset[i], parser.payloadLength[i],
                    micros, reply, i, i == n - 1);
            }
        }
        finally
        {
            // Claimed slots must be published whatever happens, or the ring stalls behind them.
            pipeline.publish(lo, hi);
        }
        // When the body arrived after the request line, Undertow runs this callback as a root handler and would end
        // the exchange (an empty 200) on return; marking it dispatched keeps it open for the reply from the pipeline.
        exchange.dispatch(SameThreadExecutor.INSTANCE, STAY_OPEN);
    }

    private boolean authorized(
        final HttpServerExchange exchange, final PublishParser parser, final byte[] body, final byte[] topic)
    {
        final PublishGrant grant = exchange.getAttachment(PublishGrant.ATTACHMENT);
        if (grant == null)
        {
            return true;
        }
        for (int i = 0; i < parser.count; i++)
        {
            final boolean allowed = topic != null ? grant.mayPublish(topic, 0, topic.length) :
                grant.mayPublish(body, parser.topicOffset[i], parser.topicLength[i]);
            if (!allowed)
            {
                counters.forbidden.incrementAndGet();
                final String name = topic != null ? new String(topic, StandardCharsets.US_ASCII) :
                    new String(body, parser.topicOffset[i], parser.topicLength[i], StandardCharsets.US_ASCII);
                Problem.send(exchange, 403, "forbidden", "Forbidden",
                    "the token does not allow publishing to " + name + "; nothing of this request was published",
                    topic != null ? -1 : i, 0);
                return false;
            }
        }
        return true;
    }

    private boolean admitted(final HttpServerExchange exchange, final int messages, final int bytes)
    {
        if (limiter == PublishLimiter.NONE)
        {
            return true;
        }
        final long waitNanos = limiter.tryAcquire(callerKey(exchange), messages, bytes);
        if (waitNanos <= 0)
        {
            return true;
        }
        counters.rateLimited.incrementAndGet();
        final int retryAfter = (int)Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        Problem.send(exchange, 429, "rate-limited", "Too many requests",
            "this caller's publish rate limit is reached; retry after " + retryAfter + " s", -1, retryAfter);
        return false;
    }

    /**
     * Who a request counts against: the token's subject, or the client's address when unauthenticated.
     *
     * @param exchange the request.
     * @return the key.
     */
    public static String callerKey(final HttpServerExchange exchange)
    {
        final PublishGrant grant = exchange.getAttachment(PublishGrant.ATTACHMENT);
        if (grant != null && grant.subject() != null)
        {
            return "sub:" + grant.subject();
        }
        return "addr:" + exchange.getSourceAddress().getAddress().getHostAddress();
    }

    private void onBodyError(final HttpServerExchange exchange, final IOException error, final long limit)
    {
        if (error instanceof Receiver.RequestToLargeException)
        {
            tooLarge(exchange, -1, limit);
            return;
        }
        // The client went away mid-body: there is nobody to answer, and nothing was published.
        counters.invalid.incrementAndGet();
        exchange.setStatusCode(400);
        exchange.endExchange();
    }

    private void tooLarge(final HttpServerExchange exchange, final long length, final long limit)
    {
        counters.invalid.incrementAndGet();
        final String size = length >= 0 ? "the body is " + length + " bytes; " : "";
        if (topicInPath)
        {
            Problem.send(exchange, 413, "payload-too-large", "Payload too large",
                size + "the payload limit is " + config.maxPayloadBytes() + " bytes");
        }
        else
        {
            Problem.send(exchange, 413, "batch-too-large", "Batch too large",
                size + "the request body limit is " + limit + " bytes");
        }
    }

    private byte[] pathTopic(final HttpServerExchange exchange)
    {
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        final String name = match == null ? null : match.getParameters().get("topic");
        final byte[] bytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        final int code = TopicName.validateTopic(bytes, 0, bytes.length);
        if (code != TopicName.VALID)
        {
            counters.invalid.incrementAndGet();
            Problem.send(exchange, 400, "invalid-topic", "Invalid topic", TopicName.describe(code));
            return null;
        }
        return bytes;
    }

    private static String mediaType(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (header == null)
        {
            return null;
        }
        final int semicolon = header.indexOf(';');
        return (semicolon >= 0 ? header.substring(0, semicolon) : header).trim().toLowerCase(Locale.ROOT);
    }

    private static boolean isJson(final String mediaType)
    {
        return mediaType.equals("application/json") ||
            (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }
}
