package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of WebSocket subscribers on one path, spread over a few selector threads ({@link WsLoop}).
 * <p>
 * Delivery latency (publish call to receipt, per message per subscriber) goes into one HdrHistogram
 * {@link Recorder}, and so does the connect latency (connect start to subscribed).
 * <p>
 * <b>Note:</b> start with {@link #connect}, then {@link #close} once; the counters may be read at any time.
 */
public final class WsClients implements AutoCloseable
{
    /** In a path, replaced by each connection's number (0, 1, ...): {@code topic=idle-{i}} gives each its topic. */
    public static final String CONNECTION_INDEX = "{i}";

    private final WsLoop[] loops;
    private final Recorder latency = new Recorder(FrameReader.MAX_LATENCY, 3);
    private final Recorder connectLatency = new Recorder(FrameReader.MAX_LATENCY, 3);
    private final int connections;
    private WsStats stats;

    /**
     * Creates the clients; nothing connects until {@link #connect}.
     *
     * @param target      where to connect.
     * @param path        the subscribe path and query; {@link #CONNECTION_INDEX} in it becomes each connection's
     *                    number.
     * @param connections how many connections.
     * @param threads     selector threads.
     * @param window      handshakes in progress at once, over all threads.
     * @throws IOException when a selector cannot be opened.
     */
    public WsClients(
        final Target target, final String path, final int connections, final int threads, final int window)
        throws IOException
    {
        this.connections = connections;
        final int n = Math.max(1, Math.min(threads, connections));
        this.loops = new WsLoop[n];
        final InetSocketAddress address = new InetSocketAddress(target.host(), target.port());
        final AtomicInteger connectionIndex = new AtomicInteger();
        for (int i = 0; i < n; i++)
        {
            loops[i] = new WsLoop("ws-client-" + i, address, target.hostHeader(), path, target.gatewayFrames(),
                Math.max(1, window / n), latency, connectLatency, connectionIndex);
        }
    }

    /**
     * Starts connecting every connection, at most {@code window} handshakes at a time.
     */
    public void connect()
    {
        for (int i = 0; i < loops.length; i++)
        {
            loops[i].start(connections / loops.length + (i < connections % loops.length ? 1 : 0));
        }
    }

    /**
     * Connections subscribed so far.
     *
     * @return the count.
     */
    public long subscribed()
    {
        long n = 0;
        for (final WsLoop loop : loops)
        {
            n += loop.subscribedCount;
        }
        return n;
    }

    /**
     * Messages received so far, over all connections.
     *
     * @return the count.
     */
    public long delivered()
    {
        long n = 0;
        for (final WsLoop loop : loops)
        {
            n += loop.deliveredCount;
        }
        return n;
    }

    /**
     * Data frames received so far, over all connections.
     *
     * @return the count.
     */
    public long frames()
    {
        long n = 0;
        for (final WsLoop loop : loops)
        {
            n += loop.framesCount;
        }
        return n;
    }

    /**
     * Connections that failed or were closed so far (a refused handshake, a close from the server).
     *
     * @return the count.
     */
    public long failed()
    {
        long n = 0;
        for (final WsLoop loop : loops)
        {
            n += loop.failedConnects + loop.unexpectedCloses;
        }
        return n;
    }

    /**
     * When the first connect started.
     *
     * @return System.nanoTime() of the first connect.
     */
    public long firstStartNanos()
    {
        long first = Long.MAX_VALUE;
        for (final WsLoop loop : loops)
        {
            if (loop.firstStartNanos != 0)
            {
                first = Math.min(first, loop.firstStartNanos);
            }
        }
        return first;
    }

    /**
     * When the last connection was subscribed.
     *
     * @return System.nanoTime() of that moment.
     */
    public long lastSubscribedNanos()
    {
        long last = 0;
        for (final WsLoop loop : loops)
        {
            last = Math.max(last, loop.lastSubscribedNanos);
        }
        return last;
    }

    /**
     * When the last message arrived.
     *
     * @return System.nanoTime() of that moment.
     */
    public long lastDeliveryNanos()
    {
        long last = 0;
        for (final WsLoop loop : loops)
        {
            last = Math.max(last, loop.lastDeliveryNanos);
        }
        return last;
    }

    /**
     * Waits until {@code n} connections are subscribed or failed, or the timeout passes.
     *
     * @param n       how many.
     * @param timeout the longest wait.
     * @param unit    its unit.
     * @return true if all {@code n} were subscribed.
     */
    public boolean awaitSubscribed(final long n, final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (subscribed() < n && subscribed() + failed() < n && System.nanoTime() < deadline)
        {
            sleepMillis(1);
        }
        return subscribed() >= n;
    }

    /**
     * Waits until {@code n} messages were received, or nothing arrived for {@code idleMillis}, or the timeout passes.
     *
     * @param n          how many messages over all connections.
     * @param idleMillis the longest time without progress.
     * @param timeout    the longest wait.
     * @param unit       its unit.
     * @return true if all {@code n} arrived.
     */
    public boolean awaitDelivered(final long n, final long idleMillis, final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        long seen = delivered();
        long progressAt = System.nanoTime();
        while (seen < n && System.nanoTime() < deadline)
        {
            sleepMillis(1);
            final long now = delivered();
            if (now != seen)
            {
                seen = now;
                progressAt = System.nanoTime();
            }
            else if (System.nanoTime() - progressAt > TimeUnit.MILLISECONDS.toNanos(idleMillis))
            {
                break;
            }
        }
        return delivered() >= n;
    }

    /**
     * Takes the delivery latencies recorded since the last call.
     *
     * @return a histogram in nanoseconds.
     */
    public Histogram takeLatency()
    {
        return latency.getIntervalHistogram();
    }

    /**
     * Takes the connect latencies recorded since the last call.
     *
     * @return a histogram in nanoseconds.
     */
    public Histogram takeConnectLatency()
    {
        return connectLatency.getIntervalHistogram();
    }

    /**
     * Closes every connection (close frame, then wait for the server to close) and sums up what was seen.
     *
     * @param expectedPerConnection messages each connection should have received.
     * @return the statistics.
     */
    public WsStats close(final long expectedPerConnection)
    {
        if (stats != null)
        {
            return stats;
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000 + connections / 5);
        for (final WsLoop loop : loops)
        {
            loop.closeDeadline = deadline;
            loop.closing = true;
        }
        long subscribed = 0;
        long received = 0;
        long lost = 0;
        long backward = 0;
        long seqErrors = 0;
        final Map<Long, Long> offsets = new HashMap<>();
        long gaps = 0;
        long errors = 0;
        long failed = 0;
        long closes = 0;
        for (final WsLoop loop : loops)
        {
            try
            {
                loop.join(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            subscribed += loop.subscribedCount;
            gaps += loop.reader().gapFrames;
            errors += loop.reader().errorFrames;
            failed += loop.failedConnects;
            closes += loop.unexpectedCloses;
            if (!loop.stopped)
            {
                // Counts read from here may lag a little behind the loop's own; they are still counted.
                System.err.println("warning: a WebSocket client loop did not stop in time");
            }
            for (final WsConn c : loop.conns())
            {
                received += c.received;
                lost += c.subscribed ? c.lost(expectedPerConnection) : 0;
                backward += c.backward;
                seqErrors += c.seqErrors;
                if (c.seqOffset != Long.MIN_VALUE)
                {
                    offsets.merge(c.seqOffset, 1L, Long::sum);
                }
            }
        }
        // A connection that never got subscribed failed, whether it was refused, closed or never answered.
        failed = Math.max(failed, connections - subscribed);
        long withSeqs = 0;
        long mostCommon = 0;
        for (final long n : offsets.values())
        {
            withSeqs += n;
            mostCommon = Math.max(mostCommon, n);
        }
        stats = new WsStats(connections, subscribed, received, lost, backward, seqErrors, withSeqs - mostCommon, gaps,
            errors, failed, closes);
        return stats;
    }

    @Override
    public void close()
    {
        close(0);
    }

    static void sleepMillis(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
