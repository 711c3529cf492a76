package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TopicHistoryTest
{
    @Test
    void shouldStartEmptyAtSeqOne()
    {
        final TopicHistory history = new TopicHistory(10, 1000);

        assertEquals(0, history.count());
        assertEquals(1, history.firstSeq());
        assertEquals(0, history.lastSeq());
        assertEquals(0, history.retainedBytes());
    }

    @Test
    void shouldKeepEveryMessageWithinBounds()
    {
        final TopicHistory history = new TopicHistory(10, 1000);
        final byte[][] payloads = new byte[6][];
        for (int seq = 1; seq <= 5; seq++)
        {
            payloads[seq] = payload(seq, seq * 10);
            history.append(seq, 1000L + seq, payloads[seq], 0, payloads[seq].length);
        }

        assertEquals(5, history.count());
        assertEquals(1, history.firstSeq());
        assertEquals(5, history.lastSeq());
        assertEquals(10 + 20 + 30 + 40 + 50, history.retainedBytes());
        for (int seq = 1; seq <= 5; seq++)
        {
            assertRetained(history, seq, payloads[seq], 1000L + seq);
        }
    }

    @Test
    void shouldCopyPayloadFromTheGivenRange()
    {
        final TopicHistory history = new TopicHistory(10, 1000);
        final byte[] src = "topic|id|{\"k\":1}|tail".getBytes(StandardCharsets.US_ASCII);

        history.append(1, 7, src, 9, 7);
        src[10] = 'X';

        assertRetained(history, 1, "{\"k\":1}".getBytes(StandardCharsets.US_ASCII), 7);
    }

    @Test
    void shouldEvictOldestWhenCountBoundIsReached()
    {
        final TopicHistory history = new TopicHistory(4, 1 << 20);
        final byte[][] payloads = new byte[11][];
        for (int seq = 1; seq <= 10; seq++)
        {
            payloads[seq] = payload(seq, 8);
            history.append(seq, seq, payloads[seq], 0, payloads[seq].length);
            assertEquals(Math.min(seq, 4), history.count());
            assertEquals(Math.max(1, seq - 3), history.firstSeq());
            assertEquals(seq, history.lastSeq());
        }

        assertEquals(32, history.retainedBytes());
        for (int seq = 7; seq <= 10; seq++)
        {
            assertRetained(history, seq, payloads[seq], seq);
        }
    }

    @Test
    void shouldEvictOldestWhenByteBoundIsReached()
    {
        final TopicHistory history = new TopicHistory(1000, 1000);
        final byte[][] payloads = new byte[26][];
        for (int seq = 1; seq <= 25; seq++)
        {
            payloads[seq] = payload(seq, 100);
            history.append(seq, seq, payloads[seq], 0, payloads[seq].length);
            assertEquals(Math.min(seq, 10), history.count(), "after seq " + seq);
            assertEquals(seq, history.lastSeq());
        }

        assertEquals(16, history.firstSeq());
        assertEquals(25, history.lastSeq());
        assertEquals(1000, history.retainedBytes());
        for (int seq = 16; seq <= 25; seq++)
        {
            assertRetained(history, seq, payloads[seq], seq);
        }
    }

    @Test
    void shouldKeepAMessageOfExactlyTheByteBound()
    {
        final TopicHistory history = new TopicHistory(10, 500);
        history.append(1, 1, payload(1, 100), 0, 100);
        final byte[] big = payload(2, 500);

        history.append(2, 2, big, 0, big.length);

        assertEquals(1, history.count());
        assertEquals(2, history.firstSeq());
        assertEquals(500, history.retainedBytes());
        assertRetained(history, 2, big, 2);
    }

    @Test
    void shouldEmptyHistoryForMessageLargerThanByteBound()
    {
        final TopicHistory history = new TopicHistory(10, 500);
        for (int seq = 1; seq <= 3; seq++)
        {
            history.append(seq, seq, payload(seq, 50), 0, 50);
        }

        history.append(4, 4, payload(4, 501), 0, 501);

        assertEquals(0, history.count());
        assertEquals(5, history.firstSeq());
        assertEquals(4, history.lastSeq());
        assertEquals(0, history.retainedBytes());

        final byte[] next = payload(5, 60);
        history.append(5, 5, next, 0, next.length);

        assertEquals(1, history.count());
        assertEquals(5, history.firstSeq());
        assertEquals(5, history.lastSeq());
        assertEquals(60, history.retainedBytes());
        assertRetained(history, 5, next, 5);
    }

    @Test
    void shouldRestartHistoryAtSeqDiscontinuity()
    {
        final TopicHistory history = new TopicHistory(10, 1000);
        for (int seq = 1; seq <= 3; seq++)
        {
            history.append(seq, seq, payload(seq, 30), 0, 30);
        }
        final byte[] jumped = payload(10, 40);

        history.append(10, 10, jumped, 0, jumped.length);

        assertEquals(1, history.count());
        assertEquals(10, history.firstSeq());
        assertEquals(10, history.lastSeq());
        assertEquals(40, history.retainedBytes());
        assertRetained(history, 10, jumped, 10);

        final byte[] following = payload(11, 20);
        history.append(11, 11, following, 0, following.length);

        assertEquals(2, history.count());
        assertEquals(10, history.firstSeq());
        assertEquals(60, history.retainedBytes());
        assertRetained(history, 10, jumped, 10);
        assertRetained(history, 11, following, 11);
    }

    @Test
    void shouldRestartHistoryWhenSeqGoesBackwards()
    {
        final TopicHistory history = new TopicHistory(10, 1000);
        for (int seq = 1; seq <= 5; seq++)
        {
            history.append(seq, seq, payload(seq, 30), 0, 30);
        }
        final byte[] again = payload(2, 25);

        history.append(2, 2, again, 0, again.length);

        assertEquals(1, history.count());
        assertEquals(2, history.firstSeq());
        assertEquals(25, history.retainedBytes());
        assertRetained(history, 2, again, 2);
    }

    @Test
    void shouldRetainNothingWhenMaxCountIsZero()
    {
        final TopicHistory history = new TopicHistory(0, 1000);
        for (int seq = 1; seq <= 3; seq++)
        {
            history.append(seq, seq, payload(seq, 10), 0, 10);

            assertEquals(0, history.count());
            assertEquals(seq + 1, history.firstSeq());
            assertEquals(seq, history.lastSeq());
            assertEquals(0, history.retainedBytes());
        }
    }

    @Test
    void shouldRetainEmptyPayloadsUpToCountBoundWhenByteBoundIsZero()
    {
        final TopicHistory history = new TopicHistory(3, 0);
        for (int seq = 1; seq <= 5; seq++)
        {
            history.append(seq, seq, new byte[0], 0, 0);
        }

        assertEquals(3, history.count());
        assertEquals(3, history.firstSeq());
        assertEquals(5, history.lastSeq());
        assertEquals(0, history.retainedBytes());
        assertRetained(history, 5, new byte[0], 5);

        history.append(6, 6, payload(6, 1), 0, 1);

        assertEquals(0, history.count());
        assertEquals(7, history.firstSeq());
    }

    @Test
    void shouldKeepOrderWhileIndexGrowsAroundWrappedHead()
    {
        // The byte bound evicts before the index reaches its first capacity, so the index grows with head != 0.
        final TopicHistory history = new TopicHistory(100, 1000);
        final byte[][] payloads = new byte[301][];
        for (int seq = 1; seq <= 300; seq++)
        {
            final int length = seq <= 20 ? 60 : 3;
            payloads[seq] = payload(seq, length);
            history.append(seq, seq * 10L, payloads[seq], 0, length);
        }

        assertEquals(100, history.count());
        assertEquals(201, history.firstSeq());
        assertEquals(300, history.lastSeq());
        assertEquals(300, history.retainedBytes());
        for (int seq = 201; seq <= 300; seq++)
        {
            assertRetained(history, seq, payloads[seq], seq * 10L);
        }
    }

    @ParameterizedTest(name = "seed={0} maxCount={1} maxBytes={2} maxLength={3}")
    @CsvSource({
        "1, 200, 5000, 700",
        "2, 37, 16384, 1500",
        "3, 1000, 4096, 4096",
        "4, 100000, 3000, 64",
        "5, 16, 200000, 5000",
        "6, 300, 10000, 1"})
    void shouldStayWithinByteBoundAndReadBackEveryRetainedPayload(
        final long seed, final int maxCount, final int maxBytes, final int maxLength)
    {
        final int appends = 20_000;
        final Random random = new Random(seed);
        final TopicHistory history = new TopicHistory(maxCount, maxBytes);
        final int[] lengths = new int[appends + 1];
        long previousFirst = 1;
        for (int seq = 1; seq <= appends; seq++)
        {
            final int length = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(maxLength);
            lengths[seq] = length;
            final int pad = random.nextInt(5);
            final byte[] src = new byte[pad + length + 3];
            System.arraycopy(payload(seq, length), 0, src, pad, length);
            final long firstBefore = history.firstSeq();
            final int countBefore = history.count();

            history.append(seq, seq * 3L, src, pad, length);

            final String at = "after seq " + seq;
            assertEquals(seq, history.lastSeq(), at);
            assertTrue(history.count() >= 1, at);
            assertTrue(history.count() <= maxCount, at);
            assertTrue(history.retainedBytes() <= maxBytes, at + ": retained " + history.retainedBytes());
            assertTrue(history.firstSeq() >= previousFirst, at);
            previousFirst = history.firstSeq();

            long sum = 0;
            for (long s = history.firstSeq(); s <= history.lastSeq(); s++)
            {
                sum += lengths[(int)s];
                if (!holds(history, s, lengths[(int)s], s * 3L))
                {
                    assertRetained(history, s, payload(s, lengths[(int)s]), s * 3L);
                }
            }
            assertEquals(sum, history.retainedBytes(), at);
            if (history.firstSeq() > firstBefore && countBefore < maxCount)
            {
                // Evicted for bytes: the ring is full but for fragments, each smaller than one message.
                final long keptWithLastEvicted = sum + lengths[(int)history.firstSeq() - 1];
                assertTrue(keptWithLastEvicted >= maxBytes - 2L * maxLength,
                    at + ": evicted too much, retained " + sum + " bytes in " + history.count() + " messages");
            }
        }
    }

    @Test
    void shouldRecoverFromOversizeMessagesAndSeqJumpsInLongRun()
    {
        final int maxBytes = 2000;
        final int maxCount = 50;
        final Random random = new Random(7);
        final TopicHistory history = new TopicHistory(maxCount, maxBytes);
        final Map<Long, Integer> lengths = new HashMap<>();
        long seq = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final int kind = random.nextInt(50);
            seq = kind == 0 ? seq + 2 + random.nextInt(10) : seq + 1;
            final int length = kind == 1 ? maxBytes + 1 + random.nextInt(100) : random.nextInt(300);
            lengths.put(seq, length);
            final long firstBefore = history.firstSeq();
            final long lastBefore = history.lastSeq();

            history.append(seq, seq * 3L, payload(seq, length), 0, length);

            final String at = "step " + step + " seq " + seq;
            if (length > maxBytes)
            {
                assertEquals(0, history.count(), at);
                assertEquals(seq + 1, history.firstSeq(), at);
                assertEquals(0, history.retainedBytes(), at);
                continue;
            }
            assertEquals(seq, history.lastSeq(), at);
            if (seq != lastBefore + 1)
            {
                assertEquals(seq, history.firstSeq(), at + ": a jump restarts history");
            }
            else
            {
                assertTrue(history.firstSeq() >= firstBefore, at);
            }
            assertTrue(history.count() <= maxCount, at);
            assertTrue(history.retainedBytes() <= maxBytes, at);
            long sum = 0;
            for (long s = history.firstSeq(); s <= history.lastSeq(); s++)
            {
                final int expectedLength = lengths.get(s);
                sum += expectedLength;
                if (!holds(history, s, expectedLength, s * 3L))
                {
                    assertRetained(history, s, payload(s, expectedLength), s * 3L);
                }
            }
            assertEquals(sum, history.retainedBytes(), at);
        }
    }

    /** Checks a retained message against {@link #payload(long, int)} without allocating. */
    private static boolean holds(final TopicHistory history, final long seq, final int length, final long timestamp)
    {
        final int slot = history.slotOf(seq);
        final int offset = history.offset(slot);
        final byte[] buffer = history.buffer();
        if (history.length(slot) != length || history.timestamp(slot) != timestamp || offset < 0 ||
            offset + length > buffer.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer[offset + i] != payloadByte(seq, i))
            {
                return false;
            }
        }
        return true;
    }

    private static void assertRetained(
        final TopicHistory history, final long seq, final byte[] expected, final long expectedTimestamp)
    {
        final int slot = history.slotOf(seq);
        final int offset = history.offset(slot);
        final int length = history.length(slot);
        assertEquals(expected.length, length, "length of seq " + seq);
        assertEquals(expectedTimestamp, history.timestamp(slot), "timestamp of seq " + seq);
        final byte[] buffer = history.buffer();
        if (offset < 0 || offset + length > buffer.length)
        {
            fail("seq " + seq + " at [" + offset + ", " + (offset + length) + ") outside buffer of " + buffer.length);
        }
        assertArrayEquals(expected, Arrays.copyOfRange(buffer, offset, offset + length), "payload of seq " + seq);
    }

    /** Distinct bytes for each (seq, position), so that a payload read from the wrong place does not match. */
    private static byte[] payload(final long seq, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = payloadByte(seq, i);
        }
        return bytes;
    }

    private static byte payloadByte(final long seq, final int i)
    {
        return (byte)(seq * 131 + i * 7 + (seq >>> 8));
    }
}
