package io.pulsarproxy.pipeline.json;

/**
 * Reads and writes integers as ASCII digits without allocation.
 */
public final class JsonNumbers
{
    /** Returned by {@link #parseNonNegativeLong} when the text is not a non-negative integer that fits a long. */
    public static final long NOT_A_NUMBER = -1;

    private static final byte[] MIN_LONG = "-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private JsonNumbers()
    {
    }

    /**
     * Parses a non-negative integer written in plain digits.
     *
     * @param buf    the bytes.
     * @param offset first digit.
     * @param length number of bytes.
     * @return the value, or {@link #NOT_A_NUMBER}.
     */
    public static long parseNonNegativeLong(final byte[] buf, final int offset, final int length)
    {
        if (length <= 0 || length > 19)
        {
            return NOT_A_NUMBER;
        }
        long value = 0;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final int d = buf[i] - '0';
            if (d < 0 || d > 9)
            {
                return NOT_A_NUMBER;
            }
            value = value * 10 + d;
            if (value < 0)
            {
                return NOT_A_NUMBER;
            }
        }
        return value;
    }

    /**
     * How many bytes {@link #putLong} writes for a value.
     *
     * @param value the value.
     * @return its length in ASCII.
     */
    public static int lengthOf(final long value)
    {
        if (value == Long.MIN_VALUE)
        {
            return MIN_LONG.length;
        }
        long v = value < 0 ? -value : value;
        int digits = 1;
        while (v >= 10)
        {
            v /= 10;
            digits++;
        }
        return value < 0 ? digits + 1 : digits;
    }

    /**
     * Writes a value as ASCII digits.
     *
     * @param value the value.
     * @param dst   where to write; must have {@link #lengthOf(long)} bytes free at {@code offset}.
     * @param offset where to start.
     * @return the offset just past the last digit.
     */
    public static int putLong(final long value, final byte[] dst, final int offset)
    {
        if (value == Long.MIN_VALUE)
        {
            System.arraycopy(MIN_LONG, 0, dst, offset, MIN_LONG.length);
            return offset + MIN_LONG.length;
        }
        final int length = lengthOf(value);
        long v = value;
        int i = offset + length;
        if (v < 0)
        {
            dst[offset] = '-';
            v = -v;
        }
        do
        {
            dst[--i] = (byte)('0' + (v % 10));
            v /= 10;
        }
        while (v != 0);
        return offset + length;
    }
}
