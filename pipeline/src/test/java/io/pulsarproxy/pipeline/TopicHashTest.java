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

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
