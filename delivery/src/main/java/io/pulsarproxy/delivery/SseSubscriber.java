package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpServerExchange;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A server-sent-events stream as the pipeline sees it: the same bounded {@link Outbound} queue as a WebSocket, with
 * SSE encoding, written to the response on the exchange's IO thread.
 * <p>
 * A comment line is sent when the stream has been quiet for the heartbeat interval, so that proxies do not close it.
 * <p>
 * <b>Note:</b> the {@code on...} callbacks and {@link #flush()} run on the deliver thread; writes, heartbeats and
 * closing run on the IO thread.
 */
final class SseSubscriber extends QueuedSubscriber
{
    private static final byte[] HEARTBEAT = ": keepalive\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final HttpServerExchange exchange;
    private final StreamSinkChannel channel;
    private final long heartbeatMillis;
    private final Runnable heartbeatTask = this::heartbeat;
    private final ChannelListener<StreamSinkChannel> writeListener = ch -> writeMore();
    private volatile boolean closing;
    private volatile boolean closed;
    private ByteBuffer[] writing;
    private long lastWriteNanos = System.nanoTime();
    private XnioExecutor.Key heartbeatKey;
    private Runnable onClosed;

    SseSubscriber(
        final HttpServerExchange exchange,
        final StreamSinkChannel channel,
        final boolean pattern,
        final DeliveryConfig config,
        final DeliveryCounters counters,
        final IoThreadFlusher flusher)
    {
        super(pattern ? SseCodec.PATTERN_STREAM : SseCodec.TOPIC_STREAM, config, counters, flusher);
        this.exchange = exchange;
        this.channel = channel;
        this.heartbeatMillis = config.sseHeartbeatMillis();
    }

    /**
     * Starts writing: sends the stream's preamble and arms the heartbeat. Runs on the exchange's IO thread.
     *
     * @param closeAction run once when the stream ends, for whatever reason.
     */
    void start(final Runnable closeAction)
    {
        this.onClosed = closeAction;
        channel.getWriteSetter().set(writeListener);
        channel.getCloseSetter().set(ch -> closed());
        control(new JsonWriter(32).raw("retry: 2000\n\n"));
        flush();
        scheduleHeartbeat();
    }

    @Override
    public void onSubscribed(final TopicState topic, final long currentSeq)
    {
        control(new JsonWriter(128).raw("event: subscribed\ndata: {\"topic\":").string(topic.name())
            .raw(",\"seq\":").number(currentSeq)
            .raw(",\"epoch\":").string(topic.epoch())
            .raw("}\n\n"));
    }

    @Override
    public void onSubscribedPattern(final TopicPattern pattern)
    {
        control(new JsonWriter(96).raw("event: subscribed\ndata: {\"topic\":").string(pattern.text())
            .raw(",\"pattern\":true}\n\n"));
    }

    @Override
    public void onUnsubscribed(final byte[] topic, final int offset, final int length)
    {
        // An SSE stream has no unsubscribe: it ends when the client disconnects.
    }

    @Override
    public void onSubscribeRefused(
        final byte[] topic, final int offset, final int length, final String code, final String reason)
    {
        control(new JsonWriter(160).raw("event: error\ndata: {\"type\":\"error\",\"code\":").string(code)
            .raw(",\"message\":").string(reason)
            .raw(",\"topic\":").string(topic, offset, length)
            .raw("}\n\n"));
        closing = true;
    }

    /**
     * Sends what is queued, then ends the response; used at shutdown.
     */
    void closeAfterFlush()
    {
        closing = true;
        exchange.getIoThread().execute(() ->
        {
            if (outbound.isIdle())
            {
                end();
            }
        });
    }

    /**
     * Tells the client its token expired, then ends the stream.
     */
    void expire()
    {
        control(new JsonWriter(96).raw("event: error\ndata: {\"type\":\"error\",\"code\":\"token-expired\"," +
            "\"message\":\"the token expired; reconnect with a new one\"}\n\n"));
        flush();
        closeAfterFlush();
    }

    boolean isClosed()
    {
        return closed;
    }

    @Override
    void slowConsumer()
    {
        outbound.close();
        counters.slowDisconnects.incrementAndGet();
        exchange.getIoThread().execute(this::end);
    }

    /** Runs on the IO thread: takes everything queued and writes it, resuming on the write listener if needed. */
    @Override
    void send()
    {
        if (closed)
        {
            return;
        }
        final int taken = outbound.take();
        if (taken == 0)
        {
            afterSend();
            return;
        }
        final byte[] buffer = outbound.taken();
        final int frames = Outbound.frameCount(buffer, taken);
        final ByteBuffer[] buffers = new ByteBuffer[frames];
        int i = 0;
        for (int at = 0; at < taken; )
        {
            final int length = Outbound.getInt(buffer, at);
            buffers[i++] = ByteBuffer.wrap(buffer, at + Outbound.HEADER, length);
            at += Outbound.HEADER + length;
        }
        writing = buffers;
        counters.framesSent.addAndGet(frames);
        recordWrite();
        writeMore();
    }

    private void writeMore()
    {
        final ByteBuffer[] buffers = writing;
        if (buffers == null)
        {
            channel.suspendWrites();
            return;
        }
        try
        {
            while (remaining(buffers))
            {
                if (channel.write(buffers) == 0)
                {
                    channel.resumeWrites();
                    return;
                }
            }
            if (!channel.flush())
            {
                channel.resumeWrites();
                return;
            }
        }
        catch (final IOException ex)
        {
            end();
            return;
        }
        channel.suspendWrites();
        writing = null;
        lastWriteNanos = System.nanoTime();
        afterSend();
    }

    private void afterSend()
    {
        if (outbound.completeSend())
        {
            send();
        }
        else if (closing && outbound.isIdle())
        {
            end();
        }
    }

    private void heartbeat()
    {
        if (closed)
        {
            return;
        }
        if (System.nanoTime() - lastWriteNanos >= TimeUnit.MILLISECONDS.toNanos(heartbeatMillis) && outbound.isIdle())
        {
            control(new JsonWriter(HEARTBEAT.length).raw(HEARTBEAT, 0, HEARTBEAT.length));
            if (outbound.beginSend())
            {
                send();
            }
        }
        scheduleHeartbeat();
    }

    private void scheduleHeartbeat()
    {
        heartbeatKey = exchange.getIoThread().executeAfter(heartbeatTask, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    private void end()
    {
        if (!closed)
        {
            IoUtils.safeClose(channel);
            exchange.endExchange();
            closed();
        }
    }

    private void closed()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        outbound.close();
        if (heartbeatKey != null)
        {
            heartbeatKey.remove();
        }
        IoUtils.safeClose(exchange.getConnection());
        if (onClosed != null)
        {
            onClosed.run();
        }
    }

    private static boolean remaining(final ByteBuffer[] buffers)
    {
        for (final ByteBuffer b : buffers)
        {
            if (b.hasRemaining())
            {
                return true;
            }
        }
        return false;
    }
}
