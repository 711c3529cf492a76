package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IdempotencyWindowTest
{
    @Test
    void shouldFindNothingInEmptyWindow()
    {
        final IdempotencyWindow window = new IdempotencyWindow(4);

        assertEquals(-1, find(window, "k1"));
        assertEquals(-1, find(window, ""));
    }

    @Test
    void shouldFindSeqOfKeyAddedWhateverArrayAndOffsetHoldIt()
    {
        final IdempotencyWindow window = new IdempotencyWindow(4);
        final byte[] first = ascii("xx-order-42-yy");

        window.add(first, 3, 8, 17);

        assertEquals(17, window.find(ascii("order-42"), 0, 8));
        assertEquals(17, window.find(ascii("[[[[order-42"), 4, 8));
        assertEquals(17, window.find(first, 3, 8));
        assertEquals(-1, window.find(first, 3, 7), "a prefix is another key");
        assertEquals(-1, window.find(first, 2, 8), "shifted by one byte");
        assertEquals(-1, find(window, "order-43"));
        assertEquals(-1, find(window, "order-420"));
    }

    @Test
    void shouldForgetOldestKeyWhenFull()
    {
        final IdempotencyWindow window = new IdempotencyWindow(3);
        window.add(ascii("a"), 0, 1, 1);
        window.add(ascii("b"), 0, 1, 2);
        window.add(ascii("c"), 0, 1, 3);

        assertEquals(1, find(window, "a"));
        assertEquals(2, find(window, "b"));
        assertEquals(3, find(window, "c"));

        window.add(ascii("d"), 0, 1, 4);

        assertEquals(-1, find(window, "a"));
        assertEquals(2, find(window, "b"));
        assertEquals(3, find(window, "c"));
        assertEquals(4, find(window, "d"));

        window.add(ascii("e"), 0, 1, 5);

        assertEquals(-1, find(window, "b"));
        assertEquals(3, find(window, "c"));
        assertEquals(5, find(window, "e"));
    }

    @Test
    void shouldKeepExactlyLastKeysWhileWrappingManyTimes()
    {
        final int capacity = 8;
        final IdempotencyWindow window = new IdempotencyWindow(capacity);

        for (int i = 1; i <= 1000; i++)
        {
            window.add(ascii("key-" + i), 0, ("key-" + i).length(), 100 + i);
            if (i % 97 == 0 || i > 990)
            {
                for (int k = 1; k <= i; k++)
                {
                    final long expected = k > i - capacity ? 100 + k : -1;
                    assertEquals(expected, find(window, "key-" + k), "key-" + k + " after " + i + " keys");
                }
            }
        }
    }

    @Test
    void shouldHoldOneKeyWithCapacityOne()
    {
        final IdempotencyWindow window = new IdempotencyWindow(1);
        window.add(ascii("a"), 0, 1, 1);

        assertEquals(1, find(window, "a"));

        window.add(ascii("b"), 0, 1, 2);

        assertEquals(-1, find(window, "a"));
        assertEquals(2, find(window, "b"));
    }

    @Test
    void shouldKeepNewerEntryOfKeyAddedTwiceUntilThatEntryIsForgotten()
    {
        final IdempotencyWindow window = new IdempotencyWindow(3);
        window.add(ascii("a"), 0, 1, 1);
        window.add(ascii("b"), 0, 1, 2);
        window.add(ascii("a"), 0, 1, 3);

        assertEquals(3, find(window, "a"));

        window.add(ascii("c"), 0, 1, 4);

        assertEquals(3, find(window, "a"), "forgetting the older entry keeps the newer one");
        assertEquals(2, find(window, "b"));

        window.add(ascii("d"), 0, 1, 5);
        window.add(ascii("e"), 0, 1, 6);

        assertEquals(-1, find(window, "a"));
        assertEquals(-1, find(window, "b"));
        assertEquals(4, find(window, "c"));
        assertEquals(5, find(window, "d"));
        assertEquals(6, find(window, "e"));
    }

    @Test
    void shouldTellKeysOfSameBytesInDifferentOrderApart()
    {
        final IdempotencyWindow window = new IdempotencyWindow(16);
        window.add(ascii("ab"), 0, 2, 1);
        window.add(ascii("ba"), 0, 2, 2);
        window.add(ascii("k:1"), 0, 3, 3);

        assertEquals(1, find(window, "ab"));
        assertEquals(2, find(window, "ba"));
        assertEquals(3, find(window, "k:1"));
        assertEquals(-1, find(window, "1:k"));
        assertEquals(-1, find(window, "aab"));
    }

    private static long find(final IdempotencyWindow window, final String key)
    {
        final byte[] bytes = ascii(key);
        return window.find(bytes, 0, bytes.length);
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
