package io.pulsarproxy.pipeline;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventProcessorFactory;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;

import java.util.concurrent.TimeUnit;
import com.lmax.disruptor.TimeoutException;

/**
 * The ring and its three stages: decode, then route (single writer of the topic table), then deliver.
 * <p>
 * The stages run on the publishing threads by default ({@link InlineStages}), on one stage thread
 * ({@link FusedStages}), or on one thread each; the order of work and the single writer of each piece of state are
 * the same every way.
 * <p>
 * Producers (ingest's IO threads, subscribers' IO threads) never block here: every claim is a try that fails when
 * the ring is full, and the caller answers 503 or an error frame. A batch claims its slots in one go, so its
 * messages are contiguous in the ring and published together.
 * <p>
 * <b>Note:</b> start once, then {@link #close()} once, after every producer has stopped; the Disruptor's shutdown
 * "may never return" while publishing goes on.
 */
public final class Pipeline implements AutoCloseable
{
    private final PipelineConfig config;
    private final Disruptor<MessageEvent> disruptor;
    private final InlineStages inline;
    private final RingBuffer<MessageEvent> ring;
    private final PipelineCounters counters = new PipelineCounters();
    private final TopicTable table;
    private final Engine engine;
    private volatile boolean running;

    /**
     * Builds the ring and wires the stages; nothing runs until {@link #start()}.
     *
     * @param config the pipeline settings.
     */
    public Pipeline(final PipelineConfig config)
    {
        this(config, LatencyRecorder.NONE);
    }

    /**
     * Builds the ring and wires the stages; nothing runs until {@link #start()}.
     *
     * @param config  the pipeline settings.
     * @param latency receives each message's time from receipt to hand-off to its subscribers.
     */
    public Pipeline(final PipelineConfig config, final LatencyRecorder latency)
    {
        this(config, latency, null);
    }

    /**
     * Builds the ring and wires the stages around a shared engine; nothing runs until {@link #start()}.
     *
     * @param config  the pipeline settings.
     * @param latency receives each message's time from receipt to hand-off to its subscribers.
     * @param engine  the shared store that sequences and keeps messages, or null to do both in memory.
     */
    public Pipeline(final PipelineConfig config, final LatencyRecorder latency, final Engine engine)
    {
        this.config = config;
        this.engine = engine;
        final EventFactory<MessageEvent> slots = () -> new MessageEvent(config.slotBytes(), config.slotRetainBytes());
        if (config.stageThreads() == 0)
        {
            // No thread waits on this ring, so the wait strategy only matters for its signal on every publish:
            // the busy-spin strategy's is a no-op, where the blocking one would take a lock per publish.
            this.disruptor = null;
            this.ring = RingBuffer.createMultiProducer(slots, config.ringSize(), new BusySpinWaitStrategy());
        }
        else
        {
            this.disruptor = new Disruptor<>(slots, config.ringSize(), DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                config.waitStrategy().create());
            this.ring = disruptor.getRingBuffer();
        }
        this.table = new TopicTable(config.maxTopics(), config.historySize(), config.historyBytes(), config.epoch());

        final DecodeHandler decode = new DecodeHandler();
        final RouteHandler route = new RouteHandler(
            table, config.maxSubscriptionsPerSubscriber(), config.idempotencyWindow(), ring, counters, engine);
        final DeliverHandler deliver = new DeliverHandler(counters, latency);
        if (config.stageThreads() == 0)
        {
            this.inline = new InlineStages(ring, new FusedStages(decode, route, deliver, counters),
                new StageExceptionHandler("stages", counters), config.maxBatchSize());
        }
        else if (config.stageThreads() == 1)
        {
            this.inline = null;
            disruptor.handleEventsWith(stage(new FusedStages(decode, route, deliver, counters), "stages"));
        }
        else
        {
            this.inline = null;
            disruptor
                .handleEventsWith(stage(decode, "decode"))
                .then(stage(route, "route"))
                .then(stage(deliver, "deliver"));
        }
        if (engine != null)
        {
            engine.bind(this);
        }
    }

