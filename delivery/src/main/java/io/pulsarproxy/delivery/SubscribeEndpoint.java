package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.LatencyRecorder;
import io.pulsarproxy.pipeline.MessageEvent;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

import java.nio.ByteBuffer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket endpoint {@code GET /v1/subscribe?topic=a&topic=b}: accepts connections, subscribes them to the
 * topics of the query string, and keeps track of them for limits and shutdown.
 * <p>
 * <b>Note:</b> {@link #onConnect} runs on the connection's IO thread and never blocks: subscriptions are queued on
 * the ring, and a full ring is answered with an {@code error} frame.
 */
public final class SubscribeEndpoint implements WebSocketConnectionCallback
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
        this.counters = new DeliveryCounters(writeLatency);
        this.handshake = Handlers.websocket(this);
    }

    /**
     * The handler that performs the WebSocket handshake; a request that is not an upgrade gets 400 from Undertow.
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

    @Override
    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        if (counters.connections.incrementAndGet() > config.maxConnections())
        {
            counters.connections.decrementAndGet();
            counters.connectionsRefused.incrementAndGet();
            WebSockets.sendClose(CLOSE_TRY_AGAIN_LATER, "too many connections", channel, null);
            return;
        }
        counters.connectionsOpened.incrementAndGet();
        final WebSocketSubscriber subscriber = new WebSocketSubscriber(channel, config, counters,
            IoThreadFlusher.of(flushers, channel.getIoThread(), config.maxConnections()));
        sessions.add(subscriber);
        channel.addCloseTask(ch -> onClose(subscriber));
        final SubscriptionGrant attached = exchange.getAttachment(SubscriptionGrant.ATTACHMENT);
        final SubscriptionGrant grant = attached == null ? SubscriptionGrant.OPEN : attached;
        final ClientFrameListener listener = new ClientFrameListener(subscriber, pipeline, config, counters, grant);
        channel.getReceiveSetter().set(listener);
        channel.resumeReceives();
        keepAlive(channel, listener);
        if (grant.expiresAtMillis() != Long.MAX_VALUE)
        {
            final long delay = Math.max(0, grant.expiresAtMillis() - System.currentTimeMillis());
            channel.getIoThread().executeAfter(() ->
            {
                if (channel.isOpen())
                {
                    counters.expired.incrementAndGet();
                    subscriber.closeAfterFlush(CLOSE_TOKEN_EXPIRED, "token expired");
                }
            }, delay, TimeUnit.MILLISECONDS);
        }

        final Map<String, List<String>> params = exchange.getRequestParameters();
        final List<String> topics = params.get("topic");
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
    private void keepAlive(final WebSocketChannel channel, final ClientFrameListener listener)
    {
        final long interval = config.wsPingIntervalMillis();
        final long silenceNanos = TimeUnit.MILLISECONDS.toNanos(interval * 5 / 2);
        final XnioExecutor.Key key = channel.getIoThread().executeAtInterval(() ->
        {
            if (System.nanoTime() - listener.lastHeardNanos() > silenceNanos)
            {
                counters.halfOpenClosed.incrementAndGet();
                IoUtils.safeClose(channel);
                return;
            }
            WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
        }, interval, TimeUnit.MILLISECONDS);
        channel.addCloseTask(ch -> key.remove());
    }

    private static String first(final Map<String, List<String>> params, final String name)
    {
        final List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
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
            IoUtils.safeClose(subscriber.channel());
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
        detach(subscriber, subscriber.channel());
    }

    private void detach(final WebSocketSubscriber subscriber, final WebSocketChannel channel)
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
        channel.getIoThread().executeAfter(
            () -> detach(subscriber, channel), DETACH_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
}
