package io.pulsarproxy.gateway;

import io.pulsarproxy.delivery.SseEndpoint;
import io.pulsarproxy.delivery.SubscribeEndpoint;
import io.pulsarproxy.ingest.IngestCounters;
import io.pulsarproxy.ingest.Problem;
import io.pulsarproxy.ingest.PublishHandler;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.TopicName;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.PathTemplateMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The whole gateway in one process: the pipeline, the publish and subscribe endpoints, the operations endpoints,
 * all on one Undertow server.
 * <p>
 * {@link #close()} shuts down in a fixed order: refuse new requests, let accepted publishes get their replies, drain
 * the ring so every acknowledged message reaches its subscribers' buffers, send those buffers and close every
 * WebSocket with 1001, then stop the server.
 * <p>
 * <b>Note:</b> start once with {@link #start(GatewayConfiguration)}, close once.
 */
public final class Gateway implements AutoCloseable
{
    /** Close code sent to subscribers at shutdown. */
    public static final int CLOSE_GOING_AWAY = 1001;

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfiguration config;
    private final Pipeline pipeline;
    private final SubscribeEndpoint subscribe;
    private final SseEndpoint sse;
    private final IngestCounters ingestCounters = new IngestCounters();
    private final ShutdownGate gate;
    private final Undertow server;
    private final int port;
    private volatile boolean closed;

    private Gateway(final GatewayConfiguration config)
    {
        this.config = config;
        this.pipeline = new Pipeline(config.pipeline());
        this.subscribe = new SubscribeEndpoint(pipeline, config.delivery());
        this.sse = new SseEndpoint(pipeline, config.delivery(), subscribe);

        final OpsHandlers ops = new OpsHandlers(pipeline, this::isReady);
        final HttpHandler websocket = exchange ->
        {
            if (!subscribe.hasRoom())
            {
                Problem.send(exchange, 503, "too-many-connections", "Too many connections",
                    "the gateway holds its maximum of " + config.maxConnections() + " connections", -1, 5);
                return;
            }
            subscribe.handshakeHandler().handleRequest(exchange);
        };
        final RoutingHandler routes = Handlers.routing()
            .post("/v1/topics/{topic}", PublishHandler.singleTopic(pipeline, config.ingest(), ingestCounters))
            .get("/v1/topics/{topic}", ops.topic())
            .get("/v1/topics/{topic}/events", this::openEvents)
            .get("/v1/topics", ops.topics())
            .post("/v1/publish", PublishHandler.batch(pipeline, config.ingest(), ingestCounters))
            .get("/v1/subscribe", websocket)
            .get("/healthz", ops.health())
            .get("/readyz", ops.readiness())
            .setFallbackHandler(OpsHandlers.notFound())
            .setInvalidMethodHandler(OpsHandlers.methodNotAllowed());
        this.gate = new ShutdownGate(routes);

        this.server = Undertow.builder()
            .addHttpListener(config.port(), config.host())
            .setIoThreads(config.ioThreads())
            .setWorkerThreads(config.workerThreads())
            .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, false)
            .setHandler(gate)
            .build();

        pipeline.start();
        server.start();
        this.port = ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
    }

    /**
     * Builds and starts a gateway.
     *
     * @param config the configuration.
     * @return the running gateway.
     */
    public static Gateway start(final GatewayConfiguration config)
    {
        return new Gateway(config);
    }

    /**
     * The port the server listens on (the chosen one when configured with port 0).
     *
     * @return the bound port.
     */
    public int port()
    {
        return port;
    }

    /**
     * The configuration the gateway runs with.
     *
     * @return the configuration.
     */
    public GatewayConfiguration config()
    {
        return config;
    }

    /**
     * The base URL of the HTTP endpoints.
     *
     * @return e.g. {@code http://127.0.0.1:8080}.
     */
    public String httpUrl()
    {
        return "http://" + hostForUrl() + ":" + port;
    }

    /**
     * The URL of the WebSocket endpoint.
     *
     * @return e.g. {@code ws://127.0.0.1:8080/v1/subscribe}.
     */
    public String webSocketUrl()
    {
        return "ws://" + hostForUrl() + ":" + port + "/v1/subscribe";
    }

    /**
     * Tells whether the gateway takes traffic.
     *
     * @return true while the pipeline runs and shutdown has not begun.
     */
    public boolean isReady()
    {
        return !closed && pipeline.isRunning() && !gate.isClosed();
    }

    /**
     * The pipeline, for metrics.
     *
     * @return the pipeline.
     */
    public Pipeline pipeline()
    {
        return pipeline;
    }

    /**
     * The subscribe endpoint, for metrics.
     *
     * @return the endpoint.
     */
    public SubscribeEndpoint subscribeEndpoint()
    {
        return subscribe;
    }

    /**
     * Publish counters, for metrics.
     *
     * @return the counters.
     */
    public IngestCounters ingestCounters()
    {
        return ingestCounters;
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final long timeout = config.shutdownTimeoutMillis();
        LOG.info("shutting down: refusing new requests");
        gate.close();
        try
        {
            if (!gate.awaitIdle(timeout, TimeUnit.MILLISECONDS))
            {
                LOG.warn("requests still in progress after {} ms; draining anyway", timeout);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (!pipeline.shutdown(timeout, TimeUnit.MILLISECONDS))
        {
            LOG.warn("ring did not drain within {} ms; stages halted", timeout);
        }
        LOG.info("ring drained; closing {} subscriber connections with {}",
            subscribe.counters().connections(), CLOSE_GOING_AWAY);
        if (!subscribe.closeAll(CLOSE_GOING_AWAY, "server shutting down", timeout, TimeUnit.MILLISECONDS))
        {
            LOG.warn("some subscriber connections did not close within {} ms; closed them hard", timeout);
        }
        if (!sse.closeAll(timeout, TimeUnit.MILLISECONDS))
        {
            LOG.warn("some SSE streams did not end within {} ms", timeout);
        }
        server.stop();
        LOG.info("stopped");
    }

    /** {@code GET /v1/topics/{topic}/events}: checks the request, then hands it to the SSE endpoint. */
    private void openEvents(final HttpServerExchange exchange)
    {
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        final byte[] topic = match.getParameters().get("topic").getBytes(StandardCharsets.UTF_8);
        final int code = TopicName.validatePattern(topic, 0, topic.length);
        if (code != TopicName.VALID)
        {
            Problem.send(exchange, 400, "invalid-topic", "Invalid topic", TopicName.describe(code));
            return;
        }
        final long from = SseEndpoint.resumeFrom(exchange);
        if (from == -2)
        {
            Problem.send(exchange, 400, "invalid-resume", "Invalid resume point",
                "Last-Event-ID and from must be non-negative integer seqs");
            return;
        }
        gate.streaming(exchange);
        if (!sse.open(exchange, topic, from))
        {
            Problem.send(exchange, 503, "too-many-connections", "Too many connections",
                "the gateway holds its maximum of " + config.maxConnections() + " connections", -1, 5);
        }
    }

    private String hostForUrl()
    {
        final String host = config.host();
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
