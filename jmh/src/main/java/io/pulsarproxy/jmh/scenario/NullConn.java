package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection of the {@link NullServer}: input bytes, queued output, and, for a WebSocket, the data frame being
 * gathered in this loop iteration.
 * <p>
 * <b>Note:</b> used by the null server's single thread only.
 */
final class NullConn
{
    final SocketChannel channel;
    final List<NullServer.NullTopic> topics = new ArrayList<>();
    SelectionKey key;
    byte[] in = new byte[8192];
    int inLength;
    boolean ws;
    boolean closeAfterFlush;

    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private byte[] frame = new byte[0];
    private int frameLength;
    private boolean closed;

    NullConn(final SocketChannel channel)
    {
        this.channel = channel;
    }

    /**
     * Adds a message to this iteration's data frame.
     *
     * @return true when the frame was empty, so the connection must be flushed at the end of the iteration.
     */
    boolean appendMessage(final byte[] element, final byte[] payload, final int offset, final int length)
    {
        final boolean first = frameLength == 0;
        final int needed = Math.max(frameLength, 11) + element.length + length + 3;
        if (frame.length < needed)
        {
            frame = java.util.Arrays.copyOf(frame, Math.max(needed, frame.length * 2));
        }
        if (first)
        {
            frameLength = 10;
            frame[frameLength++] = '[';
        }
        else
        {
            frame[frameLength++] = ',';
        }
        System.arraycopy(element, 0, frame, frameLength, element.length);
        frameLength += element.length;
        System.arraycopy(payload, offset, frame, frameLength, length);
        frameLength += length;
        frame[frameLength++] = '}';
        return first;
    }

    void flushFrame()
    {
        if (frameLength == 0 || closed)
        {
            frameLength = 0;
            return;
        }
        frame[frameLength++] = ']';
        final int payload = frameLength - 10;
        final int header = payload < 126 ? 2 : payload < 65536 ? 4 : 10;
        final int start = 10 - header;
        writeHeader(frame, start, payload);
        queue(java.util.Arrays.copyOfRange(frame, start, frameLength));
        frameLength = 0;
        if (frame.length > 64 * 1024)
        {
            frame = new byte[0];
        }
    }

    void queueFrame(final byte[] payload)
    {
        final int header = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10;
        final byte[] bytes = new byte[header + payload.length];
        writeHeader(bytes, 0, payload.length);
        System.arraycopy(payload, 0, bytes, header, payload.length);
        queue(bytes);
    }

    private static void writeHeader(final byte[] b, final int at, final int payload)
    {
        b[at] = (byte)0x81;
        if (payload < 126)
        {
            b[at + 1] = (byte)payload;
        }
        else if (payload < 65536)
        {
            b[at + 1] = 126;
            b[at + 2] = (byte)(payload >>> 8);
            b[at + 3] = (byte)payload;
        }
        else
        {
            b[at + 1] = 127;
            for (int k = 0; k < 8; k++)
            {
                b[at + 2 + k] = (byte)(k < 4 ? 0 : payload >>> (8 * (7 - k)));
            }
        }
    }

    void queue(final byte[] bytes)
    {
        if (closed)
        {
            return;
        }
        out.add(ByteBuffer.wrap(bytes));
        if (out.size() == 1)
        {
            flush();
        }
    }

    void flush()
    {
        try
        {
            while (!out.isEmpty())
            {
                final ByteBuffer head = out.peek();
                channel.write(head);
                if (head.hasRemaining())
                {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                out.poll();
            }
            if (key.isValid())
            {
                key.interestOps(SelectionKey.OP_READ);
            }
            if (closeAfterFlush)
            {
                close();
            }
        }
        catch (final IOException ex)
        {
            close();
        }
    }

    void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        out.clear();
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // closed
        }
    }

    static int indexOf(final byte[] b, final int from, final int to, final String pattern)
    {
        outer:
        for (int i = from, end = to - pattern.length(); i <= end; i++)
        {
            for (int j = 0; j < pattern.length(); j++)
            {
                if (b[i + j] != pattern.charAt(j))
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
