package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The state of one client WebSocket connection: where it is in its life, what it has received, and the checks on
 * what it received (index and seq contiguity).
 * <p>
 * <b>Note:</b> owned by one {@link WsLoop} thread; read by others only after that thread has stopped.
 */
final class WsConn
{
    static final int CONNECTING = 0;
    static final int HANDSHAKE = 1;
    static final int OPEN = 2;
    static final int CLOSING = 3;
    static final int CLOSED = 4;

    final SocketChannel channel;
    final long startNanos;
    int state = CONNECTING;
    boolean subscribed;

    byte[] carry;
    int carryLength;

    /** Next message index expected; indexes are contiguous per publisher from 0. */
    long nextIndex;
    /** Next topic seq expected (gateway frames only), set by the {@code subscribed} frame. */
    long nextSeq = -1;
    /** seq minus index of the first message with a seq; equal on every connection when they all got the same seqs. */
    long seqOffset = Long.MIN_VALUE;
    long received;
    long skipped;
    long backward;
    long seqErrors;

    WsConn(final SocketChannel channel, final long startNanos)
    {
        this.channel = channel;
        this.startNanos = startNanos;
    }

    /**
     * Checks one delivered message against what was expected and counts any discontinuity.
     *
     * @param seq   the topic seq, or -1 when the frame has none.
     * @param index the message index from the payload.
     */
    void onMessage(final long seq, final long index)
    {
        received++;
        if (seq >= 0)
        {
            if (nextSeq >= 0 && seq != nextSeq)
            {
                seqErrors++;
            }
            nextSeq = seq + 1;
            if (seqOffset == Long.MIN_VALUE)
            {
                seqOffset = seq - index;
            }
        }
        if (index == nextIndex)
        {
            nextIndex++;
        }
        else if (index > nextIndex)
        {
            skipped += index - nextIndex;
            nextIndex = index + 1;
        }
        else
        {
            backward++;
        }
    }

    /**
     * Messages this connection should have had but did not, given how many were published to it.
     *
     * @param expected messages published after it subscribed.
     * @return skipped plus missing at the end.
     */
    long lost(final long expected)
    {
        return skipped + Math.max(0, expected - nextIndex);
    }

    /**
     * Keeps the bytes of an incomplete frame until the next read.
     */
    void keep(final byte[] work, final int from, final int to)
    {
        final int rest = to - from;
        if (rest == 0)
        {
            return;
        }
        if (carry == null || carry.length < rest)
        {
            carry = new byte[Math.max(rest, 256)];
        }
        System.arraycopy(work, from, carry, 0, rest);
        carryLength = rest;
    }

    /**
     * Writes a small client frame at once.
     *
     * @return false when the connection failed.
     */
    boolean write(final byte[] frame)
    {
        try
        {
            channel.write(ByteBuffer.wrap(frame));
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Closes the socket; with {@code reset}, without lingering (an RST, no TIME_WAIT).
     */
    void close(final boolean reset)
    {
        state = CLOSED;
        carry = null;
        try
        {
            if (reset && channel.isOpen())
            {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        }
        catch (final IOException | UnsupportedOperationException ignored)
        {
            // closing anyway
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // closed
        }
    }

    void abort()
    {
        close(true);
    }
}
