package io.pulsarproxy.gateway;

import io.pulsarproxy.delivery.DeliveryConfig;
import io.pulsarproxy.delivery.SlowConsumerPolicy;
import io.pulsarproxy.ingest.IngestConfig;
import io.pulsarproxy.pipeline.PipelineConfig;
import io.pulsarproxy.pipeline.WaitStrategyType;

import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every setting of the gateway, read once from system properties prefixed {@code proxy.}, checked, and then fixed.
 * <p>
 * {@link #load(Properties)} throws a {@link ConfigException} naming the property for any bad value or bad
 * combination; {@link GatewayMain} prints it and exits with code 2. {@link #toString()} is what the gateway prints at
 * start. The module configurations ({@link #pipeline()}, {@link #ingest()}, {@link #delivery()}) are derived from it.
 *
 * @param host                  address to bind.
 * @param port                  port to bind; 0 picks a free one.
 * @param ioThreads             Undertow IO threads.
 * @param workerThreads         Undertow worker threads (nothing here blocks, so few are needed).
 * @param ringSize              ring slots, a power of two.
 * @param waitStrategy          how stage threads wait.
 * @param slotBytes             bytes pre-allocated per ring slot.
 * @param stageBatchMax         events a stage handles before it flushes and publishes progress.
 * @param stageThreads          0 runs decode, route and deliver on the thread that publishes (an IO thread);
 *                              1 on one stage thread; 3 gives each its own.
 * @param maxPayloadBytes       largest message payload.
 * @param maxBatchMessages      most messages per publish request.
 * @param maxBatchBytes         largest publish request body.
 * @param maxJsonDepth          deepest JSON nesting accepted.
 * @param maxIdBytes            longest idempotency key.
 * @param historySize           messages retained per topic.
 * @param historyBytes          payload bytes retained per topic.
 * @param maxTopics             topics the gateway holds.
 * @param maxSubscriptions      subscriptions per connection.
 * @param idempotencyWindow     idempotency keys remembered per topic.
 * @param maxConnections        WebSocket connections at once.
 * @param outboundMaxBytes      bytes queued or in flight per connection.
 * @param outboundTotalMaxBytes memory of the outbound buffers of all connections together.
 * @param slowPolicy            what happens to a connection that would exceed its outbound bound.
 * @param wsMaxFrameBytes       largest frame a client may send.
 * @param sseHeartbeatMillis    quiet time after which an SSE stream gets a comment line.
 * @param shutdownTimeoutMillis how long each shutdown step may take.
 * @param security              authentication, rate limits, origins.
 * @param http                  server hygiene, TLS, access log.
 * @param consoleEnabled        whether {@code GET /} serves the web console.
 * @param engine                in-memory or Valkey/Redis sequencing and history.
 * @param epoch                 the id of the topic sequences of this process.
 */
public record GatewayConfiguration(
    String host,
    int port,
    int ioThreads,
    int workerThreads,
    int ringSize,
    WaitStrategyType waitStrategy,
    int slotBytes,
    int stageBatchMax,
    int stageThreads,
    int maxPayloadBytes,
    int maxBatchMessages,
    int maxBatchBytes,
    int maxJsonDepth,
    int maxIdBytes,
    int historySize,
    int historyBytes,
    int maxTopics,
    int maxSubscriptions,
    int idempotencyWindow,
    int maxConnections,
    int outboundMaxBytes,
    int outboundTotalMaxBytes,
    SlowConsumerPolicy slowPolicy,
    int wsMaxFrameBytes,
    int sseHeartbeatMillis,
    int shutdownTimeoutMillis,
    SecuritySettings security,
    HttpSettings http,
    boolean consoleEnabled,
    EngineSettings engine,
    String epoch)
{
    /** Address to bind. */
    public static final String HOST_PROP_NAME = "proxy.host";
    /** Port to bind. */
    public static final String PORT_PROP_NAME = "proxy.port";
    /** Undertow IO threads. */
    public static final String IO_THREADS_PROP_NAME = "proxy.io.threads";
    /** Undertow worker threads. */
    public static final String WORKER_THREADS_PROP_NAME = "proxy.worker.threads";
    /** Ring slots. */
    public static final String RING_SIZE_PROP_NAME = "proxy.ring.size";
    /** Stage wait strategy. */
    public static final String WAIT_STRATEGY_PROP_NAME = "proxy.wait.strategy";
    /** Bytes pre-allocated per slot. */
    public static final String SLOT_BYTES_PROP_NAME = "proxy.ring.slot.bytes";
    /** Events per stage batch. */
    public static final String STAGE_BATCH_PROP_NAME = "proxy.stage.batch.max";
    /** Threads running the stages. */
    public static final String STAGE_THREADS_PROP_NAME = "proxy.stage.threads";
    /** Largest payload. */
    public static final String MAX_PAYLOAD_PROP_NAME = "proxy.max.payload.bytes";
    /** Most messages per request. */
    public static final String MAX_BATCH_MESSAGES_PROP_NAME = "proxy.max.batch.messages";
    /** Largest request body. */
    public static final String MAX_BATCH_BYTES_PROP_NAME = "proxy.max.batch.bytes";
    /** Deepest JSON nesting. */
    public static final String MAX_JSON_DEPTH_PROP_NAME = "proxy.max.json.depth";
    /** Longest idempotency key. */
    public static final String MAX_ID_BYTES_PROP_NAME = "proxy.max.id.bytes";
    /** Messages retained per topic. */
    public static final String HISTORY_SIZE_PROP_NAME = "proxy.history.size";
    /** Payload bytes retained per topic. */
    public static final String HISTORY_BYTES_PROP_NAME = "proxy.history.bytes";
    /** Topics held. */
    public static final String MAX_TOPICS_PROP_NAME = "proxy.max.topics";
    /** Subscriptions per connection. */
    public static final String MAX_SUBSCRIPTIONS_PROP_NAME = "proxy.max.subscriptions.per.connection";
    /** Idempotency keys per topic. */
    public static final String IDEMPOTENCY_WINDOW_PROP_NAME = "proxy.idempotency.window";
    /** WebSocket connections. */
    public static final String MAX_CONNECTIONS_PROP_NAME = "proxy.max.connections";
    /** Outbound bound per connection. */
    public static final String OUTBOUND_MAX_PROP_NAME = "proxy.outbound.max.bytes";
    /** Memory of the outbound buffers of all connections together; default a quarter of the maximum heap. */
    public static final String OUTBOUND_TOTAL_MAX_PROP_NAME = "proxy.outbound.total.max.bytes";
    /** Slow-consumer policy. */
    public static final String SLOW_POLICY_PROP_NAME = "proxy.slow.policy";
    /** Largest client frame. */
    public static final String WS_MAX_FRAME_PROP_NAME = "proxy.ws.max.frame.bytes";
    /** SSE heartbeat interval. */
    public static final String SSE_HEARTBEAT_PROP_NAME = "proxy.sse.heartbeat.ms";
    /** Shutdown step timeout. */
    public static final String SHUTDOWN_TIMEOUT_PROP_NAME = "proxy.shutdown.timeout.ms";

    /** HS256 secret. */
    public static final String JWT_SECRET_PROP_NAME = "proxy.auth.jwt.secret";
    /** PEM public key file. */
    public static final String JWT_PUBLIC_KEY_PROP_NAME = "proxy.auth.jwt.public.key";
    /** JWKS file. */
    public static final String JWT_JWKS_PROP_NAME = "proxy.auth.jwt.jwks";
    /** Clock skew for exp and nbf. */
    public static final String JWT_CLOCK_SKEW_PROP_NAME = "proxy.auth.jwt.clock.skew.s";
    /** Publish messages per second per caller. */
    public static final String RATE_PUBLISH_PROP_NAME = "proxy.ratelimit.publish.rate";
    /** Publish bytes per second per caller. */
    public static final String RATE_PUBLISH_BYTES_PROP_NAME = "proxy.ratelimit.publish.bytes";
    /** Subscriber connection attempts per second per caller. */
    public static final String RATE_CONNECT_PROP_NAME = "proxy.ratelimit.connect.rate";
    /** Origins allowed for WebSocket upgrades. */
    public static final String ALLOWED_ORIGINS_PROP_NAME = "proxy.ws.allowed.origins";
    /** TCP connections at once. */
    public static final String HTTP_MAX_CONNECTIONS_PROP_NAME = "proxy.http.max.connections";
    /** Largest request head. */
    public static final String HTTP_MAX_HEADER_PROP_NAME = "proxy.http.max.header.bytes";
    /** Request head timeout. */
    public static final String HTTP_HEADER_TIMEOUT_PROP_NAME = "proxy.http.header.timeout.ms";
    /** Publish body timeout. */
    public static final String HTTP_BODY_TIMEOUT_PROP_NAME = "proxy.http.body.timeout.ms";
    /** Keep-alive idle timeout. */
    public static final String HTTP_IDLE_TIMEOUT_PROP_NAME = "proxy.http.idle.timeout.ms";
    /** WebSocket ping interval. */
    public static final String WS_PING_PROP_NAME = "proxy.ws.ping.interval.ms";
    /** TLS keystore path. */
    public static final String TLS_KEYSTORE_PROP_NAME = "proxy.tls.keystore";
    /** TLS keystore password. */
    public static final String TLS_PASSWORD_PROP_NAME = "proxy.tls.keystore.password";
    /** TLS keystore type. */
    public static final String TLS_TYPE_PROP_NAME = "proxy.tls.keystore.type";
    /** Access log. */
    public static final String ACCESS_LOG_PROP_NAME = "proxy.access.log";
    /** Web console at {@code GET /}. */
    public static final String CONSOLE_ENABLED_PROP_NAME = "proxy.console.enabled";
    /** Where seqs and history live: {@code memory} or {@code redis}. */
    public static final String ENGINE_PROP_NAME = "proxy.engine";
    /** The Valkey/Redis server. */
    public static final String REDIS_URI_PROP_NAME = "proxy.redis.uri";
    /** Redis command timeout. */
    public static final String REDIS_TIMEOUT_PROP_NAME = "proxy.redis.timeout.ms";
    /** First part of every Redis key and channel. */
    public static final String REDIS_PREFIX_PROP_NAME = "proxy.redis.prefix";
    /** Expiry of an idle topic's Redis keys. */
    public static final String REDIS_TTL_PROP_NAME = "proxy.redis.history.ttl.seconds";

    /** Bytes a message adds around its payload in a data frame, beyond its topic; used to check the outbound bound. */
    static final int FRAME_OVERHEAD_BYTES = 128;

    private static final int MIB = 1024 * 1024;

    /**
     * Reads and checks every {@code proxy.*} property.
     *
     * @param properties usually {@link System#getProperties()}.
     * @return the configuration.
     * @throws ConfigException naming the first bad value.
     */
    public static GatewayConfiguration load(final Properties properties)
    {
        final PropertyReader r = new PropertyReader(properties);
        final int cores = Runtime.getRuntime().availableProcessors();

        final String host = r.string(HOST_PROP_NAME, "127.0.0.1");
        if (host.isEmpty())
        {
            throw new ConfigException(HOST_PROP_NAME + " must not be empty");
        }
        final WaitStrategyType waitStrategy =
            r.choice(WAIT_STRATEGY_PROP_NAME, "blocking", WaitStrategyType::parse);
        final SlowConsumerPolicy slowPolicy = r.choice(SLOW_POLICY_PROP_NAME, "drop", SlowConsumerPolicy::parse);
        // Inline stages by default; with Redis, Lettuce's threads publish too, and they must not run the stages.
        final boolean redis = EngineSettings.REDIS.equals(r.string(ENGINE_PROP_NAME, EngineSettings.MEMORY));

        final GatewayConfiguration config = new GatewayConfiguration(
            host,
            r.integer(PORT_PROP_NAME, 8080, 0, 65535),
            r.integer(IO_THREADS_PROP_NAME, Math.max(2, cores), 1, 1024),
            r.integer(WORKER_THREADS_PROP_NAME, 4, 1, 1024),
            r.integer(RING_SIZE_PROP_NAME, 65536, 2, 1 << 26),
            waitStrategy,
            r.size(SLOT_BYTES_PROP_NAME, 512, 16, 64 * 1024),
            r.integer(STAGE_BATCH_PROP_NAME, 1024, 1, 1 << 20),
            r.integer(STAGE_THREADS_PROP_NAME, redis ? 1 : 0, 0, 3),
            r.size(MAX_PAYLOAD_PROP_NAME, MIB, 1, 256 * MIB),
            r.integer(MAX_BATCH_MESSAGES_PROP_NAME, 10_000, 1, 1 << 24),
            r.size(MAX_BATCH_BYTES_PROP_NAME, 16 * MIB, 1, 1024 * MIB),
            r.integer(MAX_JSON_DEPTH_PROP_NAME, 64, 1, 1024),
            r.size(MAX_ID_BYTES_PROP_NAME, 256, 1, 64 * 1024),
            r.integer(HISTORY_SIZE_PROP_NAME, 1000, 0, 1 << 24),
            r.size(HISTORY_BYTES_PROP_NAME, MIB, 0, 1024 * MIB),
            r.integer(MAX_TOPICS_PROP_NAME, 100_000, 1, 1 << 26),
            r.integer(MAX_SUBSCRIPTIONS_PROP_NAME, 1000, 1, 1 << 20),
            r.integer(IDEMPOTENCY_WINDOW_PROP_NAME, 1000, 0, 1 << 20),
            r.integer(MAX_CONNECTIONS_PROP_NAME, 10_000, 1, 1 << 24),
            r.size(OUTBOUND_MAX_PROP_NAME, 4 * MIB, 1024, 1024 * MIB),
            r.size(OUTBOUND_TOTAL_MAX_PROP_NAME,
                (int)Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 4), 64 * 1024, Integer.MAX_VALUE),
            slowPolicy,
            r.size(WS_MAX_FRAME_PROP_NAME, 64 * 1024, 256, 16 * MIB),
            r.integer(SSE_HEARTBEAT_PROP_NAME, 15_000, 100, 3_600_000),
            r.integer(SHUTDOWN_TIMEOUT_PROP_NAME, 10_000, 0, 3_600_000),
            new SecuritySettings(
                r.optional(JWT_SECRET_PROP_NAME),
                r.optional(JWT_PUBLIC_KEY_PROP_NAME),
                r.optional(JWT_JWKS_PROP_NAME),
                r.integer(JWT_CLOCK_SKEW_PROP_NAME, 30, 0, 3600),
                r.integer(RATE_PUBLISH_PROP_NAME, 0, 0, Integer.MAX_VALUE),
                r.size(RATE_PUBLISH_BYTES_PROP_NAME, 0, 0, Integer.MAX_VALUE),
                r.integer(RATE_CONNECT_PROP_NAME, 0, 0, Integer.MAX_VALUE),
                r.list(ALLOWED_ORIGINS_PROP_NAME)),
            new HttpSettings(
                r.integer(HTTP_MAX_CONNECTIONS_PROP_NAME, 16_384, 16, 1 << 20),
                r.size(HTTP_MAX_HEADER_PROP_NAME, 64 * 1024, 1024, 16 * MIB),
                r.integer(HTTP_HEADER_TIMEOUT_PROP_NAME, 10_000, 100, 3_600_000),
                r.integer(HTTP_BODY_TIMEOUT_PROP_NAME, 30_000, 100, 3_600_000),
                r.integer(HTTP_IDLE_TIMEOUT_PROP_NAME, 120_000, 1_000, 86_400_000),
                r.integer(WS_PING_PROP_NAME, 30_000, 100, 3_600_000),
                r.optional(TLS_KEYSTORE_PROP_NAME),
                r.optional(TLS_PASSWORD_PROP_NAME),
                r.string(TLS_TYPE_PROP_NAME, "PKCS12"),
                r.bool(ACCESS_LOG_PROP_NAME, false)),
            r.bool(CONSOLE_ENABLED_PROP_NAME, true),
            new EngineSettings(
                r.string(ENGINE_PROP_NAME, EngineSettings.MEMORY),
                r.string(REDIS_URI_PROP_NAME, "redis://127.0.0.1:6379"),
                r.integer(REDIS_TIMEOUT_PROP_NAME, 2000, 10, 600_000),
                r.string(REDIS_PREFIX_PROP_NAME, "pulsar"),
                r.integer(REDIS_TTL_PROP_NAME, 0, 0, Integer.MAX_VALUE / 1000)),
            newEpoch());
        config.checkCombinations();
        return config;
    }

    /**
     * The pipeline's share of the settings.
     *
     * @return the pipeline configuration.
     */
    public PipelineConfig pipeline()
    {
        return new PipelineConfig(ringSize, waitStrategy, slotBytes, Math.max(slotBytes, 64 * 1024), historySize,
            historyBytes, maxTopics, maxSubscriptions, idempotencyWindow, stageBatchMax, stageThreads, epoch);
    }

    /**
     * The publish endpoints' share of the settings.
     *
     * @return the ingest configuration.
     */
    public IngestConfig ingest()
    {
        return new IngestConfig(maxPayloadBytes, maxBatchMessages, maxBatchBytes, maxJsonDepth, maxIdBytes,
            http.bodyTimeoutMillis());
    }

    /**
     * The subscriber endpoints' share of the settings.
     *
     * @return the delivery configuration.
     */
    public DeliveryConfig delivery()
    {
        return new DeliveryConfig(outboundMaxBytes, slowPolicy, maxConnections, wsMaxFrameBytes, maxJsonDepth,
            sseHeartbeatMillis, http.wsPingIntervalMillis(), outboundTotalMaxBytes);
    }

    private void checkCombinations()
    {
        if (Integer.bitCount(ringSize) != 1)
        {
            throw new ConfigException(RING_SIZE_PROP_NAME + "=" + ringSize + ": must be a power of two");
        }
        if (stageThreads == 2)
        {
            throw new ConfigException(STAGE_THREADS_PROP_NAME +
                "=2: must be 0 (stages on the publishing threads), 1 (all stages on one thread) or 3 (one each)");
        }
        if (stageThreads == 0 && engine.redis())
        {
            throw new ConfigException(STAGE_THREADS_PROP_NAME + "=0 needs " + ENGINE_PROP_NAME + "=memory: with " +
                "Redis, the engine's client threads publish too and must not run the stages; use 1 or 3");
        }
        if (maxBatchMessages > ringSize)
        {
            throw new ConfigException(MAX_BATCH_MESSAGES_PROP_NAME + "=" + maxBatchMessages + " is larger than " +
                RING_SIZE_PROP_NAME + "=" + ringSize +
                ": a batch claims its slots at once, so it must fit in the ring");
        }
        if (maxPayloadBytes > maxBatchBytes)
        {
            throw new ConfigException(MAX_PAYLOAD_PROP_NAME + "=" + maxPayloadBytes + " is larger than " +
                MAX_BATCH_BYTES_PROP_NAME + "=" + maxBatchBytes +
                ": such a payload could never be published in a batch");
        }
        if (http.tls() && http.tlsKeystorePassword() == null)
        {
            throw new ConfigException(TLS_PASSWORD_PROP_NAME + " must be set with " + TLS_KEYSTORE_PROP_NAME);
        }
        if (http.tls() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(http.tlsKeystore())))
        {
            throw new ConfigException(TLS_KEYSTORE_PROP_NAME + "=" + http.tlsKeystore() + ": file not readable");
        }
        // Reads and checks the key now, so that a bad key stops start-up like any bad value.
        io.pulsarproxy.gateway.access.TokenVerifier.create(security.jwtSecret(), security.jwtPublicKey(),
            security.jwtJwks(), security.jwtClockSkewSeconds());
        final long largestFrame = (long)maxPayloadBytes + 200 + FRAME_OVERHEAD_BYTES;
        if (outboundMaxBytes < largestFrame)
        {
            throw new ConfigException(OUTBOUND_MAX_PROP_NAME + "=" + outboundMaxBytes + " cannot hold one message of " +
                MAX_PAYLOAD_PROP_NAME + "=" + maxPayloadBytes + "; it must be at least " + largestFrame);
        }
        if (outboundTotalMaxBytes < outboundMaxBytes)
        {
            throw new ConfigException(OUTBOUND_TOTAL_MAX_PROP_NAME + "=" + outboundTotalMaxBytes + " is smaller than " +
                OUTBOUND_MAX_PROP_NAME + "=" + outboundMaxBytes + ": one connection could never fill its own queue");
        }
    }

    private static String newEpoch()
    {
        // Time-ordered, so a later process has a later epoch, plus randomness against two starts in one millisecond.
        return Long.toString(System.currentTimeMillis(), 36) + "-" +
            Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("Pulsar Proxy configuration:\n");
        line(sb, HOST_PROP_NAME, host);
        line(sb, PORT_PROP_NAME, port);
        line(sb, IO_THREADS_PROP_NAME, ioThreads);
        line(sb, WORKER_THREADS_PROP_NAME, workerThreads);
        line(sb, RING_SIZE_PROP_NAME, ringSize);
        line(sb, WAIT_STRATEGY_PROP_NAME, waitStrategy.propertyValue());
        line(sb, SLOT_BYTES_PROP_NAME, slotBytes);
        line(sb, STAGE_BATCH_PROP_NAME, stageBatchMax);
        line(sb, STAGE_THREADS_PROP_NAME, stageThreads);
        line(sb, MAX_PAYLOAD_PROP_NAME, maxPayloadBytes);
        line(sb, MAX_BATCH_MESSAGES_PROP_NAME, maxBatchMessages);
        line(sb, MAX_BATCH_BYTES_PROP_NAME, maxBatchBytes);
        line(sb, MAX_JSON_DEPTH_PROP_NAME, maxJsonDepth);
        line(sb, MAX_ID_BYTES_PROP_NAME, maxIdBytes);
        line(sb, HISTORY_SIZE_PROP_NAME, historySize);
        line(sb, HISTORY_BYTES_PROP_NAME, historyBytes);
        line(sb, MAX_TOPICS_PROP_NAME, maxTopics);
        line(sb, MAX_SUBSCRIPTIONS_PROP_NAME, maxSubscriptions);
        line(sb, IDEMPOTENCY_WINDOW_PROP_NAME, idempotencyWindow);
        line(sb, MAX_CONNECTIONS_PROP_NAME, maxConnections);
        line(sb, OUTBOUND_MAX_PROP_NAME, outboundMaxBytes);
        line(sb, OUTBOUND_TOTAL_MAX_PROP_NAME, outboundTotalMaxBytes);
        line(sb, SLOW_POLICY_PROP_NAME, slowPolicy.propertyValue());
        line(sb, WS_MAX_FRAME_PROP_NAME, wsMaxFrameBytes);
        line(sb, SSE_HEARTBEAT_PROP_NAME, sseHeartbeatMillis);
        line(sb, SHUTDOWN_TIMEOUT_PROP_NAME, shutdownTimeoutMillis);
        line(sb, JWT_SECRET_PROP_NAME, security.jwtSecret() == null ? "(not set)" : "***");
        line(sb, JWT_PUBLIC_KEY_PROP_NAME, orUnset(security.jwtPublicKey()));
        line(sb, JWT_JWKS_PROP_NAME, orUnset(security.jwtJwks()));
        line(sb, JWT_CLOCK_SKEW_PROP_NAME, security.jwtClockSkewSeconds());
        line(sb, RATE_PUBLISH_PROP_NAME, security.publishRate());
        line(sb, RATE_PUBLISH_BYTES_PROP_NAME, security.publishBytes());
        line(sb, RATE_CONNECT_PROP_NAME, security.connectRate());
        line(sb, ALLOWED_ORIGINS_PROP_NAME, security.allowedOrigins().isEmpty() ? "(any)" :
            String.join(",", security.allowedOrigins()));
        line(sb, HTTP_MAX_CONNECTIONS_PROP_NAME, http.maxConnections());
        line(sb, HTTP_MAX_HEADER_PROP_NAME, http.maxHeaderBytes());
        line(sb, HTTP_HEADER_TIMEOUT_PROP_NAME, http.headerTimeoutMillis());
        line(sb, HTTP_BODY_TIMEOUT_PROP_NAME, http.bodyTimeoutMillis());
        line(sb, HTTP_IDLE_TIMEOUT_PROP_NAME, http.idleTimeoutMillis());
        line(sb, WS_PING_PROP_NAME, http.wsPingIntervalMillis());
        line(sb, TLS_KEYSTORE_PROP_NAME, orUnset(http.tlsKeystore()));
        line(sb, TLS_PASSWORD_PROP_NAME, http.tlsKeystorePassword() == null ? "(not set)" : "***");
        line(sb, TLS_TYPE_PROP_NAME, http.tlsKeystoreType());
        line(sb, ACCESS_LOG_PROP_NAME, http.accessLog());
        line(sb, CONSOLE_ENABLED_PROP_NAME, consoleEnabled);
        line(sb, ENGINE_PROP_NAME, engine.kind());
        final String unused = engine.redis() ? "" : " (unused by the memory engine)";
        line(sb, REDIS_URI_PROP_NAME, EngineSettings.masked(engine.redisUri()) + unused);
        line(sb, REDIS_TIMEOUT_PROP_NAME, engine.timeoutMillis() + unused);
        line(sb, REDIS_PREFIX_PROP_NAME, engine.prefix() + unused);
        line(sb, REDIS_TTL_PROP_NAME, engine.ttlSeconds() + unused);
        sb.append("  (epoch ").append(epoch).append(")");
        return sb.toString();
    }

    private static String orUnset(final String value)
    {
        return value == null ? "(not set)" : value;
    }

    private static void line(final StringBuilder sb, final String name, final Object value)
    {
        sb.append("  ").append(name).append(" = ").append(value).append('\n');
    }
}
