package io.pulsarproxy.delivery;

/**
 * Checks that bytes are well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
 * <p>
 * RFC 6455 requires a text message to be valid UTF-8 as a whole (a code point may straddle fragments), so the check
 * runs on a complete message. ASCII, which is what JSON ops are made of, takes the fast path of one comparison per
 * byte.
 */
final class Utf8
{
    private Utf8()
    {
    }

    /**
     * Tells whether a range of bytes is well-formed UTF-8.
     *
     * @param b      the bytes.
     * @param offset where the range starts.
     * @param length its length.
     * @return true if valid.
     */
    static boolean isValid(final byte[] b, final int offset, final int length)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int c = b[i];
            if (c >= 0)
            {
                i++;
                continue;
            }
            final int lead = c & 0xFF;
            if (lead < 0xC2 || lead > 0xF4)
            {
                return false; // a continuation byte, an overlong two-byte lead (C0, C1), or beyond U+10FFFF
            }
            final int extra = lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
            if (i + extra >= end)
            {
                return false;
            }
            final int second = b[i + 1] & 0xFF;
            // The second byte's range depends on the lead: it is what excludes overlongs, surrogates and > U+10FFFF.
            final int min = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
            final int max = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
            if (second < min || second > max)
            {
                return false;
            }
            for (int k = 2; k <= extra; k++)
            {
                if ((b[i + k] & 0xC0) != 0x80)
                {
                    return false;
                }
            }
            i += extra + 1;
        }
        return true;
    }
}
