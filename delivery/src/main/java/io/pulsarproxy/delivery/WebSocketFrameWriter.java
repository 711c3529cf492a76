package io.pulsarproxy.delivery;

import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a connection's server frames (RFC 6455, unmasked) with one gathering write per send: the text frames an
 * {@link Outbound} queue took, straight from its buffer, after any control frames (ping, pong, close) queued since
 * the last write.
 * <p>
 * A server frame is a 2, 4 or 10 byte header and the payload. The Outbound buffer already holds each payload behind
 * a 5-byte header of its own ({@code [length:4][kind:1]}), which is no longer needed once taken: a 2 or 4 byte
 * WebSocket header is written over its end, so such a frame is one contiguous range of the buffer and one
 * {@link ByteBuffer} of the gathering write. Only a payload over 65,535 bytes needs a separate 10-byte header.
 * Nothing is allocated per frame: the views over the Outbound buffers, the header buffers and the array of the
 * gathering write are kept and reused (the views are rebuilt only when Outbound replaces a buffer).
 * <p>
 * A partial write keeps its place in the buffers; {@link #write} goes on from there when the socket is writable
 * again. One write is prepared at a time, so frames never interleave.
 * <p>
 * <b>Note:</b> one instance per connection, used on its IO thread only.
 */
final class WebSocketFrameWriter
{
    private static final int FIN_TEXT = 0x81;
    private static final int FIN = 0x80;
    private static final int MAX_CONTROL_PAYLOAD = 125;
    private static final int MAX_CONTROL_FRAME = 2 + MAX_CONTROL_PAYLOAD;
    /** Room for a few pings and pongs plus a close frame, which always fits (room is kept for it). */
    private static final int CONTROL_CAPACITY = 3 * MAX_CONTROL_FRAME;
    /** Buffers larger than this are not kept referenced after a write (Outbound drops them too). */
    private static final int RETAIN_CAPACITY = 64 * 1024;
    private static final int SHORT_PAYLOAD = 125;
    private static final int MEDIUM_PAYLOAD = 65_535;

    private byte[] control;
    private ByteBuffer controlBuffer;
    private int controlLength;
    private int controlInWrite;
    private boolean closeQueued;
    private boolean closeInWrite;
    private boolean closeWritten;

    private ByteBuffer[] segments = new ByteBuffer[2];
    private int first;
    private int count;

    /** Views over the two buffers an Outbound alternates between; see {@link #selectViews}. */
    private final ByteBuffer[][] views = new ByteBuffer[2][];
    private final byte[][] viewed = new byte[2][];
    private int lastViews;
    private ByteBuffer[] longHeaders = new ByteBuffer[0];
    private byte[] taken;

    /**
     * Queues a ping or pong after the control frames already queued; it goes out with the next write.
     *
     * @param opcode  {@link WebSocketFrameReader#OPCODE_PING} or {@link WebSocketFrameReader#OPCODE_PONG}.
     * @param payload the payload, at most 125 bytes.
     * @param offset  where it starts.
     * @param length  its length.
     * @return false when it was not queued: a close frame is queued, or too many are waiting (a peer that pings
     *     faster than it reads; RFC 6455 lets a pong answer only the latest ping).
     */
    boolean queueControl(final int opcode, final byte[] payload, final int offset, final int length)
    {
        if (closeQueued || controlLength + 2 + length > CONTROL_CAPACITY - MAX_CONTROL_FRAME)
        {
            return false;
        }
        appendControl(opcode, payload, offset, length, -1);
        return true;
    }

    /**
     * Queues the close frame; nothing can be queued after it.
     *
     * @param code   the close code.
     * @param reason the reason, cut to what fits in a control frame.
     * @param raw    a reason as bytes (an echoed close), used instead of {@code reason} when not null.
     * @param offset where {@code raw} starts.
     * @param length its length.
     * @return false when a close frame was already queued.
     */
    boolean queueClose(final int code, final String reason, final byte[] raw, final int offset, final int length)
    {
        if (closeQueued)
        {
            return false;
        }
        closeQueued = true;
        if (raw != null)
        {
            appendControl(WebSocketFrameReader.OPCODE_CLOSE, raw, offset, Math.min(length, MAX_CONTROL_PAYLOAD - 2),
                code);
        }
        else
        {
            final byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
            // A cut could split a code point; reasons are ASCII, but keep the frame valid UTF-8 whatever happens.
            int cut = Math.min(text.length, MAX_CONTROL_PAYLOAD - 2);
            while (cut > 0 && cut < text.length && (text[cut] & 0xC0) == 0x80)
            {
                cut--;
            }
            appendControl(WebSocketFrameReader.OPCODE_CLOSE, text, 0, cut, code);
        }
        return true;
    }

    boolean isCloseQueued()
    {
        return closeQueued;
    }

    /**
     * Tells whether the close frame has been written completely.
     *
     * @return true once written.
     */
    boolean isCloseWritten()
    {
        return closeWritten;
    }

    /**
     * Tells whether control frames wait for the next write.
     *
     * @return true if some do.
     */
    boolean hasControl()
    {
        return controlLength > controlInWrite;
    }

    /**
     * Prepares the next write: the queued control frames, then the text frames of a taken Outbound buffer, whose
     * Outbound headers are overwritten. Call only when the previous write is complete.
     *
     * @param buffer the taken Outbound buffer, or null.
     * @param length its taken length, 0 for none.
     * @return the number of text frames prepared from {@code buffer}.
     */
    int prepare(final byte[] buffer, final int length)
    {
        first = 0;
        count = 0;
        if (controlLength > 0)
        {
            controlBuffer.limit(controlLength).position(0);
            add(controlBuffer);
            controlInWrite = controlLength;
            closeInWrite = closeQueued;
        }
        if (length == 0)
        {
            return 0;
        }
        taken = buffer;
        selectViews(buffer);
        int frames = 0;
        int longFrames = 0;
        for (int at = 0; at < length; frames++)
        {
            final int payloadLength = Outbound.getInt(buffer, at);
            final int payload = at + Outbound.HEADER;
            final ByteBuffer view = view(frames, buffer);
            if (payloadLength <= MEDIUM_PAYLOAD)
            {
                final int start = payload - (payloadLength <= SHORT_PAYLOAD ? 2 : 4);
                buffer[start] = (byte)FIN_TEXT;
                if (payloadLength <= SHORT_PAYLOAD)
                {
                    buffer[start + 1] = (byte)payloadLength;
                }
                else
                {
                    buffer[start + 1] = 126;
                    buffer[start + 2] = (byte)(payloadLength >>> 8);
                    buffer[start + 3] = (byte)payloadLength;
                }
                view.limit(payload + payloadLength).position(start);
            }
            else
            {
                final ByteBuffer header = longHeader(longFrames++);
                header.clear();
                header.put((byte)FIN_TEXT).put((byte)127).putLong(payloadLength).flip();
                add(header);
                view.limit(payload + payloadLength).position(payload);
            }
            add(view);
            at = payload + payloadLength;
        }
        return frames;
    }

    /**
     * Writes what was prepared, as far as the socket takes it, and flushes.
     *
     * @param sink the connection's sink.
     * @return true when everything prepared was written and flushed; false when the socket is full.
     * @throws IOException when the connection fails.
     */
    boolean write(final StreamSinkChannel sink) throws IOException
    {
        while (first < count)
        {
            final long written = sink.write(segments, first, count - first);
            while (first < count && !segments[first].hasRemaining())
            {
                segments[first++] = null;
            }
            if (written <= 0 && first < count)
            {
                return false;
            }
        }
        if (!sink.flush())
        {
            return false;
        }
        complete();
        return true;
    }

    private void complete()
    {
        if (controlInWrite > 0)
        {
            System.arraycopy(control, controlInWrite, control, 0, controlLength - controlInWrite);
            controlLength -= controlInWrite;
            controlInWrite = 0;
            closeWritten |= closeInWrite;
            closeInWrite = false;
        }
        if (taken != null && taken.length > RETAIN_CAPACITY)
        {
            forget(viewed[0] == taken ? 0 : 1);
        }
        taken = null;
    }

    private void appendControl(final int opcode, final byte[] payload, final int offset, final int length,
        final int closeCode)
    {
        if (control == null)
        {
            control = new byte[CONTROL_CAPACITY];
            controlBuffer = ByteBuffer.wrap(control);
        }
        final int payloadLength = closeCode >= 0 ? length + 2 : length;
        int p = controlLength;
        control[p++] = (byte)(FIN | opcode);
        control[p++] = (byte)payloadLength;
        if (closeCode >= 0)
        {
            control[p++] = (byte)(closeCode >>> 8);
            control[p++] = (byte)closeCode;
        }
        System.arraycopy(payload, offset, control, p, length);
        controlLength = p + length;
    }

    private void add(final ByteBuffer buffer)
    {
        if (count == segments.length)
        {
            segments = Arrays.copyOf(segments, count * 2);
        }
        segments[count++] = buffer;
    }

    /**
     * The views over one of the two buffers an Outbound swaps between: each keeps its own, so a send does not
     * rebuild them.
     */
    private void selectViews(final byte[] buffer)
    {
        for (int i = 0; i < 2; i++)
        {
            if (viewed[i] == buffer)
            {
                lastViews = i;
                return;
            }
        }
        final int i = 1 - lastViews;
        forget(i);
        viewed[i] = buffer;
        views[i] = new ByteBuffer[2];
        lastViews = i;
    }

    private ByteBuffer view(final int index, final byte[] buffer)
    {
        ByteBuffer[] p = views[lastViews];
        if (index >= p.length)
        {
            p = Arrays.copyOf(p, Math.max(index + 1, p.length * 2));
            views[lastViews] = p;
        }
        ByteBuffer view = p[index];
        if (view == null)
        {
            view = ByteBuffer.wrap(buffer);
            p[index] = view;
        }
        return view;
    }

    private ByteBuffer longHeader(final int index)
    {
        if (index >= longHeaders.length)
        {
            longHeaders = Arrays.copyOf(longHeaders, index + 1);
        }
        if (longHeaders[index] == null)
        {
            longHeaders[index] = ByteBuffer.allocate(10);
        }
        return longHeaders[index];
    }

    private void forget(final int i)
    {
        viewed[i] = null;
        views[i] = null;
    }
}
