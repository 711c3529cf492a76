package io.pulsarproxy.delivery;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

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
 * <b>Note:</b> offers come from the deliver thread and from IO threads (control frames); draining runs on the IO
 * thread the flusher belongs to.
 */
final class IoThreadFlusher implements Runnable
{
    private final Executor ioThread;
    private final ManyToOneConcurrentArrayQueue<QueuedSubscriber> pending;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    private IoThreadFlusher(final Executor ioThread, final int capacity)
    {
        this.ioThread = ioThread;
        this.pending = new ManyToOneConcurrentArrayQueue<>(capacity);
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
        QueuedSubscriber subscriber;
        while ((subscriber = pending.poll()) != null)
        {
            subscriber.send();
        }
    }
}
