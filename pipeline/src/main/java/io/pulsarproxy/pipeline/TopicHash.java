package io.pulsarproxy.pipeline;

/**
 * 64-bit hash of topic bytes, used to find a topic in the {@link TopicTable} without building a String.
 * <p>
 * FNV-1a with a final avalanche; collisions are resolved by comparing bytes, so the hash needs only to spread well.
 */
public final class TopicHash
{
    private TopicHash()
    {
    }

    /**
     * Hashes {@code length} bytes from {@code offset}.
     *
     * @param buf    the bytes.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the hash.
     */
    public static long hash(final byte[] buf, final int offset, final int length)
    {
        long h = 0xcbf29ce484222325L;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            h ^= buf[i] & 0xFF;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