    /**
     * The shared engine the pipeline runs with.
     *
     * @return the engine, or null when sequencing and history are in memory.
     */
    public Engine engine()
    {
        return engine;
    }

    /**
     * Wraps a handler in a processor whose batches are capped, so that one long burst cannot delay the end-of-batch
     * flush and the replies it carries, and whose exceptions are logged and counted instead of stopping the stage.
     */
    private EventProcessorFactory<MessageEvent> stage(final EventHandler<MessageEvent> handler, final String name)
    {
        return (ringBuffer, barrierSequences) ->
        {
            final BatchEventProcessor<MessageEvent> processor = new BatchEventProcessorBuilder()
                .setMaxBatchSize(config.maxBatchSize())
                .build(ringBuffer, ringBuffer.newBarrier(barrierSequences), handler);
            processor.setExceptionHandler(new StageExceptionHandler(name, counters));
            return processor;
        };
    }

    /**
     * Starts the stage threads, if the stages have threads of their own.
     */
    public void start()
    {
        if (disruptor != null)
        {
            disruptor.start();
        }
        running = true;
    }

    /**
     * Tells whether the stages run.
     *
     * @return true between {@link #start()} and {@link #close()}.
     */
    public boolean isRunning()
    {
        return running;
    }

    /**
     * The settings this pipeline was built with.
     *
     * @return the configuration.
     */
    public PipelineConfig config()
    {
        return config;
    }

    /**
     * Counters kept by the stages.
     *
     * @return the counters.
     */
    public PipelineCounters counters()
    {
        return counters;
    }

    /**
     * Free slots in the ring right now.
     *
     * @return the remaining capacity.
     */
    public long remainingCapacity()
    {
        return ring.remainingCapacity();
    }

    /**
     * Slots in the ring.
     *
     * @return the ring size.
     */
    public int ringSize()
    {
        return ring.getBufferSize();
    }

    /**
     * Claims {@code n} contiguous slots without waiting. Fill each with {@link #event(long)}, then call
     * {@link #publish(long, long)} in a {@code finally} block: a claimed slot that is never published stalls the ring.
     *
     * @param n how many slots, at most the ring size.
     * @return the sequence of the last claimed slot (the first is {@code hi - n + 1}), or -1 when the ring has no room.
     */
    public long tryClaim(final int n)
    {
        try
        {
            return ring.tryNext(n);
        }
        catch (final InsufficientCapacityException ex)
        {
            return -1;
        }
    }

