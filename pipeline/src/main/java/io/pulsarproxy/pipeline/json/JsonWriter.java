package io.pulsarproxy.pipeline.json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A small growable JSON writer for replies and control frames: problem details, receipts, {@code subscribed},
 * {@code error}. Not for the per-message path, which encodes straight into outbound buffers.
 * <p>
 * The caller writes the punctuation; this class escapes strings and formats numbers.
 */
public final class JsonWriter
{
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private int length;

    /**
     * Creates a writer with room for {@code initialCapacity} bytes.
     *
     * @param initialCapacity starting capacity.
     */
    public JsonWriter(final int initialCapacity)
    {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    /**
     * Appends ASCII text as is (punctuation, keys known to need no escaping).
     *
     * @param ascii the text.
     * @return this writer.
     */
    public JsonWriter raw(final String ascii)
    {
        final int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++)
        {
            bytes[length++] = (byte)ascii.charAt(i);
        }
        return this;
    }

    /**
     * Appends bytes as is (an already valid JSON value, e.g. a payload).
     *
     * @param src    the bytes.
     * @param offset first byte.
     * @param count  number of bytes.
     * @return this writer.
     */
    public JsonWriter raw(final byte[] src, final int offset, final int count)
    {
        ensure(count);
        System.arraycopy(src, offset, bytes, length, count);
        length += count;
        return this;
    }

    /**
     * Appends a number.
     *
     * @param value the value.
     * @return this writer.
     */
    public JsonWriter number(final long value)
    {
        ensure(20);
        length = JsonNumbers.putLong(value, bytes, length);
        return this;
    }

    /**
     * Appends a quoted, escaped string.
     *
     * @param value the string; null writes {@code null}.
     * @return this writer.
     */
    public JsonWriter string(final String value)
    {
        if (value == null)
        {
            return raw("null");
        }
        final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return string(utf8, 0, utf8.length);
    }

    /**
     * Appends UTF-8 bytes as a quoted, escaped string.
     *
     * @param src    UTF-8 bytes.
     * @param offset first byte.
     * @param count  number of bytes.
     * @return this writer.
     */
    public JsonWriter string(final byte[] src, final int offset, final int count)
    {
        ensure(count * 6 + 2);
        bytes[length++] = '"';
        for (int i = offset, end = offset + count; i < end; i++)
        {
            final byte b = src[i];
            if (b == '"' || b == '\\')
            {
                bytes[length++] = '\\';
                bytes[length++] = b;
            }
            else if (b >= 0 && b < 0x20)
            {
                bytes[length++] = '\\';
                bytes[length++] = 'u';
                bytes[length++] = '0';
                bytes[length++] = '0';
                bytes[length++] = HEX[b >> 4];
                bytes[length++] = HEX[b & 0xF];
            }
            else
            {
                bytes[length++] = b;
            }
        }
        bytes[length++] = '"';
        return this;
    }

    /**
     * The written bytes; valid up to {@link #length()}.
     *
     * @return the backing array.
     */
    public byte[] buffer()
    {
        return bytes;
    }

    /**
     * Bytes written so far.
     *
     * @return the length.
     */
    public int length()
    {
        return length;
    }

    /**
     * A copy of the written bytes.
     *
     * @return a new array of {@link #length()} bytes.
     */
    public byte[] toByteArray()
    {
        return Arrays.copyOf(bytes, length);
    }

    /**
     * Forgets what was written, keeping the capacity.
     *
     * @return this writer.
     */
    public JsonWriter reset()
    {
        length = 0;
        return this;
    }

    @Override
    public String toString()
    {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private void ensure(final int extra)
    {
        if (length + extra > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
        }
    }
}
