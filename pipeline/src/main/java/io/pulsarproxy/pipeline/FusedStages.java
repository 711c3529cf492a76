package io.pulsarproxy.pipeline;

import com.lmax.disruptor.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs decode, route and deliver one after the other on a single thread, event by event.
 * <p>
 * The stages keep their classes and their single responsibility; only the thread is shared. This exists because
 * the Disruptor's wait strategies make a downstream stage busy-spin on its upstream stage's sequence: with fewer
 * cores than stage threads plus IO threads, the spinning stages take the CPU the upstream stage needs, and a
 * publish that takes 45 us on its own takes 400-700 us (measured on 2 cores). One thread, woken once per batch,
 * removes both the spinning and two wake-ups. {@code proxy.stage.threads=3} gives each stage its own thread again.
 */
final class FusedStages implements EventHandler<MessageEvent>
{
    private static final Logger LOG = LoggerFactory.getLogger(FusedStages.class);

    private final DecodeHandler decode;
    private final RouteHandler route;
    private final DeliverHandler deliver;
    private final PipelineCounters counters;

    FusedStages(
        final DecodeHandler decode, final RouteHandler route, final DeliverHandler deliver,
        final PipelineCounters counters)
    {
        this.decode = decode;
        this.route = route;
        this.deliver = deliver;
        this.counters = counters;
    }

    @Override
    public void onEvent(final MessageEvent event, final long sequence, final boolean endOfBatch)
    {
        try
        {
            decode.onEvent(event, sequence, endOfBatch);
            route.onEvent(event, sequence, endOfBatch);
        }
        catch (final RuntimeException ex)
        {
            // Route marks an event failed before it starts; deliver must still see it, so its request is answered.
            counters.stageErrors.incrementAndGet();
            LOG.error("decode/route failed on sequence {} ({}); continuing", sequence, event.type, ex);
        }
        deliver.onEvent(event, sequence, endOfBatch);
    }

    @Override
    public void onStart()
    {
        Thread.currentThread().setName("pulsar-stages");
    }

    @Override
    public void onShutdown()
    {
        deliver.onShutdown();
    }
}
