package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;

import java.util.Arrays;

/**
 * Per-topic seq ranges, first to last, with where the newest message of each lies; few topics per connection,
 * so a linear list with a last-hit check.
 */
final class TopicRanges
{
    TopicState[] topics = new TopicState[4];
    long[] first = new long[4];
    long[] last = new long[4];
    int[] lastOffset = new int[4];
    int[] lastLength = new int[4];
    int count;

    void add(final TopicState topic, final long seq, final int offset, final int length)
    {
        final int i = indexOf(topic);
        if (i >= 0)
        {
            last[i] = seq;
            lastOffset[i] = offset;
            lastLength[i] = length;
            return;
        }
        append(topic, seq, seq, offset, length);
    }

    void addRange(final TopicState topic, final long from, final long to)
    {
        final int i = indexOf(topic);
        if (i >= 0)
        {
            last[i] = to;
            return;
        }
        append(topic, from, to, 0, 0);
    }

    void clear()
    {
        Arrays.fill(topics, 0, count, null);
        count = 0;
    }

    private int indexOf(final TopicState topic)
    {
        if (count > 0 && topics[count - 1] == topic)
        {
            return count - 1;
        }
        for (int i = 0; i < count - 1; i++)
        {
            if (topics[i] == topic)
            {
                return i;
            }
        }
        return -1;
    }

    private void append(final TopicState topic, final long from, final long to, final int offset, final int length)
    {
        if (count == topics.length)
        {
            topics = Arrays.copyOf(topics, count * 2);
            first = Arrays.copyOf(first, count * 2);
            last = Arrays.copyOf(last, count * 2);
            lastOffset = Arrays.copyOf(lastOffset, count * 2);
            lastLength = Arrays.copyOf(lastLength, count * 2);
        }
        topics[count] = topic;
        first[count] = from;
        last[count] = to;
        lastOffset[count] = offset;
        lastLength[count] = length;
        count++;
    }
}
