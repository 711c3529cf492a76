package io.pulsarproxy.ingest;

import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Reads a request body of known length straight into one array, without blocking; the array is the IO thread's
 * spare when that is large enough ({@link BodySpares}), and goes back to it once the body has been handled.
 * <p>
 * Undertow's {@code Receiver.receiveFullBytes} copies a body byte by byte through a {@code ByteArrayOutputStream}
 * and then copies it again; on batches of thousands of messages that copy was 39% of the gateway's CPU. With a
 * {@code Content-Length} the size is known up front, so the socket reads go into the final array in bulk. Bodies
 * without a length (chunked) still go through the receiver.
 * <p>
 * A client that trickles its body (slowloris) holds a connection and a buffer, so the body must arrive within a
 * time limit. The timer is armed only when a read finds nothing yet: most bodies arrive with their request head,
 * and arming and cancelling an XNIO timer for each of them (a lock, a tree insert and removal, a clock read) was
 * wasted on every publish.
 * <p>
 * <b>Note:</b> runs on the exchange's IO thread; the callbacks run there too, outside Undertow's root-handler call.
 */
final class BodyReader implements ChannelListener<StreamSourceChannel>, Runnable
{
    /** Receives a body read into the first {@code length} bytes of {@code body}, valid only until it returns. */
    @FunctionalInterface
    interface BodyCallback
    {
        /**
         * Handles a body; the array goes back to the thread's spares when this returns, so nothing may keep it.
         *
         * @param exchange the request.
         * @param body     holds the body in its first {@code length} bytes.
         * @param length   the body's length.
         */
        void handle(HttpServerExchange exchange, byte[] body, int length);
    }

    private final HttpServerExchange exchange;
    private final BodySpares spares;
    private final byte[] body;
    private final int length;
    private final ByteBuffer buffer;
    private final int timeoutMillis;
    private final IngestCounters counters;
    private final BodyCallback onBody;
    private final Receiver.ErrorCallback onError;
    private XnioExecutor.Key timeout;

    private BodyReader(
        final HttpServerExchange exchange,
        final int length,
        final int timeoutMillis,
        final IngestCounters counters,
        final BodyCallback onBody,
        final Receiver.ErrorCallback onError)
    {
        this.exchange = exchange;
        this.spares = BodySpares.current();
        this.body = spares.take(length);
        this.length = length;
        this.buffer = ByteBuffer.wrap(body, 0, length);
        this.timeoutMillis = timeoutMillis;
        this.counters = counters;
        this.onBody = onBody;
        this.onError = onError;
    }

    /**
     * Reads the whole body, then calls {@code onBody}; on a read error or an early end, calls {@code onError}. A body
     * not complete within {@code timeoutMillis} of the first read that had to wait closes the connection.
     *
     * @param exchange      the request, whose Content-Length is {@code length}.
     * @param length        the body's length, already checked against the limit.
     * @param timeoutMillis how long the rest of the body may take once the reader has to wait for it.
     * @param counters      counts a timed-out body.
     * @param onBody        receives the body; the array is reused once it returns.
     * @param onError       receives the failure.
     */
    static void read(
        final HttpServerExchange exchange,
        final int length,
        final int timeoutMillis,
        final IngestCounters counters,
        final BodyCallback onBody,
        final Receiver.ErrorCallback onError)
    {
        final StreamSourceChannel channel = exchange.getRequestChannel();
        if (channel == null)
        {
            onError.error(exchange, new IOException("request body already read"));
            return;
        }
        new BodyReader(exchange, length, timeoutMillis, counters, onBody, onError).handleEvent(channel);
    }

    /** The body timed out: cut the connection off. */
    @Override
    public void run()
    {
        timedOut(exchange, counters);
    }

    /**
     * Counts a body that did not arrive in time and closes its connection.
     *
     * @param exchange the request.
     * @param counters where the timeout is counted.
     */
    static void timedOut(final HttpServerExchange exchange, final IngestCounters counters)
    {
        counters.timedOut.incrementAndGet();
        IoUtils.safeClose(exchange.getConnection());
    }

    @Override
    public void handleEvent(final StreamSourceChannel channel)
    {
        try
        {
            while (buffer.hasRemaining())
            {
                final int read = channel.read(buffer);
                if (read == 0)
                {
                    if (timeout == null)
                    {
                        timeout = exchange.getIoThread().executeAfter(this, timeoutMillis, TimeUnit.MILLISECONDS);
                    }
                    channel.getReadSetter().set(this);
                    channel.resumeReads();
                    return;
                }
                if (read < 0)
                {
                    done(channel);
                    spares.give(body);
                    onError.error(exchange, new IOException("connection closed after " + buffer.position() +
                        " of " + length + " body bytes"));
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            done(channel);
            spares.give(body);
            IoUtils.safeClose(channel);
            onError.error(exchange, ex);
            return;
        }
        done(channel);
        try
        {
            onBody.handle(exchange, body, length);
        }
        finally
        {
            // The publish has copied what it needs into ring slots (or answered with a problem): nothing refers to
            // the array any more.
            spares.give(body);
        }
    }

    private void done(final StreamSourceChannel channel)
    {
        if (timeout != null)
        {
            timeout.remove();
        }
        channel.getReadSetter().set(null);
        channel.suspendReads();
    }
}
