package io.pulsarproxy.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
    final ArrayList<TopicStats> answer = new ArrayList<>();
    final ArrayList<TopicState> found = new ArrayList<>();

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
     * @param topics statistics, in no particular order ({@link #BY_NAME} sorts them).
     */
    protected abstract void onAnswered(List<TopicStats> topics);

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
