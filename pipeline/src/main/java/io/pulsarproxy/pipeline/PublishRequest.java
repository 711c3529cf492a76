package io.pulsarproxy.pipeline;

/**
 * One accepted publish request (a single message or an atomic batch) on its way through the ring.
 * <p>
 * Ingest creates it, fills N consecutive slots (the first of which points to it) and publishes them at once. Route
 * records the seqs it assigns, per topic, first to last, and each message's topic and recipients. Deliver calls {@link #onPublished()} after the request's last message is in history and
 * in every current subscriber's outbound buffer, which is when a 202 may be sent.
 * <p>
 * <b>Note:</b> route writes the receipt, deliver reads it and calls {@link #onPublished()} on the deliver thread;
 * an implementation must hand the reply to its own thread and return at once.
 */
public abstract class PublishRequest
{
    private static final java.lang.invoke.VarHandle PENDING;
    private static final java.lang.invoke.VarHandle COMPLETED;

    static
    {
        try
        {
            final java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            PENDING = lookup.findVarHandle(PublishRequest.class, "pending", int.class);
            COMPLETED = lookup.findVarHandle(PublishRequest.class, "completed", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int messageCount;
    @SuppressWarnings("unused")
    private volatile int pending;
    @SuppressWarnings("unused")
    private volatile int completed;

    int status = MessageEvent.STATUS_OK;
    boolean checked;
    boolean held;
    private int[] duplicateIndex;
    private TopicState[] duplicateTopic;
    private String[] duplicateEpoch;
    private long[] duplicateSeq;
    private int duplicateCount;
    private TopicState[] topics;
    private String[] epochs;
    private long[] first;
    private long[] last;
    private int topicCount;
    private TopicState[] routedTopics;
    private Recipients[] routedRecipients;

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
     * The epoch of the seqs in topic entry {@code i}.
     *
     * @param i entry index.
     * @return the epoch.
     */
    public final String epoch(final int i)
    {
        // In memory a topic's epoch never changes; a shared engine reports the store's epoch per entry.
        return epochs == null ? topics[i].epoch() : epochs[i];
    }

    /**
     * First seq assigned in topic entry {@code i}; 0 when every message of the entry was a duplicate.
     *
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
     * Epoch of the original of duplicate {@code i}.
     *
     * @param i duplicate index.
     * @return the epoch.
     */
    public final String duplicateEpoch(final int i)
    {
        return duplicateEpoch[i];
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
        recordDuplicate(index, topic, topic.epoch(), seq);
    }

    /**
     * Route: keeps a message's topic and recipients for deliver. They live here rather than in the message's slot:
     * this object is young, the slot old, and under G1 a reference stored into an old object costs a card mark that
     * a refinement thread scans later (see {@link MessageEvent}). Route writes index i before it publishes the
     * message's sequence, and deliver reads it after, so the ring orders the two.
     *
     * @param index      the message's index in the request.
     * @param topic      its topic.
     * @param recipients the topic's subscribers, which deliver reads as they were at the message's ring sequence.
     */
    void routed(final int index, final TopicState topic, final Recipients recipients)
    {
        if (routedTopics == null)
        {
            routedTopics = new TopicState[messageCount];
            routedRecipients = new Recipients[messageCount];
        }
        routedTopics[index] = topic;
        routedRecipients[index] = recipients;
    }

    /**
     * Deliver, after the request's last message: drops the routes. A topic keeps its last request
     * ({@code TopicState.lastRequest}), and a recipient list kept here would pin every subscriber in it, closed
     * connections and their buffers too, for as long as the topic lives.
     */
    void releaseRouted()
    {
        routedTopics = null;
        routedRecipients = null;
    }

    /**
     * Deliver: the topic route found for message {@code index}.
     *
     * @param index the message's index in the request.
     * @return its topic.
     */
    TopicState routedTopic(final int index)
    {
        return routedTopics[index];
    }

    /**
     * Deliver: the recipients route picked for message {@code index}.
     *
     * @param index the message's index in the request.
     * @return the topic's subscribers, to be read at the message's ring sequence.
     */
    Recipients routedRecipients(final int index)
    {
        return routedRecipients[index];
    }

    void record(final TopicState topic, final long seq)
    {
        final int entry = reserve(topic);
        if (first[entry] == 0)
        {
            first[entry] = seq;
        }
        last[entry] = seq;
    }

    /**
     * Route: makes sure the receipt has an entry for the topic, so that entries keep the order in which topics first
     * appear in the request whatever order a shared engine answers in.
     */
    int reserve(final TopicState topic)
    {
        if (topic.lastRequest == this)
        {
            return topic.lastRequestIndex;
        }
        if (topicCount == topics.length)
        {
            final int capacity = topicCount * 2;
            topics = java.util.Arrays.copyOf(topics, capacity);
            first = java.util.Arrays.copyOf(first, capacity);
            last = java.util.Arrays.copyOf(last, capacity);
            if (epochs != null)
            {
                epochs = java.util.Arrays.copyOf(epochs, capacity);
            }
        }
        if (held && epochs == null)
        {
            // Only a shared engine reports epochs per entry; the in-memory path allocates nothing for them.
            epochs = new String[topics.length];
        }
        topic.lastRequest = this;
        topic.lastRequestIndex = topicCount;
        topics[topicCount] = topic;
        if (epochs != null)
        {
            epochs[topicCount] = topic.epoch();
        }
        topicCount++;
        return topicCount - 1;
    }

    /**
     * Shared engine: records a seq the store assigned to one of this request's messages. The messages of one topic
     * are stored in order, so the first call for a topic gives its first seq and the last call its last.
     *
     * @param topic the topic, which route reserved an entry for.
     * @param epoch the topic's epoch in the store.
     * @param seq   the assigned seq.
     */
    public final void recordStored(final TopicState topic, final String epoch, final long seq)
    {
        for (int i = 0; i < topicCount; i++)
        {
            if (topics[i] == topic)
            {
                epochs[i] = epoch;
                if (first[i] == 0)
                {
                    first[i] = seq;
                }
                last[i] = seq;
                return;
            }
        }
        throw new IllegalStateException("no receipt entry reserved for " + topic.name());
    }

    /**
     * Records a message that was not published again because its idempotency key was known.
     *
     * @param index the message's index in the request.
     * @param topic its topic.
     * @param epoch the epoch of the original.
     * @param seq   the original's seq.
     */
    public final void recordDuplicate(final int index, final TopicState topic, final String epoch, final long seq)
    {
        if (duplicateIndex == null)
        {
            duplicateIndex = new int[4];
            duplicateTopic = new TopicState[4];
            duplicateEpoch = new String[4];
            duplicateSeq = new long[4];
        }
        else if (duplicateCount == duplicateIndex.length)
        {
            duplicateIndex = java.util.Arrays.copyOf(duplicateIndex, duplicateCount * 2);
            duplicateTopic = java.util.Arrays.copyOf(duplicateTopic, duplicateCount * 2);
            duplicateEpoch = java.util.Arrays.copyOf(duplicateEpoch, duplicateCount * 2);
            duplicateSeq = java.util.Arrays.copyOf(duplicateSeq, duplicateCount * 2);
        }
        duplicateIndex[duplicateCount] = index;
        duplicateTopic[duplicateCount] = topic;
        duplicateEpoch[duplicateCount] = epoch;
        duplicateSeq[duplicateCount] = seq;
        duplicateCount++;
    }

    /**
     * Shared engine: marks the request failed (nothing acknowledged); the reply says the engine is unavailable.
     */
    public final void fail()
    {
        status = MessageEvent.STATUS_ENGINE_UNAVAILABLE;
    }

    /**
     * Shared engine: one more party must answer before the request completes.
     */
    public final void retain()
    {
        PENDING.getAndAdd(this, 1);
    }

    /**
     * Shared engine: one party has answered; the last one completes the request.
     */
    public final void release()
    {
        if ((int)PENDING.getAndAdd(this, -1) == 1)
        {
            complete();
        }
    }

    /**
     * Calls {@link #onPublished()}. A request held by a shared engine can be completed by deliver (refused or failed
     * in route) and by the engine's last answer, so there it happens once, whoever comes first; in memory only
     * deliver completes, with no atomic operation.
     */
    final void complete()
    {
        if (!held || COMPLETED.compareAndSet(this, 0, 1))
        {
            onPublished();
        }
    }
}
