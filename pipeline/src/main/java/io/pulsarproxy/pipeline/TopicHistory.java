package io.pulsarproxy.pipeline;

/**
 * The last messages of one topic, bounded by count and by bytes, kept in a byte ring with an index ring beside it.
 * <p>
 * Seqs in history are contiguous, so only the first is stored. Storage grows by doubling up to its bounds, so an
 * idle or quiet topic costs little; once grown, appending allocates nothing. A message larger than the byte bound
 * is not retained: history is emptied and restarts after it, and a later resume sees a gap.
 * <p>
 * <b>Note:</b> written and read only by the deliver stage.
 */
public final class TopicHistory
{
    private static final int INITIAL_INDEX = 16;
    private static final int INITIAL_BYTES = 1024;

    private final int maxCount;
    private final int maxBytes;

    private long[] timestamps = new long[0];
    private int[] offsets = new int[0];
    private int[] lengths = new int[0];
    private byte[] bytes = new byte[0];

    private int head;
    private int count;
    private long firstSeq = 1;
    private int writePos;
    private long retainedBytes;

    TopicHistory(final int maxCount, final int maxBytes)
    {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    /**
     * Seq of the oldest retained message; when {@link #count()} is 0, the seq the next message will have.
     *
     * @return the first retained seq.
     */
    public long firstSeq()
    {
        return firstSeq;
    }

    /**
     * Seq of the newest retained message, {@code firstSeq() - 1} when empty.
     *
     * @return the last retained seq.
     */
    public long lastSeq()
    {
        return firstSeq + count - 1;
    }

    /**
     * How many messages are retained.
     *
     * @return the count.
     */
    public int count()
    {
        return count;
    }

    /**
     * Payload bytes retained.
     *
     * @return the sum of retained payload lengths.
     */
    public long retainedBytes()
    {
        return retainedBytes;
    }

    /**
     * Appends the message with the given seq, evicting the oldest as the bounds require.
     *
     * @param seq       the message's seq; must follow the last appended one.
     * @param timestamp its receive time in microseconds.
     * @param src       bytes holding the payload.
     * @param offset    where the payload starts.
     * @param length    payload length.
     */
    public void append(final long seq, final long timestamp, final byte[] src, final int offset, final int length)
    {
        if (maxCount == 0 || length > maxBytes || seq != firstSeq + count)
        {
            clear(seq + 1);
            if (maxCount == 0 || length > maxBytes)
            {
                return;
            }
            clear(seq);
        }
        while (count >= maxCount)
        {
            evictOldest();
        }
        ensureIndexCapacity();
        ensureByteCapacity(length);
        final int at = reserve(length);
        System.arraycopy(src, offset, bytes, at, length);
        final int slot = (head + count) % offsets.length;
        timestamps[slot] = timestamp;
        offsets[slot] = at;
        lengths[slot] = length;
        writePos = at + length;
        count++;
        retainedBytes += length;
    }

    /**
     * Index of a retained seq for the accessors below.
     *
     * @param seq a seq between {@link #firstSeq()} and {@link #lastSeq()}.
     * @return the slot holding it.
     */
    public int slotOf(final long seq)
    {
        return (int)((head + (seq - firstSeq)) % offsets.length);
    }

    /**
     * The bytes backing history; valid until the next append.
     *
     * @return the byte ring.
     */
    public byte[] buffer()
    {
        return bytes;
    }

    /**
     * Offset in {@link #buffer()} of the payload in a slot.
     *
     * @param slot from {@link #slotOf(long)}.
     * @return the payload's offset.
     */
    public int offset(final int slot)
    {
        return offsets[slot];
    }

    /**
     * Length of the payload in a slot.
     *
     * @param slot from {@link #slotOf(long)}.
     * @return the payload's length.
     */
    public int length(final int slot)
    {
        return lengths[slot];
    }

    /**
     * Receive time of the message in a slot.
     *
     * @param slot from {@link #slotOf(long)}.
     * @return microseconds since the epoch.
     */
    public long timestamp(final int slot)
    {
        return timestamps[slot];
    }

    private void clear(final long nextSeq)
    {
        head = 0;
        count = 0;
        writePos = 0;
        retainedBytes = 0;
        firstSeq = nextSeq;
    }

    private void evictOldest()
    {
        retainedBytes -= lengths[head];
        head = (head + 1) % offsets.length;
        count--;
        firstSeq++;
        if (count == 0)
        {
            head = 0;
            writePos = 0;
        }
    }

    /** Finds room for {@code length} contiguous bytes, evicting the oldest messages until there is. */
    private int reserve(final int length)
    {
        final int capacity = bytes.length;
        while (true)
        {
            if (count == 0)
            {
                return 0;
            }
            final int start = offsets[head];
            if (writePos > start || (writePos == start && retainedBytes == 0))
            {
                if (capacity - writePos >= length)
                {
                    return writePos;
                }
                if (start >= length)
                {
                    return 0;
                }
            }
            else if (start - writePos >= length)
            {
                return writePos;
            }
            evictOldest();
        }
    }

    private void ensureIndexCapacity()
    {
        if (count < offsets.length)
        {
            return;
        }
        final int capacity = Math.min(maxCount, Math.max(INITIAL_INDEX, offsets.length * 2));
        final long[] newTimestamps = new long[capacity];
        final int[] newOffsets = new int[capacity];
        final int[] newLengths = new int[capacity];
        for (int i = 0; i < count; i++)
        {
            final int from = (head + i) % offsets.length;
            newTimestamps[i] = timestamps[from];
            newOffsets[i] = offsets[from];
            newLengths[i] = lengths[from];
        }
        timestamps = newTimestamps;
        offsets = newOffsets;
        lengths = newLengths;
        head = 0;
    }

    /** Grows the byte ring (up to the bound) while the retained bytes plus the new message would not fit. */
    private void ensureByteCapacity(final int length)
    {
        if (bytes.length >= maxBytes || retainedBytes + length <= bytes.length / 2 && bytes.length >= length)
        {
            return;
        }
        long wanted = Math.max(INITIAL_BYTES, bytes.length);
        while (wanted < (retainedBytes + length) * 2 && wanted < maxBytes)
        {
            wanted *= 2;
        }
        final int capacity = (int)Math.min(wanted, maxBytes);
        if (capacity <= bytes.length)
        {
            return;
        }
        // Linearise: copy the retained messages, oldest first, to the start of the new ring.
        final byte[] grown = new byte[capacity];
        int pos = 0;
        for (int i = 0; i < count; i++)
        {
            final int slot = (head + i) % offsets.length;
            System.arraycopy(bytes, offsets[slot], grown, pos, lengths[slot]);
            offsets[slot] = pos;
            pos += lengths[slot];
        }
        bytes = grown;
        writePos = pos;
    }
}
