package io.pulsarproxy.pipeline;

import java.util.AbstractList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An operator's question about topics, answered consistently by the stages that own the state.
 * <p>
 * It travels the ring like any event: route fills each topic's seq and subscriber count, deliver fills its history
 * range and then calls {@link #onAnswered(List)}. Nothing outside the stages ever reads the topic table directly.
 * <p>
 * <b>Note:</b> {@link #onAnswered(List)} runs on the deliver thread, and every publish waits while it does: hand the
 * answer to your own thread, and sort or render it there.
 */
public abstract class TopicQuery
{
    /** Orders topic statistics by name, the order operators read them in. */
    public static final Comparator<TopicStats> BY_NAME = Comparator.comparing(TopicStats::name);

    private final byte[] topicBytes;
    // The stages fill plain arrays, one slot per topic, and make no object per topic: listing 100,000 topics holds
    // up every publish while they run. The records are made by whoever reads the answer, on its own thread.
    private TopicState[] found;
    private String[] names;
    private String[] epochs;
    private long[] seqs;
    private int[] subscribers;
    private long[] historyFirst;
    private long[] historyLast;
    private long[] historyBytes;
    private int count;

    /**
     * A query for one topic, or for all topics when {@code topicBytes} is null.
     *
     * @param topicBytes the topic's name, or null for all.
     */
    protected TopicQuery(final byte[] topicBytes)
    {
        this.topicBytes = topicBytes;
    }

    /**
     * The topic asked about.
     *
     * @return its name's bytes, or null for all topics.
     */
    public final byte[] topicBytes()
    {
        return topicBytes;
    }

    /**
     * Receives the answer; an empty list for one topic means it does not exist.
     *
     * @param topics statistics, read-only and in no particular order (copy it, then sort with {@link #BY_NAME}); each
     *               {@link List#get} makes the record, on the caller's thread.
     */
    protected abstract void onAnswered(List<TopicStats> topics);

    /** Route: room for {@code n} topics. */
    void reserve(final int n)
    {
        final int capacity = Math.max(1, n);
        found = new TopicState[capacity];
        names = new String[capacity];
        epochs = new String[capacity];
        seqs = new long[capacity];
        subscribers = new int[capacity];
        historyFirst = new long[capacity];
        historyLast = new long[capacity];
        historyBytes = new long[capacity];
        count = 0;
    }

    /** Route: a topic's name, epoch, seq and subscriber count, as route owns them now. */
    void routed(final TopicState topic)
    {
        found[count] = topic;
        names[count] = topic.name();
        epochs[count] = topic.epoch();
        seqs[count] = topic.seq;
        subscribers[count] = topic.subscriberCount();
        count++;
    }

    /** Deliver: each topic's history range, as deliver owns it now; then the stages let go of the topics. */
    void delivered()
    {
        for (int i = 0; i < count; i++)
        {
            final TopicHistory history = found[i].history();
            historyFirst[i] = history.firstSeq();
            historyLast[i] = history.lastSeq();
            historyBytes[i] = history.retainedBytes();
            found[i] = null;
        }
    }

    /** Deliver: the answer, for {@link #onAnswered}. */
    List<TopicStats> answer()
    {
        final int n = count;
        return new AbstractList<>()
        {
            @Override
            public TopicStats get(final int i)
            {
                Objects.checkIndex(i, n);
                return new TopicStats(
                    names[i], epochs[i], seqs[i], subscribers[i], historyFirst[i], historyLast[i], historyBytes[i]);
            }

            @Override
            public int size()
            {
                return n;
            }
        };
    }

    /**
     * A snapshot of one topic.
     *
     * @param name         the topic.
     * @param epoch        the id of its sequence.
     * @param seq          the last assigned seq (0 before the first message).
     * @param subscribers  connections subscribed to it.
     * @param historyFirst oldest retained seq.
     * @param historyLast  newest retained seq ({@code historyFirst - 1} when none is retained).
     * @param historyBytes payload bytes retained.
     */
    public record TopicStats(
        String name, String epoch, long seq, int subscribers, long historyFirst, long historyLast, long historyBytes)
    {
    }
}
