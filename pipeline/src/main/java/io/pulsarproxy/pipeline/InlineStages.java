package io.pulsarproxy.pipeline;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the stages on the thread that publishes, instead of on a stage thread of their own ({@code
 * proxy.stage.threads=0}).
 * <p>
 * A producer publishes its slots, then tries to become the ring's drainer: if no other thread is draining, it runs
 * decode, route and deliver ({@link FusedStages}) over every published event, its own and anyone else's, in ring
 * order, then lets go. If another thread is draining, that thread runs the new events before it lets go. Only the
 * drainer runs the stages, so route is still the single writer of the topic table, and the ring still gives one
 * order to every producer.
 * <p>
 * Why: with a stage thread, a single publish crosses two threads and pays two wake-ups, the stage thread's (a futex)
 * and the IO thread's for the reply (an eventfd write); on this project's 2-core VM those cost more CPU than the
 * stages themselves. Run inline, the IO thread that read the request runs the stages and queues its own reply,
 * which XNIO runs when the handler returns, without a system call.
 * <p>
 * No lost work: a producer publishes before it tries to drain, and the drainer looks at the ring again after it lets
 * go; if a producer's try failed, the drainer's look sees its events and it drains again.
 * <p>
 * <b>Note:</b> the stages then run on IO threads: deliver never blocks, and a big fan-out costs the publishing IO
 * thread what it cost the stage thread before. Publishing from inside the stages (a callback that publishes) is
 * safe: the drainer's own try fails and its loop picks the new events up.
 */
final class InlineStages
{
    private final RingBuffer<MessageEvent> ring;
    private final FusedStages stages;
    private final StageExceptionHandler exceptions;
    private final int maxBatchSize;
    private final Sequence drained = new Sequence(-1);
    private final AtomicReference<Thread> drainer = new AtomicReference<>();

    InlineStages(
        final RingBuffer<MessageEvent> ring,
        final FusedStages stages,
        final StageExceptionHandler exceptions,
        final int maxBatchSize)
    {
        this.ring = ring;
        this.stages = stages;
        this.exceptions = exceptions;
        this.maxBatchSize = maxBatchSize;
        ring.addGatingSequences(drained);
    }

    /**
     * Runs the stages over everything published, unless another thread is doing so, in which case it will.
     */
    void drain()
    {
        final Thread self = Thread.currentThread();
        while (hasWork() && drainer.compareAndSet(null, self))
        {
            try
            {
                runAvailable();
            }
            finally
            {
                // Let go, then loop to look again: events published while this thread held the drain, whose
                // producers' tries failed, are this thread's to run.
                drainer.set(null);
            }
        }
    }

    /**
     * Tells whether the calling thread is running the stages right now.
     *
     * @return true inside the stages.
     */
    boolean isDraining()
    {
        return drainer.get() == Thread.currentThread();
    }

    /**
     * Runs what is left, waiting for a thread that is draining to finish, then ends the last batch.
     *
     * @param timeoutNanos how long to wait for another drainer.
     * @return false if another thread kept draining past the timeout.
     */
    boolean shutdown(final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        final Thread self = Thread.currentThread();
        while (!drainer.compareAndSet(null, self))
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        try
        {
            runAvailable();
            stages.onShutdown();
        }
        catch (final RuntimeException ex)
        {
            exceptions.handleOnShutdownException(ex);
        }
        finally
        {
            drainer.set(null);
        }
        return true;
    }

    private boolean hasWork()
    {
        final long next = drained.get() + 1;
        return next <= ring.getCursor() && ring.isAvailable(next);
    }

    /** Runs every published event in batches of at most {@code maxBatchSize}; only the drainer calls it. */
    private void runAvailable()
    {
        long next = drained.get() + 1;
        while (true)
        {
            // Published events run up to the first slot still claimed but not published (another producer is
            // filling it); that producer's own try to drain, or this loop after it lets go, picks it up.
            final long cursor = ring.getCursor();
            long last = next - 1;
            final long limit = Math.min(cursor, next + maxBatchSize - 1);
            while (last < limit && ring.isAvailable(last + 1))
            {
                last++;
            }
            if (last < next)
            {
                return;
            }
            for (long sequence = next; sequence <= last; sequence++)
            {
                final MessageEvent event = ring.get(sequence);
                try
                {
                    stages.onEvent(event, sequence, sequence == last);
                }
                catch (final Throwable ex)
                {
                    // Errors too (an OutOfMemoryError in a fan-out), as the Disruptor's BatchEventProcessor does:
                    // an event that escaped would leave the drained sequence behind it, and the next drainer would
                    // run the batch again over slots deliver has already cleared.
                    exceptions.handleEventException(ex, sequence, event);
                }
            }
            // Frees the slots for producers, who gate on this sequence.
            drained.set(last);
            next = last + 1;
        }
    }
}
