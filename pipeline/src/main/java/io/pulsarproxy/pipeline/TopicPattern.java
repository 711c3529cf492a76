package io.pulsarproxy.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A validated subscription pattern with wildcards, as NATS has them: {@code *} matches exactly one segment,
 * a final {@code >} matches one or more trailing segments.
 * <p>
 * <b>Note:</b> immutable; built on the subscriber's IO thread, used by the route stage.
 */
public final class TopicPattern
{
    private final byte[] bytes;
    private final String text;

    /**
     * Copies a pattern; it must already be valid ({@link TopicName#validatePattern}).
     *
     * @param src    bytes holding the pattern.
     * @param offset where it starts.
     * @param length its length.
     */
    public TopicPattern(final byte[] src, final int offset, final int length)
    {
        this.bytes = Arrays.copyOfRange(src, offset, offset + length);
        this.text = new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * The pattern as bytes; do not modify.
     *
     * @return the bytes.
     */
    public byte[] bytes()
    {
        return bytes;
    }

    /**
     * The pattern as text.
     *
     * @return the pattern.
     */
    public String text()
    {
        return text;
    }

    /**
     * Tells whether this pattern is the given bytes.
     *
     * @param src    bytes.
     * @param offset where they start.
     * @param length how many.
     * @return true on a byte-for-byte match.
     */
    public boolean is(final byte[] src, final int offset, final int length)
    {
        return Arrays.equals(bytes, 0, bytes.length, src, offset, offset + length);
    }

    /**
     * Tells whether a concrete topic matches this pattern.
     *
     * @param topic the topic's bytes (a valid topic, no wildcards).
     * @return true if it matches.
     */
    public boolean matches(final byte[] topic)
    {
        return matches(bytes, topic);
    }

    /**
     * Tells whether a concrete topic matches a pattern.
     *
     * @param pattern a valid pattern.
     * @param topic   a valid topic.
     * @return true if it matches.
     */
    public static boolean matches(final byte[] pattern, final byte[] topic)
    {
        int p = 0;
        int t = 0;
        final int pl = pattern.length;
        final int tl = topic.length;
        while (p < pl)
        {
            if (t >= tl)
            {
                return false;
            }
            final int pEnd = segmentEnd(pattern, p);
            final int tEnd = segmentEnd(topic, t);
            if (pEnd - p == 1 && pattern[p] == '>')
            {
                return true;
            }
            if (!(pEnd - p == 1 && pattern[p] == '*') &&
                !Arrays.equals(pattern, p, pEnd, topic, t, tEnd))
            {
                return false;
            }
            p = pEnd + 1;
            t = tEnd + 1;
        }
        return t >= tl;
    }

    /**
     * Tells whether every topic that {@code requested} can match is also matched by {@code claim}: the test for
     * "may this token subscribe to that pattern".
     *
     * @param claim     a valid pattern (or topic) granted.
     * @param requested a valid pattern (or topic) asked for, as bytes.
     * @param offset    where it starts.
     * @param length    its length.
     * @return true if {@code requested} lies within {@code claim}.
     */
    public static boolean covers(final byte[] claim, final byte[] requested, final int offset, final int length)
    {
        int c = 0;
        int r = offset;
        final int cl = claim.length;
        final int rl = offset + length;
        while (c < cl)
        {
            if (r >= rl)
            {
                return false;
            }
            final int cEnd = segmentEnd(claim, c);
            final int rEnd = segmentEnd(requested, r, rl);
            final boolean claimAll = cEnd - c == 1 && claim[c] == '>';
            final boolean claimOne = cEnd - c == 1 && claim[c] == '*';
            final boolean requestAll = rEnd - r == 1 && requested[r] == '>';
            if (claimAll)
            {
                return true;
            }
            if (requestAll)
            {
                return false;
            }
            if (!claimOne && !Arrays.equals(claim, c, cEnd, requested, r, rEnd))
            {
                return false;
            }
            c = cEnd + 1;
            r = rEnd + 1;
        }
        return r >= rl;
    }

    private static int segmentEnd(final byte[] b, final int from, final int limit)
    {
        int i = from;
        while (i < limit && b[i] != '.')
        {
            i++;
        }
        return i;
    }

    private static int segmentEnd(final byte[] b, final int from)
    {
        int i = from;
        while (i < b.length && b[i] != '.')
        {
            i++;
        }
        return i;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
