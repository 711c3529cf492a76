package io.pulsarproxy.gateway;

import io.pulsarproxy.delivery.SseEndpoint;
import io.pulsarproxy.delivery.SubscriptionGrant;
import io.pulsarproxy.gateway.access.AccessHandler;
import io.pulsarproxy.gateway.access.RateLimiter;
import io.pulsarproxy.gateway.access.TokenVerifier;
import io.pulsarproxy.delivery.SubscribeEndpoint;
import io.pulsarproxy.ingest.IngestCounters;
import io.pulsarproxy.ingest.Problem;
import io.pulsarproxy.ingest.PublishHandler;
import io.pulsarproxy.ingest.PublishLimiter;
import io.pulsarproxy.engine.redis.RedisEngine;
import io.pulsarproxy.pipeline.Engine;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.TopicName;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.accesslog.AccessLogHandler;
import io.undertow.util.PathTemplateMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;

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
    private static final Logger ACCESS_LOG = LoggerFactory.getLogger("access");

    private final GatewayConfiguration config;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final Pipeline pipeline;
    private final Engine engine;
    private final SubscribeEndpoint subscribe;
    private final SseEndpoint sse;
    private final IngestCounters ingestCounters = new IngestCounters(metrics::recordBatch);
    private final AccessHandler.AccessCounters accessCounters = new AccessHandler.AccessCounters();
    private final ShutdownGate gate;
    private final Undertow server;
    private final int port;
    private volatile boolean closed;

    private Gateway(final GatewayConfiguration config)
    {
        this.config = config;
        this.engine = config.engine().redis() ?
            new RedisEngine(config.engine().redisSettings(config.historySize(), config.idempotencyWindow())) : null;
        this.pipeline = new Pipeline(config.pipeline(), metrics, engine);
        this.subscribe = new SubscribeEndpoint(pipeline, config.delivery(), metrics::recordWrite);
        this.sse = new SseEndpoint(pipeline, config.delivery(), subscribe);
        metrics.bind(pipeline, ingestCounters, subscribe.counters(), accessCounters);
        if (engine != null)
        {
            metrics.bindEngine(engine.counters(), engine::isAvailable);
        }

        final SecuritySettings security = config.security();
        final TokenVerifier verifier = TokenVerifier.create(security.jwtSecret(), security.jwtPublicKey(),
            security.jwtJwks(), security.jwtClockSkewSeconds());
        final RateLimiter limiter = new RateLimiter(security.publishRate(), security.publishBytes(),
            security.connectRate());
        final PublishLimiter publishLimiter = limiter.limitsPublishing() ? limiter : PublishLimiter.NONE;

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
            .post("/v1/topics/{topic}", AccessHandler.publisher(
                PublishHandler.singleTopic(pipeline, config.ingest(), ingestCounters, publishLimiter),
                verifier, accessCounters))
            .get("/v1/topics/{topic}", AccessHandler.publisher(ops.topic(), verifier, accessCounters))
            .get("/v1/topics/{topic}/events", AccessHandler.subscriber(this::openEvents, verifier, limiter,
                java.util.Set.of(), accessCounters))
            .get("/v1/topics", AccessHandler.publisher(ops.topics(), verifier, accessCounters))
            .post("/v1/publish", AccessHandler.publisher(
                PublishHandler.batch(pipeline, config.ingest(), ingestCounters, publishLimiter),
                verifier, accessCounters))
            .get("/v1/subscribe", AccessHandler.subscriber(websocket, verifier, limiter,
                security.allowedOrigins(), accessCounters))
            .get("/healthz", ops.health())
            .get("/readyz", ops.readiness())
            .get("/metrics", metrics.handler())
            .get("/v1/stats", AccessHandler.publisher(new StatsHandler(pipeline, ingestCounters, subscribe.counters(),
                metrics.deliveryLatency(), () -> System.nanoTime() / 1_000_000), verifier, accessCounters))
            .setFallbackHandler(OpsHandlers.notFound())
            .setInvalidMethodHandler(OpsHandlers.methodNotAllowed());
        if (config.consoleEnabled())
        {
            final ConsoleHandler console = new ConsoleHandler();
            routes.get("/", console).get(ConsoleHandler.ASSET_PATH + "{asset}", console);
        }
        this.gate = new ShutdownGate(routes, metrics::response);
        final HttpHandler root = config.http().accessLog() ? new AccessLogHandler(gate,
            message -> ACCESS_LOG.info(message), "%h \"%r\" %s %b %D ms", Gateway.class.getClassLoader()) : gate;

        final HttpSettings http = config.http();
        final Undertow.Builder builder = Undertow.builder()
            .setIoThreads(config.ioThreads())
            .setWorkerThreads(config.workerThreads())
            .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, http.accessLog())
            .setServerOption(UndertowOptions.MAX_HEADER_SIZE, http.maxHeaderBytes())
            .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, http.headerTimeoutMillis())
            .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, http.idleTimeoutMillis())
            .setSocketOption(Options.CONNECTION_HIGH_WATER, http.maxConnections())
            .setSocketOption(Options.CONNECTION_LOW_WATER, http.maxConnections())
            .setHandler(root);
        if (http.tls())
        {
            builder.addHttpsListener(config.port(), config.host(), TlsContext.create(http));
        }
        else
        {
            builder.addHttpListener(config.port(), config.host());
        }
        this.server = builder.build();

        if (verifier == null && !isLoopback(config.host()))
        {
            LOG.warn("*** AUTHENTICATION IS OFF and the gateway listens on {}: anyone who can reach it may publish " +
                "and subscribe. Set proxy.auth.jwt.secret, proxy.auth.jwt.public.key or proxy.auth.jwt.jwks. ***",
                config.host());
        }
        else if (verifier != null)
        {
            LOG.info("authentication: JWT, {}", verifier.description());
        }

        if (engine != null)
        {
            try
            {
                engine.start();
            }
            catch (final RuntimeException ex)
            {
                engine.close();
                LOG.debug("Redis connection failed", ex);
                // No cause: the message is what the operator reads (GatewayMain prints a cause's message instead).
                throw new IllegalStateException("cannot reach Redis at " +
                    EngineSettings.masked(config.engine().redisUri()) + ": " + ex.getMessage());
            }
        }
        pipeline.start();
        server.start();
        this.port = ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
    }

    private static boolean isLoopback(final String host)
    {
        try
        {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        }
        catch (final java.net.UnknownHostException ex)
        {
            return false;
        }
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
        return (config.http().tls() ? "https://" : "http://") + hostForUrl() + ":" + port;
    }

    /**
     * The URL of the WebSocket endpoint.
     *
     * @return e.g. {@code ws://127.0.0.1:8080/v1/subscribe}.
     */
    public String webSocketUrl()
    {
        return (config.http().tls() ? "wss://" : "ws://") + hostForUrl() + ":" + port + "/v1/subscribe";
    }

    /**
     * Tells whether the gateway takes traffic.
     *
     * @return true while the pipeline runs, the engine (if shared) can store, and shutdown has not begun.
     */
    public boolean isReady()
    {
        return !closed && pipeline.isRunning() && !gate.isClosed() && (engine == null || engine.isAvailable());
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
        if (engine != null)
        {
            engine.close();
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
        metrics.close();
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
        final SubscriptionGrant grant = exchange.getAttachment(SubscriptionGrant.ATTACHMENT);
        if (grant != null && !grant.maySubscribe(topic, 0, topic.length))
        {
            subscribe.counters().countForbidden();
            Problem.send(exchange, 403, "forbidden", "Forbidden", "the token does not allow subscribing to " +
                new String(topic, StandardCharsets.UTF_8));
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
