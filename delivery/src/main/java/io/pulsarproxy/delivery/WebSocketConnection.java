package io.pulsarproxy.delivery;

import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection after the handshake: reads and answers the client's frames, writes the subscriber's
 * {@link Outbound} queue, and runs the closing handshake, all on the raw connection Undertow's upgrade handed over
 * (plain or TLS).
 * <p>
 * Writes: one write at a time, each the control frames queued so far (pong, ping, close) and then whatever the
 * Outbound queue holds, in one gathering write ({@link WebSocketFrameWriter}). A write the socket cannot take
 * whole waits for it to become writable; frames that arrive meanwhile join the next write, which starts only when
 * this one is complete: that, and the Outbound bound, is the back-pressure on a peer that reads slowly.
 * <p>
 * Reads: what a read brings is parsed where it was read ({@link WebSocketReadBuffer}); only the beginning of an
 * incomplete frame is kept per connection, bounded by the largest message a client may send.
 * <p>
 * Closing: a close frame is written after everything queued before it; then the output is shut down and the
 * connection ends when the client's close frame or end of stream arrives (at once if it came first), or after
 * {@link #CLOSE_LINGER_MILLIS}.
 * <p>
 * <b>Note:</b> everything here runs on the connection's IO thread, except {@link #abort()}, which may run anywhere;
 * on the IO thread it may hand the close itself to a worker thread (see there).
 */
final class WebSocketConnection implements WebSocketFrameReader.Handler
{
    /** How long a close frame waits for the client's answer before the connection is dropped. */
    static final long CLOSE_LINGER_MILLIS = 2_000;
    /** RFC 6455 close code: normal closure, the answer to a close frame without a code. */
    static final int CLOSE_NORMAL = 1000;

    /** A close on the IO thread slower than this is slow; two in a row send the thread's closes to a worker. */
    static final long SLOW_CLOSE_NANOS = 250_000;
    /** For how long closes go to a worker thread after two slow ones. */
    static final long HAND_OFF_NANOS = 100_000_000;

    private static final int MAX_READS_PER_EVENT = 16;
    private static final int HAND_OFF_UNTIL = 0;
    private static final int SLOW_IN_A_ROW = 1;
    /** Per IO thread: until when its closes go to a worker thread (a nanoTime, or 0), and its slow closes in a row. */
    private static final ThreadLocal<long[]> CLOSE_STATE = ThreadLocal.withInitial(() -> new long[2]);
    private static final byte[] EMPTY = new byte[0];

    private final StreamConnection connection;
    private final StreamSourceChannel source;
    private final StreamSinkChannel sink;
    private final WebSocketFrameReader reader;
    private final WebSocketFrameWriter writer = new WebSocketFrameWriter();
    private final DeliveryCounters counters;
    private WebSocketSubscriber subscriber;
    private ClientFrameListener listener;
    private final WebSocketReadBuffer readBuffer = new WebSocketReadBuffer();
    private long lastHeardNanos = System.nanoTime();
    private boolean writing;
    private boolean writesResumed;
    private boolean outboundInWrite;
    private boolean wantOutbound;
    private boolean pumping;
    private boolean flushingShutdown;
    private boolean closeReceived;
    /** {@link #abort()} ran on the IO thread: nothing more is read or written. */
    private boolean aborted;

    /**
     * Wraps an upgraded connection; nothing is read or written before {@link #open}.
     *
     * @param connection      the connection Undertow's upgrade handed over.
     * @param maxMessageBytes the largest message a client may send (1009 beyond).
     * @param counters        where frames sent are counted.
     */
    WebSocketConnection(final StreamConnection connection, final int maxMessageBytes, final DeliveryCounters counters)
    {
        this.connection = connection;
        this.source = connection.getSourceChannel();
        this.sink = connection.getSinkChannel();
        this.reader = new WebSocketFrameReader(this, maxMessageBytes);
        this.counters = counters;
    }

    /**
     * Starts reading and writing.
     *
     * @param subscriber whose Outbound queue is written, or null for a connection that is only to be closed.
     * @param listener   receives the client's messages, or null.
     */
    void open(final WebSocketSubscriber subscriber, final ClientFrameListener listener)
    {
        this.subscriber = subscriber;
        this.listener = listener;
        source.getReadSetter().set(channel -> onReadable());
        sink.getWriteSetter().set(channel -> onWritable());
        source.resumeReads();
    }

    /**
     * The connection's IO thread, where everything but {@link #abort()} must run.
     *
     * @return the IO thread.
     */
    XnioIoThread ioThread()
    {
        return connection.getIoThread();
    }

    /**
     * When the client was last heard from (any frame, pongs included).
     *
     * @return a {@link System#nanoTime()} value.
     */
    long lastHeardNanos()
    {
        return lastHeardNanos;
    }

    /**
     * Writes the subscriber's Outbound queue now, or as soon as the write in progress is done; its
     * {@link Outbound#beginSend()} must have returned true.
     */
    void sendOutbound()
    {
        wantOutbound = true;
        if (!writing)
        {
            pump();
        }
    }

    /**
     * Sends a ping with an empty payload (the keep-alive).
     */
    void ping()
    {
        if (connection.isOpen() && writer.queueControl(WebSocketFrameReader.OPCODE_PING, EMPTY, 0, 0))
        {
            pump();
        }
    }

    /**
     * Starts the closing handshake: the close frame follows the write in progress; what Outbound still holds is not
     * sent. Does nothing if a close frame was already queued.
     *
     * @param code   the close code.
     * @param reason the reason.
     */
    void close(final int code, final String reason)
    {
        if (connection.isOpen() && writer.queueClose(code, reason, null, 0, 0))
        {
            pump();
        }
    }

    /**
     * Closes the TCP (or TLS) connection at once, without a close frame; safe from any thread.
     */
    void abort()
    {
        if (Thread.currentThread() == connection.getIoThread())
        {
            if (aborted)
            {
                return;
            }
            aborted = true;
            // XNIO closes a connection on its own IO thread with a selectNow that takes in every ready key of the
            // thread again. That is cheap for a few connections (most closes took 16-63 us when rounds of 50
            // clients came and went), and quadratic when thousands leave at once (most took 0.25-2 ms, and 10,000
            // took 5-6 s). From another thread a close only cancels the key and wakes the selector, but handing
            // it over costs a thread wake-up: always doing so cost those rounds of 50 a fifth of their rate. So
            // closes stay here until two in a row take long, and then go to a worker thread for a while.
            final long[] state = CLOSE_STATE.get();
            final long now = System.nanoTime();
            if (state[HAND_OFF_UNTIL] == 0 || now - state[HAND_OFF_UNTIL] >= 0)
            {
                state[HAND_OFF_UNTIL] = 0;
                closeNow();
                if (System.nanoTime() - now < SLOW_CLOSE_NANOS)
                {
                    state[SLOW_IN_A_ROW] = 0;
                }
                else if (++state[SLOW_IN_A_ROW] >= 2)
                {
                    state[SLOW_IN_A_ROW] = 0;
                    state[HAND_OFF_UNTIL] = System.nanoTime() + HAND_OFF_NANOS;
                }
                return;
            }
            // Until the worker closes it, this side neither reads nor writes.
            source.suspendReads();
            sink.suspendWrites();
            try
            {
                connection.getWorker().execute(this::closeNow);
                return;
            }
            catch (final RejectedExecutionException ex)
            {
                // The worker is shutting down: close here.
            }
        }
        closeNow();
    }

    private void closeNow()
    {
        IoUtils.safeClose(connection);
    }

    @Override
    public void onText(final byte[] buffer, final int offset, final int length)
    {
        lastHeardNanos = System.nanoTime();
        if (listener != null)
        {
            listener.onText(buffer, offset, length);
        }
    }

    @Override
    public void onBinary()
    {
        lastHeardNanos = System.nanoTime();
        if (listener != null)
        {
            listener.onBinary();
        }
    }

    @Override
    public void onPing(final byte[] buffer, final int offset, final int length)
    {
        lastHeardNanos = System.nanoTime();
        if (writer.queueControl(WebSocketFrameReader.OPCODE_PONG, buffer, offset, length))
        {
            pump();
        }
    }

    @Override
    public void onPong()
    {
        lastHeardNanos = System.nanoTime();
    }

    @Override
    public void onClose(final int code, final byte[] buffer, final int offset, final int length)
    {
        lastHeardNanos = System.nanoTime();
        closeReceived = true;
        if (writer.isCloseWritten())
        {
            abort();
            return;
        }
        // Echo the client's code (RFC 6455 section 5.5.1); a close without one is answered with 1000.
        final boolean queued = code == WebSocketFrameReader.NO_CODE ?
            writer.queueClose(CLOSE_NORMAL, null, null, 0, 0) : writer.queueClose(code, null, buffer, offset, length);
        if (queued)
        {
            pump();
        }
    }

    @Override
    public void onProtocolError(final int closeCode, final String reason)
    {
        close(closeCode, reason);
    }

    private void onReadable()
    {
        if (aborted)
        {
            return;
        }
        // Several reads per event: a TLS connection may hold decrypted bytes the selector knows nothing of.
        for (int i = 0; i < MAX_READS_PER_EVENT; i++)
        {
            final ByteBuffer buffer = readBuffer.forRead();
            final int read;
            try
            {
                read = source.read(buffer);
            }
            catch (final IOException ex)
            {
                abort();
                return;
            }
            if (read < 0)
            {
                // The client went away (after its close frame, or without one): nothing more to say to it.
                abort();
                return;
            }
            if (read == 0)
            {
                return;
            }
            if (reader.isStopped())
            {
                // After a close frame or a protocol error the rest is discarded until the end of the stream.
                readBuffer.discard(buffer);
                continue;
            }
            buffer.flip();
            final int consumed = reader.parse(buffer.array(), buffer.arrayOffset() + buffer.position(),
                buffer.remaining());
            buffer.position(buffer.position() + consumed);
            if (reader.isStopped())
            {
                readBuffer.discard(buffer);
            }
            else
            {
                readBuffer.keepRest(buffer, reader.needed());
            }
            if (!connection.isOpen())
            {
                return;
            }
        }
    }

    private void onWritable()
    {
        if (aborted)
        {
            return;
        }
        if (flushingShutdown)
        {
            try
            {
                if (!sink.flush())
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                abort();
                return;
            }
            flushingShutdown = false;
            suspendWrites();
            linger();
            return;
        }
        pump();
    }

    /**
     * Finishes the write in progress, then starts the next, until the socket is full or nothing is left to write.
     */
    private void pump()
    {
        if (aborted)
        {
            return;
        }
        if (pumping)
        {
            return; // a callback below queued something: the loop picks it up
        }
        pumping = true;
        try
        {
            while (true)
            {
                if (writing)
                {
                    final boolean done;
                    try
                    {
                        done = writer.write(sink);
                    }
                    catch (final IOException ex)
                    {
                        abort();
                        return;
                    }
                    if (!done)
                    {
                        resumeWrites();
                        return;
                    }
                    writing = false;
                    if (writer.isCloseWritten())
                    {
                        suspendWrites();
                        closeWritten();
                        return;
                    }
                    if (outboundInWrite)
                    {
                        outboundInWrite = false;
                        if (subscriber.outbound.completeSend())
                        {
                            wantOutbound = true;
                        }
                        else
                        {
                            subscriber.sendIdle();
                        }
                    }
                }
                if (!startWrite())
                {
                    suspendWrites();
                    return;
                }
            }
        }
        finally
        {
            pumping = false;
        }
    }

    /**
     * Prepares the next write from the queued control frames and, when asked, the Outbound queue.
     *
     * @return false when there is nothing to write.
     */
    private boolean startWrite()
    {
        byte[] buffer = null;
        int length = 0;
        if (wantOutbound)
        {
            wantOutbound = false;
            final Outbound outbound = subscriber.outbound;
            if (writer.isCloseQueued() || !connection.isOpen())
            {
                outbound.close(); // nothing may follow a close frame
            }
            else
            {
                length = outbound.take();
                if (length > 0)
                {
                    buffer = outbound.taken();
                }
                else
                {
                    subscriber.sendIdle();
                }
            }
        }
        if (length == 0 && !writer.hasControl())
        {
            return false;
        }
        final int frames = writer.prepare(buffer, length);
        writing = true;
        if (length > 0)
        {
            outboundInWrite = true;
            counters.framesSent.addAndGet(frames);
            subscriber.recordWrite();
        }
        return true;
    }

    private void closeWritten()
    {
        if (subscriber != null)
        {
            subscriber.outbound.close();
        }
        try
        {
            sink.shutdownWrites();
            if (!sink.flush())
            {
                flushingShutdown = true;
                resumeWrites();
                return;
            }
        }
        catch (final IOException ex)
        {
            abort();
            return;
        }
        linger();
    }

    /**
     * After the close frame went out: ends the connection when the client has answered, or gives it a moment to.
     */
    private void linger()
    {
        if (closeReceived)
        {
            abort();
            return;
        }
        // Closing an already closed connection does nothing, so the timer need not be removed.
        connection.getIoThread().executeAfter(this::abort, CLOSE_LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void resumeWrites()
    {
        if (!writesResumed)
        {
            writesResumed = true;
            sink.resumeWrites();
        }
    }

    private void suspendWrites()
    {
        if (writesResumed)
        {
            writesResumed = false;
            sink.suspendWrites();
        }
    }
}
