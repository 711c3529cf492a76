package io.pulsarproxy.pipeline;

import org.agrona.collections.Long2LongHashMap;

/**
 * The idempotency keys of a topic's last N messages that carried one, with the seq each was given.
 * <p>
 * Keys are kept as two independent 64-bit hashes (a false match needs both to collide, about one chance in 2^128),
 * so remembering a key allocates nothing. When the window is full the oldest key is forgotten.
 * <p>
 * <b>Note:</b> single writer: the route stage.
 */
final class IdempotencyWindow
{
    private static final long MISSING = -1;

    private final Long2LongHashMap slotByHash;
    private final long[] hashes;
    private final long[] checks;
    private final long[] seqs;
    private int next;
    private int size;

    IdempotencyWindow(final int capacity)
    {
        this.slotByHash = new Long2LongHashMap(Math.max(8, capacity * 2), 0.65f, MISSING);
        this.hashes = new long[capacity];
        this.checks = new long[capacity];
        this.seqs = new long[capacity];
    }

    /**
     * Finds the seq given to a key.
     *
     * @return the seq, or -1 when the key is not in the window.
     */
    long find(final byte[] src, final int offset, final int length)
    {
        final long hash = TopicHash.hash(src, offset, length);
        final long slot = slotByHash.get(hash);
        if (slot == MISSING || checks[(int)slot] != check(src, offset, length))
        {
            return -1;
        }
        return seqs[(int)slot];
    }

    /**
     * Remembers a key, forgetting the oldest when full.
     */
    void add(final byte[] src, final int offset, final int length, final long seq)
    {
        final long hash = TopicHash.hash(src, offset, length);
        final int slot = next;
        if (size == hashes.length)
        {
            final long old = hashes[slot];
            if (slotByHash.get(old) == slot)
            {
                slotByHash.remove(old);
            }
        }
        else
        {
            size++;
        }
        hashes[slot] = hash;
        checks[slot] = check(src, offset, length);
        seqs[slot] = seq;
        slotByHash.put(hash, slot);
        next = (slot + 1) % hashes.length;
    }

    /** A second hash, independent of {@link TopicHash}: 64-bit multiply-rotate over the bytes with another seed. */
    private static long check(final byte[] src, final int offset, final int length)
    {
        long h = 0x9E3779B97F4A7C15L ^ length;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            h = Long.rotateLeft((h ^ (src[i] & 0xFF)) * 0xC2B2AE3D27D4EB4FL, 31);
        }
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 32);
    }
}
