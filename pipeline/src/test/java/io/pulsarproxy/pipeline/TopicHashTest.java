package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class TopicHashTest
{
    @Test
    void shouldHashTheBytesOfTheRangeOnly()
    {
        final byte[] alone = ascii("orders.eu");
        final byte[] embedded = ascii("xx/orders.eu/yy");

        assertEquals(TopicHash.hash(alone, 0, alone.length), TopicHash.hash(embedded, 3, alone.length));
        assertNotEquals(TopicHash.hash(alone, 0, alone.length), TopicHash.hash(embedded, 2, alone.length));
        assertNotEquals(TopicHash.hash(alone, 0, alone.length), TopicHash.hash(alone, 0, alone.length - 1));
    }

    @Test
    void shouldGiveDistinctHashesToManySimilarTopics()
    {
        final Set<Long> hashes = new HashSet<>();
        final int topics = 100_000;
        for (int i = 0; i < topics; i++)
        {
            final byte[] name = ascii("tenant-" + (i % 100) + ".orders." + i);
            hashes.add(TopicHash.hash(name, 0, name.length));
        }

        assertEquals(topics, hashes.size());
    }

    @Test
    void shouldTellApartEveryPrefixAcrossWordBoundaries()
    {
        final byte[] name = ascii("tenant-7.orders.eu.west.shard-0042.events");
        final Set<Long> hashes = new HashSet<>();
        for (int length = 0; length <= name.length; length++)
        {
            hashes.add(TopicHash.hash(name, 0, length));
        }
        // A zero byte past the end must not hash like no byte (the tail of a word is zero-filled).
        final byte[] withZero = new byte[]{'a', 'b', 0};
        hashes.add(TopicHash.hash(withZero, 0, 3));

        assertEquals(name.length + 2, hashes.size());
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
