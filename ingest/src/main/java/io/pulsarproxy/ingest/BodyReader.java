package io.pulsarproxy.ingest;

import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a request body of known length straight into one array of that length, without blocking.
 * <p>
 * Undertow's {@code Receiver.receiveFullBytes} copies a body byte by byte through a {@code ByteArrayOutputStream}
 * and then copies it again; on batches of thousands of messages that copy was 39% of the gateway's CPU. With a
 * {@code Content-Length} the size is known up front, so the socket reads go into the final array in bulk. Bodies
 * without a length (chunked) still go through the receiver.
 * <p>
 * <b>Note:</b> runs on the exchange's IO thread; the callbacks run there too, outside Undertow's root-handler call.
 */
final class BodyReader implements ChannelListener<StreamSourceChannel>
{
    private final HttpServerExchange exchange;
    private final byte[] body;
    private final ByteBuffer buffer;
    private final Receiver.FullBytesCallback onBody;
    private final Receiver.ErrorCallback onError;

    private BodyReader(
        final HttpServerExchange exchange,
        final int length,
        final Receiver.FullBytesCallback onBody,
        final Receiver.ErrorCallback onError)
    {
        this.exchange = exchange;
        this.body = new byte[length];
        this.buffer = ByteBuffer.wrap(body);
        this.onBody = onBody;
        this.onError = onError;
    }

    /**
     * Reads the whole body, then calls {@code onBody}; on a read error or an early end, calls {@code onError}.
     *
     * @param exchange the request, whose Content-Length is {@code length}.
     * @param length   the body's length, already checked against the limit.
     * @param onBody   receives the body.
     * @param onError  receives the failure.
     */
    static void read(
        final HttpServerExchange exchange,
        final int length,
        final Receiver.FullBytesCallback onBody,
        final Receiver.ErrorCallback onError)
    {
        final StreamSourceChannel channel = exchange.getRequestChannel();
        if (channel == null)
        {
            onError.error(exchange, new IOException("request body already read"));
            return;
        }
        new BodyReader(exchange, length, onBody, onError).handleEvent(channel);
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

    private static void done(final StreamSourceChannel channel)
    {
        channel.getReadSetter().set(null);
        channel.suspendReads();
    }
}
