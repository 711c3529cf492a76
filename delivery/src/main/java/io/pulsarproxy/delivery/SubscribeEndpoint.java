package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.LatencyRecorder;
import io.pulsarproxy.pipeline.MessageEvent;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;

import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The WebSocket endpoint {@code GET /v1/subscribe?topic=a&topic=b}: accepts connections, subscribes them to the
 * topics of the query string, and keeps track of them for limits and shutdown.
 * <p>
 * The WebSocket protocol is the gateway's own ({@link WebSocketHandshake}, {@link WebSocketConnection}) on top of
 * Undertow's HTTP upgrade, not Undertow's WebSocket implementation, whose send path allocated a frame channel and
 * queued a task per frame: here a connection's queued frames go out in one gathering write from its
 * {@link Outbound} buffer.
 * <p>
 * <b>Note:</b> {@link #onConnect} runs on the connection's IO thread and never blocks: subscriptions are queued on
 * the ring, and a full ring is answered with an {@code error} frame.
 */
public final class SubscribeEndpoint
{
    /** Close code when the gateway holds its maximum of connections (RFC 6455 "try again later"). */
    public static final int CLOSE_TRY_AGAIN_LATER = 1013;
    /** Close code when the connection's token expires (application range 4000-4999; 4401 echoes HTTP 401). */
    public static final int CLOSE_TOKEN_EXPIRED = 4401;

    private static final Logger LOG = LoggerFactory.getLogger(SubscribeEndpoint.class);
    private static final long DETACH_RETRY_MILLIS = 10;

    private final Pipeline pipeline;
    private final DeliveryConfig config;
    private final DeliveryCounters counters;
    private final Set<WebSocketSubscriber> sessions = ConcurrentHashMap.newKeySet();
    private final Map<Executor, IoThreadFlusher> flushers = IoThreadFlusher.newRegistry();
    private final HttpHandler handshake;
    /** Encodes for every connection of this endpoint; used by the deliver thread only. */
    private final WebSocketCodec codec = new WebSocketCodec();

    /**
     * Creates the endpoint.
     *
     * @param pipeline where subscriptions go.
     * @param config   limits and the slow-consumer policy.
     */
    public SubscribeEndpoint(final Pipeline pipeline, final DeliveryConfig config)
    {
        this(pipeline, config, LatencyRecorder.NONE);
    }

    /**
     * Creates the endpoint, recording for every frame write the time since its oldest message was received.
     *
     * @param pipeline     where subscriptions go.
     * @param config       limits and the slow-consumer policy.
     * @param writeLatency receives write latencies on the IO threads; must not block.
     */
    public SubscribeEndpoint(final Pipeline pipeline, final DeliveryConfig config, final LatencyRecorder writeLatency)
    {
        this.pipeline = pipeline;
        this.config = config;
        this.counters = new DeliveryCounters(writeLatency, config.outboundTotalMaxBytes());
        this.handshake = exchange -> WebSocketHandshake.upgrade(exchange, this::onConnect);
    }

    /**
     * The handler that performs the WebSocket handshake; a request that is not one gets 400 (426 for a WebSocket
     * version other than 13) with problem details.
     *
     * @return the handshake handler.
     */
    public HttpHandler handshakeHandler()
    {
        return handshake;
    }

    /**
     * Tells whether one more connection fits under {@code proxy.max.connections}.
     *
     * @return false when the gateway holds its maximum.
     */
    public boolean hasRoom()
    {
        return counters.connections.get() < config.maxConnections();
    }

    Map<Executor, IoThreadFlusher> flushers()
    {
        return flushers;
    }

    /**
     * Counters for metrics.
     *
     * @return the counters.
     */
    public DeliveryCounters counters()
    {
        return counters;
    }

    /**
     * Runs on the IO thread once the 101 is written: sets the connection up and subscribes it to the query's topics.
     */
    private void onConnect(final StreamConnection streamConnection, final HttpServerExchange exchange)
    {
        final WebSocketConnection connection =
            new WebSocketConnection(streamConnection, config.maxClientFrameBytes(), counters);
        if (counters.connections.incrementAndGet() > config.maxConnections())
        {
            counters.connections.decrementAndGet();
            counters.connectionsRefused.incrementAndGet();
            connection.open(null, null);
            connection.close(CLOSE_TRY_AGAIN_LATER, "too many connections");
            return;
        }
        counters.connectionsOpened.incrementAndGet();
        final WebSocketSubscriber subscriber = new WebSocketSubscriber(connection, config, counters,
            IoThreadFlusher.of(flushers, connection.ioThread(), config.maxConnections()), codec);
        sessions.add(subscriber);
        final SubscriptionGrant attached = exchange.getAttachment(SubscriptionGrant.ATTACHMENT);
        final SubscriptionGrant grant = attached == null ? SubscriptionGrant.OPEN : attached;
        final ClientFrameListener listener = new ClientFrameListener(subscriber, pipeline, config, counters, grant);
        final XnioExecutor.Key ping = keepAlive(connection);
        final XnioExecutor.Key expiry = grant.expiresAtMillis() == Long.MAX_VALUE ? null :
            connection.ioThread().executeAfter(() ->
            {
                counters.expired.incrementAndGet();
                subscriber.closeAfterFlush(CLOSE_TOKEN_EXPIRED, "token expired");
            }, Math.max(0, grant.expiresAtMillis() - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        final AtomicBoolean cleaned = new AtomicBoolean();
        final Runnable cleanup = () ->
        {
            if (cleaned.compareAndSet(false, true))
            {
                ping.remove();
                if (expiry != null)
                {
                    expiry.remove();
                }
                onClose(subscriber);
            }
        };
        // Undertow's server connection owns the raw connection's close listener; its own close listeners run from it.
        exchange.getConnection().addCloseListener(c -> cleanup.run());
        if (!streamConnection.isOpen())
        {
            cleanup.run(); // closed before the listener was in place
            return;
        }
        connection.open(subscriber, listener);

        final Map<String, Deque<String>> params = exchange.getQueryParameters();
        final Deque<String> topics = params.get("topic");
        if (topics == null)
        {
            return;
        }
        long from = MessageEvent.NO_FROM;
        SlowConsumerPolicy policy = null;
        try
        {
            final String fromText = first(params, "from");
            if (fromText != null)
            {
                from = Long.parseLong(fromText);
                if (from < 0)
                {
                    throw new NumberFormatException();
                }
            }
            final String policyText = first(params, "policy");
            policy = policyText == null ? null : SlowConsumerPolicy.parse(policyText);
        }
        catch (final NumberFormatException ex)
        {
            listener.queryError("bad-from", "query parameter from must be a non-negative integer seq");
            return;
        }
        catch (final IllegalArgumentException ex)
        {
            listener.queryError("bad-policy", "query parameter policy " + ex.getMessage());
            return;
        }
        final String epoch = first(params, "epoch");
        for (final String topic : topics)
        {
            listener.subscribeFromQuery(topic, from, epoch, policy);
        }
    }

    /**
     * Pings the client every interval; a client not heard from (no pong, no frame) for 2.5 intervals has vanished
     * without a close (half-open) and is cut off, which frees its slot and its subscriptions.
     */
    private XnioExecutor.Key keepAlive(final WebSocketConnection connection)
    {
        final long interval = config.wsPingIntervalMillis();
        final long silenceNanos = TimeUnit.MILLISECONDS.toNanos(interval * 5 / 2);
        return connection.ioThread().executeAtInterval(() ->
        {
            if (System.nanoTime() - connection.lastHeardNanos() > silenceNanos)
            {
                counters.halfOpenClosed.incrementAndGet();
                connection.abort();
                return;
            }
            connection.ping();
        }, interval, TimeUnit.MILLISECONDS);
    }

    private static String first(final Map<String, Deque<String>> params, final String name)
    {
        final Deque<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.peekFirst();
    }

    /**
     * Sends every open connection what it has queued, then a close frame with {@code code}; used at shutdown after
     * the pipeline has drained.
     *
     * @param code    the close code, 1001 at shutdown.
     * @param reason  the close reason.
     * @param timeout how long to wait for the connections to close.
     * @param unit    the unit of {@code timeout}.
     * @return true if every connection closed in time.
     */
    public boolean closeAll(final int code, final String reason, final long timeout, final TimeUnit unit)
    {
        for (final WebSocketSubscriber subscriber : sessions)
        {
            subscriber.closeAfterFlush(code, reason);
        }
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!sessions.isEmpty() && System.nanoTime() < deadline)
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
        final boolean clean = sessions.isEmpty();
        for (final WebSocketSubscriber subscriber : sessions)
        {
            subscriber.connection().abort();
        }
        return clean;
    }

    private void onClose(final WebSocketSubscriber subscriber)
    {
        if (sessions.remove(subscriber))
        {
            counters.connections.decrementAndGet();
        }
        subscriber.release();
        detach(subscriber, subscriber.connection());
    }

    private void detach(final WebSocketSubscriber subscriber, final WebSocketConnection connection)
    {
        if (pipeline.tryDetach(subscriber))
        {
            return;
        }
        if (!pipeline.isRunning())
        {
            return;
        }
        // The ring is full: until the detach gets through, the subscriber only discards what it is handed.
        LOG.debug("ring full; retrying detach of a closed subscriber");
        connection.ioThread().executeAfter(
            () -> detach(subscriber, connection), DETACH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
}
