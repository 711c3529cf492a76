package io.pulsarproxy.pipeline;

/**
 * One accepted publish request (a single message or an atomic batch) on its way through the ring.
 * <p>
 * Ingest creates it, fills N slots that point to it and publishes them at once. Route records the seqs it assigns,
 * per topic, first to last. Deliver calls {@link #onPublished()} after the request's last message is in history and
 * in every current subscriber's outbound buffer, which is when a 202 may be sent.
 * <p>
 * <b>Note:</b> route writes the receipt, deliver reads it and calls {@link #onPublished()} on the deliver thread;
 * an implementation must hand the reply to its own thread and return at once.
 */
public abstract class PublishRequest
{
    private final int messageCount;

    int status = MessageEvent.STATUS_OK;
    boolean checked;
    private int[] duplicateIndex;
    private TopicState[] duplicateTopic;
    private long[] duplicateSeq;
    private int duplicateCount;
    private TopicState[] topics;
    private long[] first;
    private long[] last;
    private int topicCount;

    /**
     * Creates a request of {@code messageCount} messages.
     *
     * @param messageCount how many slots the request claims.
     */
    protected PublishRequest(final int messageCount)
    {
        this.messageCount = messageCount;
        final int capacity = Math.min(messageCount, 8);
        this.topics = new TopicState[capacity];
        this.first = new long[capacity];
        this.last = new long[capacity];
    }

    /**
     * Called on the deliver thread once every message of the request is sequenced, retained and handed to every
     * current subscriber, or once the request was refused as a whole (see {@link #status()}).
     */
    protected abstract void onPublished();

    /**
     * How many messages the request holds.
     *
     * @return the message count.
     */
    public final int messageCount()
    {
        return messageCount;
    }

    /**
     * What route decided for the whole request.
     *
     * @return {@link MessageEvent#STATUS_OK} or the reason it was refused.
     */
    public final int status()
    {
        return status;
    }

    /**
     * How many distinct topics the request published to.
     *
     * @return the number of receipt entries.
     */
    public final int topicCount()
    {
        return topicCount;
    }

    /**
     * The topic of receipt entry {@code i}, in the order topics first appeared in the request.
     *
     * @param i entry index.
     * @return the topic.
     */
    public final TopicState topic(final int i)
    {
        return topics[i];
    }

    /**
     * First seq assigned in topic entry {@code i}.
     *
     * @param i entry index.
     * @return the first seq.
     */
    public final long firstSeq(final int i)
    {
        return first[i];
    }

    /**
     * Last seq assigned in topic entry {@code i}.
     *
     * @param i entry index.
     * @return the last seq.
     */
    public final long lastSeq(final int i)
    {
        return last[i];
    }

    /**
     * How many messages were not published again because their idempotency key was already known.
     *
     * @return the number of duplicates.
     */
    public final int duplicateCount()
    {
        return duplicateCount;
    }

    /**
     * Position in the request of duplicate {@code i}.
     *
     * @param i duplicate index.
     * @return the message's index in the request, from 0.
     */
    public final int duplicateIndex(final int i)
    {
        return duplicateIndex[i];
    }

    /**
     * Topic of duplicate {@code i}.
     *
     * @param i duplicate index.
     * @return the topic.
     */
    public final TopicState duplicateTopic(final int i)
    {
        return duplicateTopic[i];
    }

    /**
     * Seq given to the original of duplicate {@code i}.
     *
     * @param i duplicate index.
     * @return the original seq.
     */
    public final long duplicateSeq(final int i)
    {
        return duplicateSeq[i];
    }

    void recordDuplicate(final int index, final TopicState topic, final long seq)
    {
        if (duplicateIndex == null)
        {
            duplicateIndex = new int[4];
            duplicateTopic = new TopicState[4];
            duplicateSeq = new long[4];
        }
        else if (duplicateCount == duplicateIndex.length)
        {
            duplicateIndex = java.util.Arrays.copyOf(duplicateIndex, duplicateCount * 2);
            duplicateTopic = java.util.Arrays.copyOf(duplicateTopic, duplicateCount * 2);
            duplicateSeq = java.util.Arrays.copyOf(duplicateSeq, duplicateCount * 2);
        }
        duplicateIndex[duplicateCount] = index;
        duplicateTopic[duplicateCount] = topic;
        duplicateSeq[duplicateCount] = seq;
        duplicateCount++;
    }

    void record(final TopicState topic, final long seq)
    {
        if (topic.lastRequest == this)
        {
            last[topic.lastRequestIndex] = seq;
            return;
        }
        if (topicCount == topics.length)
        {
            final int capacity = topicCount * 2;
            topics = java.util.Arrays.copyOf(topics, capacity);
            first = java.util.Arrays.copyOf(first, capacity);
            last = java.util.Arrays.copyOf(last, capacity);
        }
        topic.lastRequest = this;
        topic.lastRequestIndex = topicCount;
        topics[topicCount] = topic;
        first[topicCount] = seq;
        last[topicCount] = seq;
        topicCount++;
    }
}
