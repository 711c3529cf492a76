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
 * Reads a request body of known length straight into one array of that length, without blocking.
 * <p>
 * Undertow's {@code Receiver.receiveFullBytes} copies a body byte by byte through a {@code ByteArrayOutputStream}
 * and then copies it again; on batches of thousands of messages that copy was 39% of the gateway's CPU. With a
 * {@code Content-Length} the size is known up front, so the socket reads go into the final array in bulk. Bodies
 * without a length (chunked) still go through the receiver.
 * <p>
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
    private final HttpServerExchange exchange;
    private final byte[] body;
    private final ByteBuffer buffer;
    private final int timeoutMillis;
    private final IngestCounters counters;
    private final Receiver.FullBytesCallback onBody;
    private final Receiver.ErrorCallback onError;
    private XnioExecutor.Key timeout;

    private BodyReader(
        final HttpServerExchange exchange,
        final int length,
        final int timeoutMillis,
        final IngestCounters counters,
        final Receiver.FullBytesCallback onBody,
        final Receiver.ErrorCallback onError)
    {
        this.exchange = exchange;
        this.body = new byte[length];
        this.buffer = ByteBuffer.wrap(body);
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
     * @param onBody        receives the body.
     * @param onError       receives the failure.
     */
    static void read(
        final HttpServerExchange exchange,
        final int length,
        final int timeoutMillis,
        final IngestCounters counters,
        final Receiver.FullBytesCallback onBody,
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
                    onError.error(exchange, new IOException("connection closed after " + buffer.position() +
                        " of " + body.length + " body bytes"));
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            done(channel);
            IoUtils.safeClose(channel);
            onError.error(exchange, ex);
            return;
        }
        done(channel);
        onBody.handle(exchange, body);
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
