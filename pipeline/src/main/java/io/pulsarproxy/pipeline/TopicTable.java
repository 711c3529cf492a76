package io.pulsarproxy.pipeline;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.Consumer;

/**
 * The topics known to the gateway, looked up by the hash of their bytes so that no String is built per message.
 * <p>
 * Topics whose hashes collide are chained through {@link TopicState#next} and told apart by comparing bytes.
 * <p>
 * <b>Note:</b> single writer: only the route stage reads or writes the table.
 */
final class TopicTable
{
    private final Long2ObjectHashMap<TopicState> byHash = new Long2ObjectHashMap<>(1024, 0.6f, true);
    /** Every topic in the order it was created (topics are never removed): a walk over all is an array scan. */
    private TopicState[] inOrder = new TopicState[1024];
    private final int maxTopics;
    private final int historyCount;
    private final int historyBytes;
    private final String epoch;
    private int size;

    TopicTable(final int maxTopics, final int historyCount, final int historyBytes, final String epoch)
    {
        this.maxTopics = maxTopics;
        this.historyCount = historyCount;
        this.historyBytes = historyBytes;
        this.epoch = epoch;
    }

    int size()
    {
        return size;
    }

    String epoch()
    {
        return epoch;
    }

    int maxTopics()
    {
        return maxTopics;
    }

    TopicState find(final byte[] src, final int offset, final int length, final long hash)
    {
        TopicState topic = byHash.get(hash);
        while (topic != null)
        {
            if (topic.matches(src, offset, length))
            {
                return topic;
            }
            topic = topic.next;
        }
        return null;
    }

    /**
     * Finds the topic or creates it.
     *
     * @return the topic, or null when it is new and the table is full.
     */
    TopicState findOrCreate(final byte[] src, final int offset, final int length, final long hash)
    {
        final TopicState existing = find(src, offset, length, hash);
        if (existing != null)
        {
            return existing;
        }
        if (size >= maxTopics)
        {
            return null;
        }
        final TopicState created = new TopicState(src, offset, length, hash, epoch, historyCount, historyBytes);
        created.next = byHash.get(hash);
        byHash.put(hash, created);
        if (size == inOrder.length)
        {
            inOrder = java.util.Arrays.copyOf(inOrder, (int)Math.min((long)size * 2, Math.max(maxTopics, 1)));
        }
        inOrder[size++] = created;
        return created;
    }

    /**
     * Every topic, in the order they were created.
     *
     * @param action what to do with each.
     */
    void forEach(final Consumer<TopicState> action)
    {
        for (int i = 0; i < size; i++)
        {
            action.accept(inOrder[i]);
        }
    }

    /**
     * A topic by its place in creation order.
     *
     * @param index from 0 to {@link #size()} - 1.
     * @return the topic.
     */
    TopicState at(final int index)
    {
        return inOrder[index];
    }
}
