package io.pulsarproxy.delivery;

import java.nio.ByteBuffer;

/**
 * Where a connection's reads go: a scratch buffer shared by the connections of an IO thread, and only for a frame
 * that has not arrived whole, a buffer of the connection's own that can hold the whole frame. An idle connection
 * holds no read buffer.
 * <p>
 * <b>Note:</b> one instance per connection, used on its IO thread only (the scratch buffer is per thread).
 */
final class WebSocketReadBuffer
{
    private static final int SCRATCH_BYTES = 16 * 1024;
    private static final int MIN_PENDING_BYTES = 256;
    private static final ThreadLocal<ByteBuffer> SCRATCH =
        ThreadLocal.withInitial(() -> ByteBuffer.allocate(SCRATCH_BYTES));

    private ByteBuffer pending;

    /**
     * The buffer the next read appends to: the incomplete frame's own, or else the thread's scratch buffer (empty).
     *
     * @return a heap buffer in write mode.
     */
    ByteBuffer forRead()
    {
        return pending != null ? pending : SCRATCH.get();
    }

    /**
     * After a read and a parse of the flipped buffer, whose position is past what was consumed: keeps the rest, the
     * beginning of an incomplete frame, for the next read.
     *
     * @param buffer the buffer from {@link #forRead()}.
     * @param needed the incomplete frame's whole length (bounded by the message limit).
     */
    void keepRest(final ByteBuffer buffer, final int needed)
    {
        if (!buffer.hasRemaining())
        {
            discard(buffer);
            return;
        }
        final int capacity = Math.max(needed, buffer.remaining());
        if (buffer == pending && pending.capacity() >= capacity)
        {
            pending.compact();
            return;
        }
        final ByteBuffer next = ByteBuffer.allocate(Math.max(capacity, MIN_PENDING_BYTES));
        next.put(buffer);
        buffer.clear();
        pending = next;
    }

    /**
     * Forgets what a buffer from {@link #forRead()} holds, and the connection's own buffer with it.
     *
     * @param buffer the buffer from {@link #forRead()}.
     */
    void discard(final ByteBuffer buffer)
    {
        buffer.clear();
        pending = null;
    }
}
