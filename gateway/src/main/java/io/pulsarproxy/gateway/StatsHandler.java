package io.pulsarproxy.gateway;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.pulsarproxy.delivery.DeliveryCounters;
import io.pulsarproxy.ingest.IngestCounters;
import io.pulsarproxy.pipeline.Engine;
import io.pulsarproxy.pipeline.EngineCounters;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.PipelineCounters;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/stats}: the gateway's counters as one small JSON object, for the web console and for scripts that
 * would rather not parse the Prometheus text.
 * <p>
 * It reads the same sources as {@code /metrics} ({@link PipelineCounters}, {@link IngestCounters},
 * {@link DeliveryCounters} and the delivery-latency timer), so the two always agree. Counters count since start;
 * a client derives rates from the difference of two readings. Latency percentiles are over a recent window,
 * not since start: the handler keeps a reading of the timer's histogram at most once a second and answers with the
 * percentiles of what was recorded since the newest reading at least {@link #WINDOW_MILLIS} old (or the
 * oldest one kept, the first being taken at start), interpolated within the histogram's buckets as Prometheus'
 * {@code histogram_quantile} does. {@code windowMillis} says how long
 * the window really was; the percentiles are {@code null} when nothing was recorded in it.
 * <p>
 * <b>Note:</b> answers on the IO thread; the window is guarded by this handler's lock, held for a few microseconds.
 */
final class StatsHandler implements HttpHandler
{
    /** Length of the window the latency percentiles cover. */
    static final long WINDOW_MILLIS = 10_000;

    private static final long SAMPLE_INTERVAL_MILLIS = 1_000;
    private static final int SAMPLES_KEPT = 16;
    private static final double[] QUANTILES = {0.5, 0.9, 0.99};
    private static final String[] QUANTILE_NAMES = {"p50Micros", "p90Micros", "p99Micros"};

    private final Pipeline pipeline;
    private final IngestCounters ingest;
    private final DeliveryCounters delivery;
    private final Timer latency;
    private final LongSupplier monotonicMillis;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>(SAMPLES_KEPT + 1);

    StatsHandler(
        final Pipeline pipeline,
        final IngestCounters ingest,
        final DeliveryCounters delivery,
        final Timer latency,
        final LongSupplier monotonicMillis)
    {
        this.pipeline = pipeline;
        this.ingest = ingest;
        this.delivery = delivery;
        this.latency = latency;
        this.monotonicMillis = monotonicMillis;
        samples.addLast(Sample.of(latency.takeSnapshot(), monotonicMillis.getAsLong()));
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        final PipelineCounters stages = pipeline.counters();
        final JsonWriter w = new JsonWriter(512)
            .raw("{\"timeMillis\":").number(System.currentTimeMillis())
            .raw(",\"ingestRequests\":").number(ingest.requests())
            .raw(",\"ingestMessages\":").number(ingest.accepted())
            .raw(",\"ingestBytes\":").number(ingest.bytes())
            .raw(",\"ingestRejected\":").number(ingest.invalid() + ingest.ringFull() + ingest.rejected() +
                ingest.forbidden() + ingest.rateLimited() + ingest.timedOut() + ingest.engineUnavailable())
            .raw(",\"routed\":").number(stages.routed())
            .raw(",\"deliveries\":").number(stages.delivered())
            .raw(",\"replayed\":").number(stages.replayed())
            .raw(",\"gaps\":").number(stages.historyGaps() + stages.epochGaps() + delivery.slowDrops())
            .raw(",\"connections\":").number(delivery.connections())
            .raw(",\"subscriptions\":").number(stages.subscriptions())
            .raw(",\"topics\":").number(stages.topics())
            .raw(",\"ringRemaining\":").number(pipeline.remainingCapacity())
            .raw(",\"ringSize\":").number(pipeline.ringSize())
            .raw(",\"engine\":");
        writeEngine(w);
        w.raw(",\"latency\":");
        writeLatency(w);
        w.raw("}");

        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(ByteBuffer.wrap(w.buffer(), 0, w.length()));
    }

    /** Where seqs live, and with Redis whether it can store and what it refilled or lost. */
    private void writeEngine(final JsonWriter w)
    {
        final Engine engine = pipeline.engine();
        if (engine == null)
        {
            w.raw("{\"kind\":\"memory\"}");
            return;
        }
        final EngineCounters counters = engine.counters();
        w.raw("{\"kind\":\"redis\",\"up\":").raw(engine.isAvailable() ? "true" : "false")
            .raw(",\"stored\":").number(counters.storedMessages.get())
            .raw(",\"storeFailures\":").number(counters.storeFailures.get())
            .raw(",\"reconnects\":").number(counters.reconnects.get())
            .raw(",\"refills\":").number(counters.refills())
            .raw(",\"lostMessages\":").number(counters.lostMessages())
            .raw("}");
    }

    /**
     * Writes the latency object and keeps a reading of the histogram when the last one is a second old.
     */
    synchronized void writeLatency(final JsonWriter w)
    {
        final long now = monotonicMillis.getAsLong();
        final Sample current = Sample.of(latency.takeSnapshot(), now);
        Sample base = samples.peekFirst();
        for (final Sample sample : samples)
        {
            if (sample.millis <= now - WINDOW_MILLIS)
            {
                base = sample;
            }
        }
        if (now - samples.peekLast().millis >= SAMPLE_INTERVAL_MILLIS)
        {
            samples.addLast(current);
            if (samples.size() > SAMPLES_KEPT)
            {
                samples.removeFirst();
            }
        }

        final long windowCount = current.count - base.count;
        w.raw("{\"count\":").number(current.count)
            .raw(",\"windowMillis\":").number(now - base.millis)
            .raw(",\"windowCount\":").number(windowCount);
        for (int q = 0; q < QUANTILES.length; q++)
        {
            w.raw(",\"").raw(QUANTILE_NAMES[q]).raw("\":");
            if (windowCount <= 0)
            {
                w.raw("null");
            }
            else
            {
                w.number(Math.round(quantile(QUANTILES[q], current, base, windowCount)));
            }
        }
        w.raw("}");
    }

    /**
     * The value below which the given fraction of the window's recordings fall, interpolated linearly within its
     * bucket; the top bucket's bound when it lies beyond every bucket.
     */
    static double quantile(final double q, final Sample current, final Sample base, final long windowCount)
    {
        final double rank = q * windowCount;
        double lowerBound = 0;
        double lowerCount = 0;
        for (int i = 0; i < current.bounds.length; i++)
        {
            final double count = current.counts[i] - base.counts[i];
            if (count >= rank && count > lowerCount)
            {
                return lowerBound + (current.bounds[i] - lowerBound) * (rank - lowerCount) / (count - lowerCount);
            }
            lowerBound = current.bounds[i];
            lowerCount = count;
        }
        return lowerBound;
    }

    /**
     * One reading of the latency histogram: cumulative counts at each bucket's upper bound, in microseconds.
     */
    record Sample(long millis, long count, double[] bounds, double[] counts)
    {
        static Sample of(final HistogramSnapshot snapshot, final long millis)
        {
            final CountAtBucket[] buckets = snapshot.histogramCounts();
            final double[] bounds = new double[buckets.length];
            final double[] counts = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++)
            {
                bounds[i] = buckets[i].bucket(TimeUnit.MICROSECONDS);
                counts[i] = buckets[i].count();
            }
            return new Sample(millis, snapshot.count(), bounds, counts);
        }
    }
}
