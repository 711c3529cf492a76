package io.pulsarproxy.gateway;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.pulsarproxy.pipeline.EngineCounters;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pulsarproxy.delivery.DeliveryCounters;
import io.pulsarproxy.gateway.access.AccessHandler;
import io.pulsarproxy.ingest.IngestCounters;
import io.pulsarproxy.pipeline.EpochClock;
import io.pulsarproxy.pipeline.LatencyRecorder;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.PipelineCounters;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's metrics in a Micrometer Prometheus registry, served at {@code GET /metrics}.
 * <p>
 * The stages and handlers keep plain counters of their own; this class only reads them when Prometheus scrapes
 * (function counters and gauges), so counting costs the hot path nothing. The per-message and per-write
 * measurements (delivery latency, write latency, batch sizes) go into Micrometer meters whose record path does not
 * allocate.
 * <p>
 * Those hot meters live in a second Micrometer registry that shares the first one's Prometheus registry, so one
 * scrape serves both, but has its own clock ({@link RecordingClock}) and no pause detector. A Micrometer timer
 * otherwise reads the clock three times per record (its max's window, its histogram's window, the pause detector);
 * with our own read, four clock reads per message took 10% of the gateway's CPU under batches of 1,000.
 */
final class GatewayMetrics implements LatencyRecorder
{
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RecordingClock hotClock = new RecordingClock();
    private final PrometheusMeterRegistry hot =
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, registry.getPrometheusRegistry(), hotClock);
    private final Timer deliveryLatency;
    private final Timer writeLatency;
    private final DistributionSummary batchSizes;
    private final AtomicLongArray responses = new AtomicLongArray(6);

    GatewayMetrics()
    {
        // Pause detection adds a clock read per record, and synthetic samples we do not want in these histograms.
        hot.config().pauseDetector(new NoPauseDetector());
        deliveryLatency = Timer.builder("pulsar.delivery.latency")
            .description("Time from a message's receipt to its hand-off to every subscriber's outbound buffer")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(hot);
        writeLatency = Timer.builder("pulsar.write.latency")
            .description("Time from the receipt of the oldest message in a frame to the frame's hand-off to the socket")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(hot);
        batchSizes = DistributionSummary.builder("pulsar.ingest.batch.size")
            .description("Messages per accepted publish request")
            .baseUnit("messages")
            .serviceLevelObjectives(1, 10, 50, 100, 1_000, 10_000)
            .register(hot);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    @Override
    public void record(final long nowMicros, final long receivedMicros)
    {
        hotClock.advance(nowMicros);
        deliveryLatency.record(Math.max(0, nowMicros - receivedMicros), TimeUnit.MICROSECONDS);
    }

    @Override
    public void recordAll(final long nowMicros, final long[] receivedMicros, final int count)
    {
        hotClock.advance(nowMicros);
        for (int i = 0; i < count; i++)
        {
            deliveryLatency.record(Math.max(0, nowMicros - receivedMicros[i]), TimeUnit.MICROSECONDS);
        }
    }

    /**
     * Records one frame write's latency; called on IO threads.
     *
     * @param nowMicros      the clock reading at the write.
     * @param receivedMicros the receipt of the frame's oldest message.
     */
    void recordWrite(final long nowMicros, final long receivedMicros)
    {
        hotClock.advance(nowMicros);
        writeLatency.record(Math.max(0, nowMicros - receivedMicros), TimeUnit.MICROSECONDS);
    }

    /**
     * Records the size of an accepted publish request; called on IO threads, after its messages were delivered,
     * which moved the hot meters' clock a moment ago.
     *
     * @param messages the request's messages.
     */
    void recordBatch(final long messages)
    {
        batchSizes.record(messages);
    }

    /**
     * Counts a finished HTTP exchange by status class.
     */
    void response(final int status)
    {
        final int statusClass = status / 100;
        if (statusClass >= 1 && statusClass <= 5)
        {
            responses.incrementAndGet(statusClass);
        }
    }

    void bind(
        final Pipeline pipeline,
        final IngestCounters ingest,
        final DeliveryCounters delivery,
        final AccessHandler.AccessCounters access)
    {
        final PipelineCounters stages = pipeline.counters();
        for (int statusClass = 1; statusClass <= 5; statusClass++)
        {
            final int index = statusClass;
            FunctionCounter.builder("pulsar.http.responses", responses, r -> r.get(index))
                .description("HTTP responses by status class").tag("class", statusClass + "xx").register(registry);
        }

        counter("pulsar.ingest.requests", ingest, IngestCounters::requests, "Publish requests received");
        counter("pulsar.ingest.messages", ingest, IngestCounters::accepted, "Messages acknowledged with 202");
        counter("pulsar.ingest.bytes", ingest, IngestCounters::bytes, "Publish body bytes received");
        rejected(ingest, "invalid", IngestCounters::invalid);
        rejected(ingest, "ring_full", IngestCounters::ringFull);
        rejected(ingest, "refused", IngestCounters::rejected);
        rejected(ingest, "forbidden", IngestCounters::forbidden);
        rejected(ingest, "rate_limited", IngestCounters::rateLimited);
        rejected(ingest, "body_timeout", IngestCounters::timedOut);
        rejected(ingest, "engine_unavailable", IngestCounters::engineUnavailable);

        Gauge.builder("pulsar.ring.remaining.capacity", pipeline, Pipeline::remainingCapacity)
            .description("Free slots in the ring").register(registry);
        Gauge.builder("pulsar.ring.size", pipeline, Pipeline::ringSize)
            .description("Slots in the ring").register(registry);
        counter("pulsar.routed.messages", stages, PipelineCounters::routed, "Messages sequenced");
        counter("pulsar.deliveries", stages, PipelineCounters::delivered,
            "Messages handed to subscribers (one per subscriber per message)");
        counter("pulsar.replayed.messages", stages, PipelineCounters::replayed, "Messages replayed from history");
        counter("pulsar.duplicates", stages, PipelineCounters::duplicates,
            "Messages not published again because their id was already accepted");
        counter("pulsar.stage.errors", stages, PipelineCounters::stageErrors, "Exceptions caught in the stages");
        Gauge.builder("pulsar.topics", stages, PipelineCounters::topics).description("Topics").register(registry);
        Gauge.builder("pulsar.subscriptions", stages, PipelineCounters::subscriptions)
            .description("Subscriptions held by all connections").register(registry);

        gaps(stages, "history", PipelineCounters::historyGaps);
        gaps(stages, "epoch", PipelineCounters::epochGaps);
        FunctionCounter.builder("pulsar.gaps", delivery, DeliveryCounters::slowDrops)
            .description("Gap frames sent, by reason").tag("reason", "slow-consumer").register(registry);
        counter("pulsar.slow.consumer.disconnects", delivery, DeliveryCounters::slowDisconnects,
            "Connections closed for reading too slowly");

        Gauge.builder("pulsar.connections", delivery, DeliveryCounters::connections)
            .description("Open WebSocket and SSE connections").register(registry);
        Gauge.builder("pulsar.outbound.bytes", delivery, DeliveryCounters::outboundBytes)
            .description("Memory of all connections' outbound buffers: queued, in flight or kept (bound: " +
                "proxy.outbound.total.max.bytes)")
            .baseUnit("bytes").strongReference(true).register(registry);
        counter("pulsar.connections.opened", delivery, DeliveryCounters::connectionsOpened, "Connections accepted");
        counter("pulsar.connections.refused", delivery, DeliveryCounters::connectionsRefused,
            "Connections refused at the connection limit");
        closed(delivery, "half_open", DeliveryCounters::halfOpenClosed);
        closed(delivery, "token_expired", DeliveryCounters::expired);
        counter("pulsar.frames.sent", delivery, DeliveryCounters::framesSent, "Frames and events written");
        counter("pulsar.client.errors", delivery, DeliveryCounters::clientErrors,
            "Client frames answered with an error frame");

        auth(access, "missing_token", AccessHandler.AccessCounters::missingToken);
        auth(access, "invalid_token", AccessHandler.AccessCounters::invalidToken);
        auth(access, "origin", AccessHandler.AccessCounters::originRefused);
        FunctionCounter.builder("pulsar.auth.failures", ingest, IngestCounters::forbidden)
            .description("Requests refused by authentication or authorization").tag("reason", "forbidden_publish")
            .register(registry);
        FunctionCounter.builder("pulsar.auth.failures", delivery, DeliveryCounters::forbidden)
            .description("Requests refused by authentication or authorization").tag("reason", "forbidden_subscribe")
            .register(registry);
        FunctionCounter.builder("pulsar.rate.limited", ingest, IngestCounters::rateLimited)
            .description("Requests refused by a rate limit").tag("kind", "publish").register(registry);
        FunctionCounter.builder("pulsar.rate.limited", access, AccessHandler.AccessCounters::connectRateLimited)
            .description("Requests refused by a rate limit").tag("kind", "connect").register(registry);
    }

    /**
     * Registers the shared engine's meters: store round trips and their sizes, reconnects, refills and losses.
     *
     * @param engine    the engine's counters.
     * @param available whether the engine can store right now.
     */
    void bindEngine(final EngineCounters engine, final java.util.function.BooleanSupplier available)
    {
        final Timer roundTrip = Timer.builder("pulsar.engine.round.trip")
            .description("Time from sending a batch to the store to its answer")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
        final DistributionSummary batch = DistributionSummary.builder("pulsar.engine.batch.size")
            .description("Messages stored per round trip")
            .baseUnit("messages")
            .serviceLevelObjectives(1, 10, 50, 100, 1_000, 10_000)
            .register(registry);
        engine.roundTripRecorder((nanos, messages) ->
        {
            roundTrip.record(nanos, TimeUnit.NANOSECONDS);
            batch.record(messages);
        });
        counter("pulsar.engine.stored.messages", engine, e -> e.storedMessages.get(), "Messages stored by the engine");
        counter("pulsar.engine.store.failures", engine, e -> e.storeFailures.get(),
            "Messages the engine could not store (answered 503)");
        counter("pulsar.engine.reconnects", engine, e -> e.reconnects.get(),
            "Times the engine's feed connection came back");
        counter("pulsar.engine.live.messages", engine, e -> e.liveMessages.get(),
            "Messages received from the engine's live feed");
        counter("pulsar.engine.fetched.messages", engine, e -> e.fetchedMessages.get(),
            "Messages fetched from stored history (refills and replays)");
        counter("pulsar.engine.refills", engine, EngineCounters::refills, "Missed ranges fetched from the store");
        counter("pulsar.engine.lost.ranges", engine, EngineCounters::lostRanges,
            "Ranges the store no longer held when needed (sent as gaps)");
        counter("pulsar.engine.lost.messages", engine, EngineCounters::lostMessages,
            "Messages in those ranges");
        // A strong reference: Micrometer holds gauge sources weakly, and nothing else holds this lambda.
        Gauge.builder("pulsar.engine.up", available, a -> a.getAsBoolean() ? 1 : 0)
            .description("1 while the engine can store, else 0").strongReference(true).register(registry);
    }

    /**
     * The {@code GET /metrics} handler: the Prometheus text format, rendered on a worker thread.
     * <p>
     * A scrape is not cheap enough for an IO thread: the open-files gauge lists {@code /proc/self/fd}, one entry per
     * connection, and with 10,000 connections a scrape took 14-45 ms (median 18), during which every connection of
     * that IO thread waited. On a worker thread the scrape costs the same CPU but holds up no socket.
     */
    HttpHandler handler()
    {
        final HttpHandler scrape = exchange ->
        {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            hotClock.advance(EpochClock.micros());
            exchange.getResponseSender().send(registry.scrape());
        };
        return exchange ->
        {
            if (exchange.isInIoThread())
            {
                exchange.dispatch(scrape);
                return;
            }
            scrape.handleRequest(exchange);
        };
    }

    /**
     * The delivery-latency timer, for {@code GET /v1/stats}; its clock is brought up to date first, since what
     * reads the timer rotates its windows by that clock.
     */
    Timer deliveryLatency()
    {
        hotClock.advance(EpochClock.micros());
        return deliveryLatency;
    }

    PrometheusMeterRegistry registry()
    {
        return registry;
    }

    void close()
    {
        hot.close();
        registry.close();
    }

    private <T> void counter(final String name, final T source, final ToDoubleFunction<T> f, final String help)
    {
        FunctionCounter.builder(name, source, f).description(help).register(registry);
    }

    private void rejected(final IngestCounters ingest, final String reason, final ToDoubleFunction<IngestCounters> f)
    {
        FunctionCounter.builder("pulsar.ingest.rejected", ingest, f)
            .description("Publish requests refused, by reason").tag("reason", reason).register(registry);
    }

    private void gaps(final PipelineCounters stages, final String reason, final ToDoubleFunction<PipelineCounters> f)
    {
        FunctionCounter.builder("pulsar.gaps", stages, f)
            .description("Gap frames sent, by reason").tag("reason", reason).register(registry);
    }

    private void closed(final DeliveryCounters delivery, final String reason,
        final ToDoubleFunction<DeliveryCounters> f)
    {
        FunctionCounter.builder("pulsar.connections.closed", delivery, f)
            .description("Connections closed by the gateway, by reason").tag("reason", reason).register(registry);
    }

    private void auth(final AccessHandler.AccessCounters access, final String reason,
        final ToDoubleFunction<AccessHandler.AccessCounters> f)
    {
        FunctionCounter.builder("pulsar.auth.failures", access, f)
            .description("Requests refused by authentication or authorization").tag("reason", reason)
            .register(registry);
    }
}
