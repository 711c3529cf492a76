package io.pulsarproxy.pipeline;

/**
 * Validates topic names and subscription patterns given as bytes.
 * <p>
 * A topic is 1 to {@link #MAX_LENGTH} characters of {@code A-Z a-z 0-9 _ - :}, in segments joined by {@code .}, with
 * no empty segment. A pattern may also use {@code *} as a whole segment (exactly one segment) and {@code >} as the
 * whole last segment (one or more trailing segments), as NATS does.
 * <p>
 * <b>Note:</b> stateless and allocation-free; safe from any thread.
 */
public final class TopicName
{
    /** Longest topic or pattern, in bytes. */
    public static final int MAX_LENGTH = 200;

    /** The name is valid. */
    public static final int VALID = 0;
    /** The name is empty. */
    public static final int EMPTY = 1;
    /** The name is longer than {@link #MAX_LENGTH}. */
    public static final int TOO_LONG = 2;
    /** The name holds a byte outside the allowed set. */
    public static final int BAD_CHAR = 3;
    /** The name has an empty segment (leading, trailing or double dot). */
    public static final int EMPTY_SEGMENT = 4;
    /** A wildcard is misplaced: not a whole segment, {@code >} not last, or wildcards in a topic. */
    public static final int BAD_WILDCARD = 5;

    private static final boolean[] ALLOWED = new boolean[128];

    static
    {
        for (int c = 'a'; c <= 'z'; c++)
        {
            ALLOWED[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++)
        {
            ALLOWED[c] = true;
        }
        for (int c = '0'; c <= '9'; c++)
        {
            ALLOWED[c] = true;
        }
        ALLOWED['_'] = true;
        ALLOWED['-'] = true;
        ALLOWED[':'] = true;
    }

    private TopicName()
    {
    }

    /**
     * Checks a concrete topic name (no wildcards).
     *
     * @param buf    bytes holding the name.
     * @param offset first byte of the name.
     * @param length number of bytes.
     * @return {@link #VALID} or one of the error codes.
     */
    public static int validateTopic(final byte[] buf, final int offset, final int length)
    {
        return validate(buf, offset, length, false);
    }

    /**
     * Checks a subscription pattern: a topic name in which {@code *} and a final {@code >} may stand as segments.
     *
     * @param buf    bytes holding the pattern.
     * @param offset first byte of the pattern.
     * @param length number of bytes.
     * @return {@link #VALID} or one of the error codes.
     */
    public static int validatePattern(final byte[] buf, final int offset, final int length)
    {
        return validate(buf, offset, length, true);
    }

    /**
     * Tells whether a valid pattern holds a wildcard segment.
     *
     * @param buf    bytes holding the pattern.
     * @param offset first byte of the pattern.
     * @param length number of bytes.
     * @return true if any segment is {@code *} or {@code >}.
     */
    public static boolean isWildcard(final byte[] buf, final int offset, final int length)
    {
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final byte b = buf[i];
            if (b == '*' || b == '>')
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Says in words what an error code means, for problem details and error frames.
     *
     * @param code a code returned by a validate method.
     * @return a constant description.
     */
    public static String describe(final int code)
    {
        switch (code)
        {
            case VALID:
                return "valid";
            case EMPTY:
                return "topic is empty";
            case TOO_LONG:
                return "topic is longer than " + MAX_LENGTH + " characters";
            case BAD_CHAR:
                return "topic may only hold A-Z a-z 0-9 _ - : in segments joined by '.'";
            case EMPTY_SEGMENT:
                return "topic has an empty segment";
            case BAD_WILDCARD:
                return "wildcards: '*' must be a whole segment, '>' only the whole last segment, " +
                    "and neither in a published topic";
            default:
                return "invalid topic";
        }
    }

    private static int validate(final byte[] buf, final int offset, final int length, final boolean allowWildcards)
    {
        if (length <= 0)
        {
            return EMPTY;
        }
        if (length > MAX_LENGTH)
        {
            return TOO_LONG;
        }

        final int end = offset + length;
        int segmentStart = offset;
        for (int i = offset; i <= end; i++)
        {
            if (i == end || buf[i] == '.')
            {
                final int segmentLength = i - segmentStart;
                if (segmentLength == 0)
                {
                    return EMPTY_SEGMENT;
                }
                segmentStart = i + 1;
                continue;
            }

            final int c = buf[i];
            if (c == '*' || c == '>')
            {
                if (!allowWildcards)
                {
                    return BAD_WILDCARD;
                }
                final boolean wholeSegment = i == segmentStart && (i + 1 == end || buf[i + 1] == '.');
                if (!wholeSegment || (c == '>' && i + 1 != end))
                {
                    return BAD_WILDCARD;
                }
                continue;
            }
            if (c < 0 || !ALLOWED[c])
            {
                return BAD_CHAR;
            }
        }
        return VALID;
    }
}
