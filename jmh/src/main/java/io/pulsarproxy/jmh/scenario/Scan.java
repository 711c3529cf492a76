package io.pulsarproxy.jmh.scenario;

import java.nio.charset.StandardCharsets;

/**
 * Byte scans over received frames: find a short pattern, read an unsigned decimal number. No JSON library, no
 * allocation.
 * <p>
 * <b>Note:</b> an instance keeps the cursor {@link #last}; one instance per thread.
 */
final class Scan
{
    static final byte[] SEQ = ascii("\"seq\":");
    static final byte[] INDEX = ascii("\"i\":");
    static final byte[] TIME = ascii("\"t\":");
    static final byte[] TYPE = ascii("\"type\":\"");

    /** Where the number last read by {@link #number} ended. */
    int last;

    static int indexOf(final byte[] pattern, final byte[] b, final int from, final int to)
    {
        final byte first = pattern[0];
        outer:
        for (int i = from, end = to - pattern.length; i <= end; i++)
        {
            if (b[i] != first)
            {
                continue;
            }
            for (int j = 1; j < pattern.length; j++)
            {
                if (b[i + j] != pattern[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    long number(final byte[] b, final int from, final int to)
    {
        int p = from;
        while (p < to && b[p] == ' ')
        {
            p++;
        }
        long v = 0;
        while (p < to && b[p] >= '0' && b[p] <= '9')
        {
            v = v * 10 + b[p++] - '0';
        }
        last = p;
        return v;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
