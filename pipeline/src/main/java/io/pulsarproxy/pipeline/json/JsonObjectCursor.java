package io.pulsarproxy.pipeline.json;

/**
 * Walks the members of one JSON object in place, giving each key and value as offsets, with no allocation.
 * <p>
 * Values are validated by the {@link JsonScanner} as they are passed. Keys are compared as raw bytes, so a key
 * written with escapes ({@code "\u0074opic"}) does not match {@code topic}.
 * <pre>{@code
 * if (cursor.open(buf, pos, limit) == JsonScanner.FAILED) ...
 * int r;
 * while ((r = cursor.next()) == JsonObjectCursor.MEMBER) { if (cursor.keyEquals(TOPIC)) ... }
 * if (r == JsonScanner.FAILED) ... else end = cursor.end();
 * }</pre>
 * <b>Note:</b> holds the position of one walk; one instance per thread, reused.
 */
public final class JsonObjectCursor
{
    /** {@link #next()} read a member. */
    public static final int MEMBER = 1;
    /** {@link #next()} reached the closing brace. */
    public static final int CLOSED = 0;

    private final JsonScanner scanner;
    private byte[] buf;
    private int limit;
    private int pos;
    private boolean first;
    private int keyOffset;
    private int keyLength;
    private int valueOffset;
    private int valueEnd;
    private int end;

    /**
     * Creates a cursor that validates values with the given scanner (and reports errors through it).
     *
     * @param scanner the scanner whose error fields tell what went wrong.
     */
    public JsonObjectCursor(final JsonScanner scanner)
    {
        this.scanner = scanner;
    }

    /**
     * The scanner that holds the last error.
     *
     * @return the scanner.
     */
    public JsonScanner scanner()
    {
        return scanner;
    }

    /**
     * Starts a walk at an opening brace.
     *
     * @param buf   the bytes.
     * @param pos   offset of the {@code '{'}.
     * @param limit one past the last byte.
     * @return 0, or {@link JsonScanner#FAILED} when {@code pos} holds no {@code '{'}.
     */
    public int open(final byte[] buf, final int pos, final int limit)
    {
        this.buf = buf;
        this.limit = limit;
        if (pos >= limit)
        {
            return scanner.fail(JsonScanner.UNEXPECTED_END, pos);
        }
        if (buf[pos] != '{')
        {
            return scanner.fail(JsonScanner.UNEXPECTED_CHAR, pos);
        }
        this.pos = JsonScanner.skipWhitespace(buf, pos + 1, limit);
        this.first = true;
        return 0;
    }

    /**
     * Reads the next member.
     *
     * @return {@link #MEMBER}, {@link #CLOSED} (then {@link #end()} is valid) or {@link JsonScanner#FAILED}.
     */
    public int next()
    {
        int i = pos;
        if (i >= limit)
        {
            return scanner.fail(JsonScanner.UNEXPECTED_END, i);
        }
        if (buf[i] == '}')
        {
            end = i + 1;
            return CLOSED;
        }
        if (!first)
        {
            if (buf[i] != ',')
            {
                return scanner.fail(JsonScanner.UNEXPECTED_CHAR, i);
            }
            i = JsonScanner.skipWhitespace(buf, i + 1, limit);
        }
        first = false;
        final int keyEnd = scanner.scanString(buf, i, limit);
        if (keyEnd == JsonScanner.FAILED)
        {
            return JsonScanner.FAILED;
        }
        keyOffset = i + 1;
        keyLength = keyEnd - i - 2;
        i = JsonScanner.skipWhitespace(buf, keyEnd, limit);
        if (i >= limit)
        {
            return scanner.fail(JsonScanner.UNEXPECTED_END, i);
        }
        if (buf[i] != ':')
        {
            return scanner.fail(JsonScanner.UNEXPECTED_CHAR, i);
        }
        i = JsonScanner.skipWhitespace(buf, i + 1, limit);
        final int vEnd = scanner.scanValue(buf, i, limit);
        if (vEnd == JsonScanner.FAILED)
        {
            return JsonScanner.FAILED;
        }
        valueOffset = i;
        valueEnd = vEnd;
        pos = JsonScanner.skipWhitespace(buf, vEnd, limit);
        return MEMBER;
    }

    /**
     * Tells whether the current key is exactly {@code name}.
     *
     * @param name the key as ASCII bytes.
     * @return true on a byte-for-byte match.
     */
    public boolean keyEquals(final byte[] name)
    {
        if (name.length != keyLength)
        {
            return false;
        }
        for (int k = 0; k < keyLength; k++)
        {
            if (buf[keyOffset + k] != name[k])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Offset of the current key, after its opening quote.
     *
     * @return the key's offset.
     */
    public int keyOffset()
    {
        return keyOffset;
    }

    /**
     * Length of the current key, quotes excluded.
     *
     * @return the key's length.
     */
    public int keyLength()
    {
        return keyLength;
    }

    /**
     * Offset of the current value's first byte.
     *
     * @return the value's offset.
     */
    public int valueOffset()
    {
        return valueOffset;
    }

    /**
     * Length of the current value.
     *
     * @return the value's length in bytes.
     */
    public int valueLength()
    {
        return valueEnd - valueOffset;
    }

    /**
     * Tells whether the current value is a string.
     *
     * @return true if it starts with a quote.
     */
    public boolean valueIsString()
    {
        return buf[valueOffset] == '"';
    }

    /**
     * Offset just past the closing brace, once {@link #next()} returned {@link #CLOSED}.
     *
     * @return the end offset.
     */
    public int end()
    {
        return end;
    }
}