    /**
     * Claims {@code n} contiguous slots, waiting while the ring is full; for a shared engine's threads, whose input
     * must not be dropped and whose backlog waits in the store meanwhile. The stages never wait for an engine, so
     * the ring always drains.
     *
     * @param n how many slots, at most the ring size.
     * @return the sequence of the last claimed slot, or -1 once the pipeline has stopped.
     */
    public long claim(final int n)
    {
        while (running)
        {
            final long hi = tryClaim(n);
            if (hi >= 0)
            {
                return hi;
            }
            if (inline != null)
            {
                if (inline.isDraining())
                {
                    // Called from inside the stages with the ring full: waiting here would wait for itself.
                    throw new IllegalStateException("ring full while publishing from inside the stages");
                }
                inline.drain();
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        return -1;
    }

    /**
     * The event in a claimed slot.
     *
     * @param sequence a claimed sequence.
     * @return the slot's event, to fill in place.
     */
    public MessageEvent event(final long sequence)
    {
        return ring.get(sequence);
    }

    /**
     * Makes claimed slots visible to the stages.
     *
     * @param lo first claimed sequence.
     * @param hi last claimed sequence.
     */
    public void publish(final long lo, final long hi)
    {
        ring.publish(lo, hi);
        if (inline != null)
        {
            inline.drain();
        }
    }

    /**
     * Asks for a subscription to a topic or a pattern; the subscriber hears {@code onSubscribed} (or
     * {@code onSubscribedPattern}) or {@code onSubscribeRefused}, then, with {@code from}, the retained messages from
     * that seq (a {@code gap} first for what history no longer holds), then live messages.
     *
     * @param subscriber who asks.
     * @param topic      bytes holding a validated topic or pattern.
     * @param offset     where it starts.
     * @param length     its length.
     * @param from       first seq wanted, or {@link MessageEvent#NO_FROM} for live messages only (not with patterns).
     * @param epoch      the epoch {@code from} was counted in, or null to take the current one.
     * @return false when the ring is full and nothing was queued.
     */
    public boolean trySubscribe(
        final Subscriber subscriber, final byte[] topic, final int offset, final int length, final long from,
        final String epoch)
    {
        final TopicPattern pattern = TopicName.isWildcard(topic, offset, length) ?
            new TopicPattern(topic, offset, length) : null;
        return trySubscription(EventType.SUBSCRIBE, subscriber, topic, offset, length, pattern, from, epoch);
    }

    /**
     * Asks for a live subscription to a topic or pattern.
     *
     * @param subscriber who asks.
     * @param topic      bytes holding a validated topic or pattern.
     * @param offset     where it starts.
     * @param length     its length.
     * @return false when the ring is full and nothing was queued.
     */
    public boolean trySubscribe(final Subscriber subscriber, final byte[] topic, final int offset, final int length)
    {
        return trySubscribe(subscriber, topic, offset, length, MessageEvent.NO_FROM, null);
    }

    /**
     * Asks to drop a subscription to a topic or a pattern; the subscriber hears {@code onUnsubscribed}. Other
     * subscriptions that cover the same topics stay.
     *
     * @param subscriber who asks.
     * @param topic      bytes holding a validated topic or pattern.
     * @param offset     where it starts.
     * @param length     its length.
     * @return false when the ring is full and nothing was queued.
     */
    public boolean tryUnsubscribe(final Subscriber subscriber, final byte[] topic, final int offset, final int length)
    {
        final TopicPattern pattern = TopicName.isWildcard(topic, offset, length) ?
            new TopicPattern(topic, offset, length) : null;
        return trySubscription(EventType.UNSUBSCRIBE, subscriber, topic, offset, length, pattern,
            MessageEvent.NO_FROM, null);
    }

    /**
     * Forgets every subscription of a subscriber that has gone.
     *
     * @param subscriber the subscriber.
     * @return false when the ring is full; retry later, until then the subscriber merely receives and drops.
     */
    public boolean tryDetach(final Subscriber subscriber)
    {
        return trySubscription(EventType.DETACH, subscriber, null, 0, 0, null, MessageEvent.NO_FROM, null);
    }

    /**
     * Asks for topic statistics; the answer arrives through {@link TopicQuery#onAnswered(java.util.List)}.
     *
     * @param query the query.
     * @return false when the ring is full.
     */
    public boolean tryQuery(final TopicQuery query)
    {
        final long seq = tryClaim(1);
        if (seq < 0)
        {
            return false;
        }
        try
        {
            ring.get(seq).setQuery(query);
        }
        finally
        {
            publish(seq, seq);
        }
        return true;
    }

    /**
     * Waits until every published event has passed all stages, then stops the stage threads.
     *
     * @param timeout how long to wait for the backlog to drain.
     * @param unit    unit of the timeout.
     * @return true if the ring drained; false if the stages were halted with work left.
     */
    public boolean shutdown(final long timeout, final TimeUnit unit)
    {
        if (!running)
        {
            return true;
        }
        running = false;
        if (inline != null)
        {
            return inline.shutdown(unit.toNanos(timeout));
        }
        try
        {
            disruptor.shutdown(timeout, unit);
            return true;
        }
        catch (final TimeoutException ex)
        {
            disruptor.halt();
            return false;
        }
    }

    @Override
    public void close()
    {
        shutdown(10, TimeUnit.SECONDS);
    }

    private boolean trySubscription(
        final EventType type,
        final Subscriber subscriber,
        final byte[] topic,
        final int offset,
        final int length,
        final TopicPattern pattern,
        final long from,
        final String epoch)
    {
        final long seq = tryClaim(1);
        if (seq < 0)
        {
            return false;
        }
        try
        {
            ring.get(seq).setSubscription(type, subscriber, topic, offset, length, pattern, from, epoch);
        }
        finally
        {
            publish(seq, seq);
        }
        return true;
    }
}
