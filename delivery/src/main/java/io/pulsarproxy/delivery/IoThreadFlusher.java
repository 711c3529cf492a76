package io.pulsarproxy.delivery;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelPipe;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands subscribers with frames to write to their IO thread in bulk: one task per IO thread per burst, not one per
 * subscriber.
 * <p>
 * Every {@link Executor#execute} on an XNIO IO thread queues a task and wakes the thread's selector, a system call.
 * When one message fans out to a thousand connections, the deliver stage would pay that a thousand times; instead it
 * offers each connection to its IO thread's queue here and wakes the thread once, and the thread drains the queue.
 * A subscriber is offered at most once until its write completes ({@link Outbound#beginSend()}), so a queue as long
 * as the connection limit never overflows.
 * <p>
 * A run yields to the IO thread's selector before it goes on to the next connection. XNIO runs every queued task,
 * including one re-queued from a task, before it selects again, so a flusher that re-queued itself would still write
 * every subscriber before the thread reads anything. Instead the run resumes writes on a pipe that is always
 * writable: the next select reports it at once, together with whatever else is ready, such as a publisher's next
 * request. A message published meanwhile joins the frames still queued for the subscribers not yet written, so under
 * fan-out a frame carries more messages, there are fewer writes for the same deliveries, and a publisher waits less.
 * <p>
 * How often to yield depends on how busy the thread has been writing. A run that starts after a quiet spell (at
 * least {@link #BUSY_GAP_NANOS} since the last run returned) writes up to {@link #QUIET_WRITES_PER_TURN}
 * connections before it yields, so an occasional message reaches a small fan-out without a select between its
 * writes. A run that starts sooner (a continued fan-out, or the next message's) writes one connection per turn:
 * every request that arrives while frames wait is read before the next write.
 * <p>
 * A narrow fan-out that inline stages run on this flusher's own IO thread skips the queue: {@link #sendOrOffer}
 * writes at once unless connections are already waiting here, so those frames go out before the publisher's 202.
 * <p>
 * <b>Note:</b> offers come from the deliver thread and from IO threads (control frames); draining runs on the IO
 * thread the flusher belongs to.
 */
final class IoThreadFlusher implements Runnable
{
    /**
     * Connections written before the IO thread gets to select, in a run that starts after a quiet spell. A select
     * between every two writes at all rates cost 20 subscribers of a 2,000 msg/s publisher 0.03-0.08 ms at p50.
     */
    static final int QUIET_WRITES_PER_TURN = 16;
    /**
     * A run that starts less than this after the previous run ended writes one connection per turn. With every turn
     * a single write, a sequential publisher's next request was read while the frames of the one before still
     * waited: 2-6 messages per frame instead of 1.0-1.5 for 20 and 30 subscribers, and 1.3-2x the publish rate.
     */
    static final long BUSY_GAP_NANOS = 100_000;

    private final Executor ioThread;
    private final ManyToOneConcurrentArrayQueue<QueuedSubscriber> pending;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final StreamSinkChannel yield;
    /** When the last run returned; IO thread only. */
    private long lastRunEndNanos = System.nanoTime() - BUSY_GAP_NANOS;

    private IoThreadFlusher(final Executor ioThread, final int capacity)
    {
        this.ioThread = ioThread;
        this.pending = new ManyToOneConcurrentArrayQueue<>(capacity);
        this.yield = ioThread instanceof XnioIoThread ? yieldChannel((XnioIoThread)ioThread) : null;
    }

    /**
     * The sink of a pipe on the IO thread, never written: resuming its writes makes the next select report it.
     */
    private StreamSinkChannel yieldChannel(final XnioIoThread thread)
    {
        try
        {
            final ChannelPipe<StreamSourceChannel, StreamSinkChannel> pipe = thread.createHalfDuplexPipe();
            final StreamSinkChannel sink = pipe.getRightSide();
            sink.getWriteSetter().set(channel ->
            {
                channel.suspendWrites();
                run();
            });
            return sink;
        }
        catch (final IOException | RuntimeException ex)
        {
            LoggerFactory.getLogger(IoThreadFlusher.class)
                .warn("no yield pipe for {}; flushing without yielding", thread, ex);
            return null;
        }
    }

    /**
     * The flusher of an IO thread, created on first use.
     *
     * @param flushers  the flushers by IO thread, shared by all subscribers of a gateway.
     * @param ioThread  the IO thread.
     * @param capacity  the most subscribers that may wait at once (the connection limit).
     * @return the flusher.
     */
    static IoThreadFlusher of(final Map<Executor, IoThreadFlusher> flushers, final Executor ioThread, final int capacity)
    {
        return flushers.computeIfAbsent(ioThread, t -> new IoThreadFlusher(t, capacity));
    }

    /**
     * A new map of flushers for one gateway.
     *
     * @return the map.
     */
    static Map<Executor, IoThreadFlusher> newRegistry()
    {
        return new ConcurrentHashMap<>();
    }

    /**
     * Writes at once when called on this flusher's IO thread with nothing of its own waiting (a narrow fan-out run
     * by inline stages on the thread that owns the connection); otherwise the same as {@link #offer}.
     *
     * @param subscriber a subscriber whose {@link Outbound#beginSend()} just returned true.
     */
    void sendOrOffer(final QueuedSubscriber subscriber)
    {
        // With connections already waiting, this one waits its turn behind them (and behind the yield).
        if (Thread.currentThread() == ioThread && !scheduled.get())
        {
            subscriber.send();
            return;
        }
        offer(subscriber);
    }

    /**
     * Schedules a subscriber's write on this IO thread.
     *
     * @param subscriber a subscriber whose {@link Outbound#beginSend()} just returned true.
     */
    void offer(final QueuedSubscriber subscriber)
    {
        if (!pending.offer(subscriber))
        {
            // Cannot happen while each connection is queued at most once; fall back to a task of its own.
            ioThread.execute(subscriber::send);
            return;
        }
        if (scheduled.compareAndSet(false, true))
        {
            ioThread.execute(this);
        }
    }

    /** Runs on the IO thread: writes for every subscriber queued so far. */
    @Override
    public void run()
    {
        // Clear the flag before draining: an offer that races with the drain schedules one more (maybe empty) run
        // rather than being left behind.
        scheduled.set(false);
        final long start = System.nanoTime();
        int budget = start - lastRunEndNanos < BUSY_GAP_NANOS ? 1 : QUIET_WRITES_PER_TURN;
        try
        {
            QueuedSubscriber subscriber;
            while ((subscriber = pending.poll()) != null)
            {
                subscriber.send();
                if (--budget == 0 && yield != null && !pending.isEmpty())
                {
                    // The pipe's write listener runs the rest after the next select; until then offers need not
                    // schedule a run. (A run an offer scheduled meanwhile runs first and yields in turn.)
                    scheduled.set(true);
                    yield.resumeWrites();
                    return;
                }
            }
        }
        finally
        {
            // Two clock reads per run, not per write.
            lastRunEndNanos = System.nanoTime();
        }
    }
}
