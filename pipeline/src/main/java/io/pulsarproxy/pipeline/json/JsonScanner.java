package io.pulsarproxy.pipeline.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Validating, allocation-free JSON scanner over a byte array (RFC 8259, UTF-8).
 * <p>
 * It finds where values begin and end so that payloads can be kept verbatim as offsets into the request bytes; it
 * never builds a tree or a String. Strings are checked for valid escapes, control characters and well-formed UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF), so any payload that passes can be sent on as a
 * WebSocket text frame. Nesting deeper than the configured limit is an error, which bounds the recursion.
 * <p>
 * Methods return the offset just past what they scanned, or {@link #FAILED} with {@link #error()} and
 * {@link #errorOffset()} telling what and where.
 * <p>
 * <b>Note:</b> holds the last error, so an instance belongs to one thread at a time; keep one per thread and reuse it.
 */
public final class JsonScanner
{
    /** Returned by every scan method on failure. */
    public static final int FAILED = -1;

    /** No error. */
    public static final int OK = 0;
    /** Input ended inside a value. */
    public static final int UNEXPECTED_END = 1;
    /** A byte that cannot stand where it was found. */
    public static final int UNEXPECTED_CHAR = 2;
    /** A backslash escape that JSON does not define. */
    public static final int BAD_ESCAPE = 3;
    /** A string holding bytes that are not well-formed UTF-8. */
    public static final int BAD_UTF8 = 4;
    /** A raw control character (below U+0020) inside a string. */
    public static final int CONTROL_CHAR = 5;
    /** Arrays and objects nested deeper than allowed. */
    public static final int TOO_DEEP = 6;
    /** A malformed number. */
    public static final int BAD_NUMBER = 7;
    /** Something that starts like true, false or null but is not. */
    public static final int BAD_LITERAL = 8;
    /** Bytes left over after a complete value. */
    public static final int TRAILING = 9;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final long SPACES = ONES * ' ';

    private final int maxDepth;
    private int error;
    private int errorOffset;

    /**
     * Creates a scanner.
     *
     * @param maxDepth deepest nesting of arrays and objects accepted (1 means a flat array or object).
     */
    public JsonScanner(final int maxDepth)
    {
        if (maxDepth < 1)
        {
            throw new IllegalArgumentException("maxDepth must be >= 1: " + maxDepth);
        }
        this.maxDepth = maxDepth;
    }

    /**
     * The deepest nesting accepted.
     *
     * @return the depth limit.
     */
    public int maxDepth()
    {
        return maxDepth;
    }

    /**
     * The error of the last failed scan.
     *
     * @return one of the error codes, {@link #OK} if the last scan succeeded.
     */
    public int error()
    {
        return error;
    }

    /**
     * Where the last failed scan found its error.
     *
     * @return the offset into the scanned array.
     */
    public int errorOffset()
    {
        return errorOffset;
    }

    /**
     * Says in words what the last error was.
     *
     * @return a description without the offset.
     */
    public String errorMessage()
    {
        return describe(error, maxDepth);
    }

    /**
     * Says in words what an error code means.
     *
     * @param code     an error code.
     * @param maxDepth the depth limit, quoted for {@link #TOO_DEEP}.
     * @return a description.
     */
    public static String describe(final int code, final int maxDepth)
    {
        switch (code)
        {
            case OK:
                return "no error";
            case UNEXPECTED_END:
                return "unexpected end of JSON";
            case UNEXPECTED_CHAR:
                return "unexpected character";
            case BAD_ESCAPE:
                return "invalid escape sequence in string";
            case BAD_UTF8:
                return "invalid UTF-8 in string";
            case CONTROL_CHAR:
                return "unescaped control character in string";
            case TOO_DEEP:
                return "JSON nested deeper than " + maxDepth + " levels";
            case BAD_NUMBER:
                return "malformed number";
            case BAD_LITERAL:
                return "malformed literal (expected true, false or null)";
            case TRAILING:
                return "unexpected data after the JSON value";
            default:
                return "malformed JSON";
        }
    }

    /**
     * Records an error found by a caller that parses structure on top of this scanner.
     *
     * @param code   the error code.
     * @param offset where it was found.
     * @return {@link #FAILED}, for use in a return statement.
     */
    public int fail(final int code, final int offset)
    {
        error = code;
        errorOffset = offset;
        return FAILED;
    }

    /**
     * Checks that {@code [offset, limit)} holds exactly one JSON value, with optional whitespace around it.
     *
     * @param buf    the bytes.
     * @param offset first byte.
     * @param limit  one past the last byte.
     * @return the offset where the value starts, or {@link #FAILED}.
     */
    public int validateDocument(final byte[] buf, final int offset, final int limit)
    {
        final int start = skipWhitespace(buf, offset, limit);
        final int end = scanValue(buf, start, limit);
        if (end == FAILED)
        {
            return FAILED;
        }
        final int rest = skipWhitespace(buf, end, limit);
        if (rest != limit)
        {
            return fail(TRAILING, rest);
        }
        return start;
    }

    /**
     * Skips JSON whitespace (space, tab, line feed, carriage return).
     *
     * @param buf   the bytes.
     * @param pos   where to start.
     * @param limit one past the last byte.
     * @return the offset of the first byte that is not whitespace, or {@code limit}.
     */
    public static int skipWhitespace(final byte[] buf, final int pos, final int limit)
    {
        int i = pos;
        while (i < limit)
        {
            final byte b = buf[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t')
            {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * Scans one value that starts exactly at {@code pos}.
     *
     * @param buf   the bytes.
     * @param pos   the first byte of the value (not whitespace).
     * @param limit one past the last byte.
     * @return the offset just past the value, or {@link #FAILED}.
     */
    public int scanValue(final byte[] buf, final int pos, final int limit)
    {
        error = OK;
        return value(buf, pos, limit, 0);
    }

    /**
     * Scans a string that starts with its opening quote at {@code pos}.
     *
     * @param buf   the bytes.
     * @param pos   the offset of the opening quote.
     * @param limit one past the last byte.
     * @return the offset just past the closing quote, or {@link #FAILED}.
     */
    public int scanString(final byte[] buf, final int pos, final int limit)
    {
        error = OK;
        if (pos >= limit)
        {
            return fail(UNEXPECTED_END, pos);
        }
        if (buf[pos] != '"')
        {
            return fail(UNEXPECTED_CHAR, pos);
        }
        return string(buf, pos, limit);
    }

    private int value(final byte[] buf, final int pos, final int limit, final int depth)
    {
        if (pos >= limit)
        {
            return fail(UNEXPECTED_END, pos);
        }
        switch (buf[pos])
        {
            case '{':
                return object(buf, pos, limit, depth + 1);
            case '[':
                return array(buf, pos, limit, depth + 1);
            case '"':
                return string(buf, pos, limit);
            case 't':
                return literal(buf, pos, limit, 't', 'r', 'u', 'e');
            case 'f':
                return literalFalse(buf, pos, limit);
            case 'n':
                return literal(buf, pos, limit, 'n', 'u', 'l', 'l');
            case '-':
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9':
                return number(buf, pos, limit);
            default:
                return fail(UNEXPECTED_CHAR, pos);
        }
    }

    private int object(final byte[] buf, final int pos, final int limit, final int depth)
    {
        if (depth > maxDepth)
        {
            return fail(TOO_DEEP, pos);
        }
        int i = skipWhitespace(buf, pos + 1, limit);
        if (i < limit && buf[i] == '}')
        {
            return i + 1;
        }
        while (true)
        {
            if (i >= limit)
            {
                return fail(UNEXPECTED_END, i);
            }
            if (buf[i] != '"')
            {
                return fail(UNEXPECTED_CHAR, i);
            }
            i = string(buf, i, limit);
            if (i == FAILED)
            {
                return FAILED;
            }
            i = skipWhitespace(buf, i, limit);
            if (i >= limit)
            {
                return fail(UNEXPECTED_END, i);
            }
            if (buf[i] != ':')
            {
                return fail(UNEXPECTED_CHAR, i);
            }
            i = skipWhitespace(buf, i + 1, limit);
            i = value(buf, i, limit, depth);
            if (i == FAILED)
            {
                return FAILED;
            }
            i = skipWhitespace(buf, i, limit);
            if (i >= limit)
            {
                return fail(UNEXPECTED_END, i);
            }
            final byte b = buf[i];
            if (b == '}')
            {
                return i + 1;
            }
            if (b != ',')
            {
                return fail(UNEXPECTED_CHAR, i);
            }
            i = skipWhitespace(buf, i + 1, limit);
        }
    }

    private int array(final byte[] buf, final int pos, final int limit, final int depth)
    {
        if (depth > maxDepth)
        {
            return fail(TOO_DEEP, pos);
        }
        int i = skipWhitespace(buf, pos + 1, limit);
        if (i < limit && buf[i] == ']')
        {
            return i + 1;
        }
        while (true)
        {
            i = value(buf, i, limit, depth);
            if (i == FAILED)
            {
                return FAILED;
            }
            i = skipWhitespace(buf, i, limit);
            if (i >= limit)
            {
                return fail(UNEXPECTED_END, i);
            }
            final byte b = buf[i];
            if (b == ']')
            {
                return i + 1;
            }
            if (b != ',')
            {
                return fail(UNEXPECTED_CHAR, i);
            }
            i = skipWhitespace(buf, i + 1, limit);
        }
    }

    private int string(final byte[] buf, final int pos, final int limit)
    {
        int i = pos + 1;
        while (i < limit)
        {
            // Eight bytes at once: payload strings are mostly printable ASCII, and a byte at a time was the gateway's
            // biggest single cost under batches (13% of its CPU with batches of 1,000). A word with a byte that needs
            // a look of its own jumps straight to that byte, which the code below handles.
            if (i + Long.BYTES <= limit)
            {
                final long special = specialBytes((long)LONGS.get(buf, i));
                if (special == 0)
                {
                    i += Long.BYTES;
                    continue;
                }
                i += Long.numberOfTrailingZeros(special) >>> 3;
            }
            final int b = buf[i];
            if (b == '"')
            {
                return i + 1;
            }
            if (b == '\\')
            {
                i = escape(buf, i, limit);
                if (i == FAILED)
                {
                    return FAILED;
                }
            }
            else if (b >= 0)
            {
                if (b < 0x20)
                {
                    return fail(CONTROL_CHAR, i);
                }
                i++;
            }
            else
            {
                i = utf8(buf, i, limit);
                if (i == FAILED)
                {
                    return FAILED;
                }
            }
        }
        return fail(UNEXPECTED_END, limit);
    }

    /**
     * Marks, with its high bit, each of eight bytes (little-endian) that needs a look of its own inside a string: a
     * quote, a backslash, a control character or a byte of a multi-byte UTF-8 sequence. A borrow can only carry
     * into the bytes above a real hit, so a word without one gives 0, and the lowest mark is always a real hit.
     */
    private static long specialBytes(final long word)
    {
        final long quotes = word ^ QUOTES;
        final long backslashes = word ^ BACKSLASHES;
        final long hits = ((quotes - ONES) & ~quotes) | ((backslashes - ONES) & ~backslashes) | (word - SPACES) | word;
        return hits & HIGH_BITS;
    }

    private int escape(final byte[] buf, final int pos, final int limit)
    {
        if (pos + 1 >= limit)
        {
            return fail(UNEXPECTED_END, limit);
        }
        switch (buf[pos + 1])
        {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return pos + 2;
            case 'u':
                for (int k = pos + 2, end = Math.min(pos + 6, limit); k < end; k++)
                {
                    if (!isHex(buf[k]))
                    {
                        return fail(BAD_ESCAPE, pos);
                    }
                }
                if (pos + 6 > limit)
                {
                    return fail(UNEXPECTED_END, limit);
                }
                return pos + 6;
            default:
                return fail(BAD_ESCAPE, pos);
        }
    }

    private static boolean isHex(final byte b)
    {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    /** Checks one multi-byte UTF-8 sequence starting at pos (whose first byte is >= 0x80), per RFC 3629 table 3-7. */
    private int utf8(final byte[] buf, final int pos, final int limit)
    {
        final int b0 = buf[pos] & 0xFF;
        final int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF)
        {
            need = 1;
        }
        else if (b0 >= 0xE0 && b0 <= 0xEF)
        {
            need = 2;
            if (b0 == 0xE0)
            {
                lo = 0xA0; // no overlong 3-byte forms
            }
            else if (b0 == 0xED)
            {
                hi = 0x9F; // no UTF-16 surrogates
            }
        }
        else if (b0 >= 0xF0 && b0 <= 0xF4)
        {
            need = 3;
            if (b0 == 0xF0)
            {
                lo = 0x90; // no overlong 4-byte forms
            }
            else if (b0 == 0xF4)
            {
                hi = 0x8F; // nothing above U+10FFFF
            }
        }
        else
        {
            return fail(BAD_UTF8, pos);
        }
        if (pos + need >= limit)
        {
            return fail(BAD_UTF8, pos);
        }
        final int b1 = buf[pos + 1] & 0xFF;
        if (b1 < lo || b1 > hi)
        {
            return fail(BAD_UTF8, pos);
        }
        for (int k = 2; k <= need; k++)
        {
            final int bk = buf[pos + k] & 0xFF;
            if (bk < 0x80 || bk > 0xBF)
            {
                return fail(BAD_UTF8, pos);
            }
        }
        return pos + need + 1;
    }

    private int number(final byte[] buf, final int pos, final int limit)
    {
        int i = pos;
        if (buf[i] == '-')
        {
            i++;
        }
        if (i >= limit)
        {
            return fail(BAD_NUMBER, pos);
        }
        if (buf[i] == '0')
        {
            i++;
        }
        else if (buf[i] >= '1' && buf[i] <= '9')
        {
            while (i < limit && isDigit(buf[i]))
            {
                i++;
            }
        }
        else
        {
            return fail(BAD_NUMBER, pos);
        }
        if (i < limit && buf[i] == '.')
        {
            i++;
            final int digits = i;
            while (i < limit && isDigit(buf[i]))
            {
                i++;
            }
            if (i == digits)
            {
                return fail(BAD_NUMBER, pos);
            }
        }
        if (i < limit && (buf[i] == 'e' || buf[i] == 'E'))
        {
            i++;
            if (i < limit && (buf[i] == '+' || buf[i] == '-'))
            {
                i++;
            }
            final int digits = i;
            while (i < limit && isDigit(buf[i]))
            {
                i++;
            }
            if (i == digits)
            {
                return fail(BAD_NUMBER, pos);
            }
        }
        return i;
    }

    private static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    private int literal(final byte[] buf, final int pos, final int limit, final char a, final char b, final char c,
        final char d)
    {
        if (pos + 4 > limit || buf[pos] != a || buf[pos + 1] != b || buf[pos + 2] != c || buf[pos + 3] != d)
        {
            return fail(BAD_LITERAL, pos);
        }
        return pos + 4;
    }

    private int literalFalse(final byte[] buf, final int pos, final int limit)
    {
        if (pos + 5 > limit || buf[pos + 1] != 'a' || buf[pos + 2] != 'l' || buf[pos + 3] != 's' || buf[pos + 4] != 'e')
        {
            return fail(BAD_LITERAL, pos);
        }
        return pos + 5;
    }
}
