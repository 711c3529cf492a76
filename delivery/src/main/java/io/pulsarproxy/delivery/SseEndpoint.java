package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.MessageEvent;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.TopicName;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.channels.StreamSinkChannel;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events: {@code GET /v1/topics/{topic}/events} streams a topic (or a pattern) as {@code id: <seq>},
 * {@code event: message}, {@code data: <payload>}, resuming after {@code Last-Event-ID}; gaps come as
 * {@code event: gap}. Streams count toward {@code proxy.max.connections} with the WebSockets.
 * <p>
 * <b>Note:</b> the caller validates the topic and answers errors; {@link #open} never blocks.
 */
public final class SseEndpoint
{
    private static final Logger LOG = LoggerFactory.getLogger(SseEndpoint.class);
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    private static final HttpString X_ACCEL_BUFFERING = new HttpString("X-Accel-Buffering");
    private static final long DETACH_RETRY_MILLIS = 10;

    private final Pipeline pipeline;
    private final DeliveryConfig config;
    private final DeliveryCounters counters;
    private final Map<Executor, IoThreadFlusher> flushers;
    private final Set<SseSubscriber> streams = ConcurrentHashMap.newKeySet();

    /**
     * Creates the endpoint; it shares the connection count and counters of the WebSocket endpoint.
     *
     * @param pipeline  where subscriptions go.
     * @param config    limits, policy and heartbeat.
     * @param websocket the WebSocket endpoint whose counters and connection limit are shared.
     */
    public SseEndpoint(final Pipeline pipeline, final DeliveryConfig config, final SubscribeEndpoint websocket)
    {
        this.pipeline = pipeline;
        this.config = config;
        this.counters = websocket.counters();
        this.flushers = websocket.flushers();
    }

    /**
     * Parses the resume point of a request: {@code Last-Event-ID} (resume after it) or the {@code from} query
     * parameter (resume at it).
     *
     * @param exchange the request.
     * @return the first seq to send, {@link MessageEvent#NO_FROM} for live only, or -2 when the value is malformed.
     */
    public static long resumeFrom(final HttpServerExchange exchange)
    {
        final String lastEventId = exchange.getRequestHeaders().getFirst(LAST_EVENT_ID);
        final String from = exchange.getQueryParameters().containsKey("from") ?
            exchange.getQueryParameters().get("from").peekFirst() : null;
        try
        {
            if (lastEventId != null && !lastEventId.isBlank())
            {
                final long id = Long.parseLong(lastEventId.trim());
                return id < 0 ? -2 : id + 1;
            }
            if (from != null)
            {
                final long f = Long.parseLong(from.trim());
                return f < 0 ? -2 : f;
            }
        }
        catch (final NumberFormatException ex)
        {
            return -2;
        }
        return MessageEvent.NO_FROM;
    }

    /**
     * Opens a stream for a validated topic or pattern and subscribes it.
     *
     * @param exchange the request; its response becomes the stream.
     * @param topic    the topic or pattern bytes, already validated.
     * @param from     from {@link #resumeFrom}; ignored for patterns.
     * @return false when the gateway holds its maximum of connections (nothing was sent).
     */
    public boolean open(final HttpServerExchange exchange, final byte[] topic, final long from)
    {
        if (counters.connections.incrementAndGet() > config.maxConnections())
        {
            counters.connections.decrementAndGet();
            counters.connectionsRefused.incrementAndGet();
            return false;
        }
        counters.connectionsOpened.incrementAndGet();
        final boolean pattern = TopicName.isWildcard(topic, 0, topic.length);
        exchange.setStatusCode(200);
        exchange.getResponseHeaders()
            .put(Headers.CONTENT_TYPE, "text/event-stream; charset=UTF-8")
            .put(Headers.CACHE_CONTROL, "no-cache")
            .put(X_ACCEL_BUFFERING, "no");
        exchange.dispatch(SameThreadExecutor.INSTANCE, () ->
        {
            final StreamSinkChannel channel = exchange.getResponseChannel();
            final SseSubscriber subscriber = new SseSubscriber(exchange, channel, pattern, config, counters,
                IoThreadFlusher.of(flushers, exchange.getIoThread(), config.maxConnections()));
            streams.add(subscriber);
            subscriber.start(() -> onClose(subscriber, exchange));
            final SubscriptionGrant grant = exchange.getAttachment(SubscriptionGrant.ATTACHMENT);
            if (grant != null && grant.expiresAtMillis() != Long.MAX_VALUE)
            {
                final long delay = Math.max(0, grant.expiresAtMillis() - System.currentTimeMillis());
                exchange.getIoThread().executeAfter(() ->
                {
                    if (!subscriber.isClosed())
                    {
                        counters.expired.incrementAndGet();
                        subscriber.expire();
                    }
                }, delay, TimeUnit.MILLISECONDS);
            }
            final String epoch = exchange.getQueryParameters().containsKey("epoch") ?
                exchange.getQueryParameters().get("epoch").peekFirst() : null;
            final long resumeFrom = pattern ? MessageEvent.NO_FROM : from;
            if (!pipeline.trySubscribe(subscriber, topic, 0, topic.length, resumeFrom, epoch))
            {
                subscriber.onSubscribeRefused(topic, 0, topic.length, "busy",
                    "the gateway is at capacity; retry shortly");
                subscriber.flush();
            }
        });
        return true;
    }

    /**
     * Sends every stream what it has queued and ends it; used at shutdown after the pipeline has drained.
     *
     * @param timeout how long to wait.
     * @param unit    the unit of {@code timeout}.
     * @return true if every stream ended in time.
     */
    public boolean closeAll(final long timeout, final TimeUnit unit)
    {
        for (final SseSubscriber stream : streams)
        {
            stream.closeAfterFlush();
        }
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!streams.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return streams.isEmpty();
    }

    private void onClose(final SseSubscriber subscriber, final HttpServerExchange exchange)
    {
        if (streams.remove(subscriber))
        {
            counters.connections.decrementAndGet();
        }
        detach(subscriber, exchange);
    }

    private void detach(final SseSubscriber subscriber, final HttpServerExchange exchange)
    {
        if (pipeline.tryDetach(subscriber) || !pipeline.isRunning())
        {
            return;
        }
        LOG.debug("ring full; retrying detach of a closed SSE stream");
        exchange.getIoThread().executeAfter(() -> detach(subscriber, exchange), DETACH_RETRY_MILLIS,
            TimeUnit.MILLISECONDS);
    }
}
