package io.pulsarproxy.pipeline;

/**
 * A connection that receives messages: the seam between the pipeline and the delivery transports.
 * <p>
 * The deliver stage calls the {@code on...} methods, which encode into the subscriber's own bounded outbound buffer
 * and must never block, then calls {@link #flush()} once per Disruptor batch for every subscriber it touched, which
 * hands the buffered frames to the connection's IO thread.
 * <p>
 * <b>Note:</b> all {@code on...} methods and {@link #flush()} run on the deliver thread only. The fields of this base
 * class belong to the stages (route keeps the subscription list, deliver the batch mark); subclasses leave them alone.
 */
public abstract class Subscriber
{
    private static final TopicState[] NONE = new TopicState[0];

    TopicState[] topics = NONE;
    int topicCount;
    long touchedBatch = -1;

    /**
     * A message of a subscribed topic.
     *
     * @param topic            the topic.
     * @param seq              the message's seq in that topic.
     * @param timestampMicros  receive time, microseconds since the epoch.
     * @param buffer           bytes holding the payload; valid only during the call.
     * @param payloadOffset    where the payload starts.
     * @param payloadLength    payload length.
     */
    public abstract void onMessage(
        TopicState topic, long seq, long timestampMicros, byte[] buffer, int payloadOffset, int payloadLength);

    /**
     * A subscription took effect; every later message of the topic will follow.
     *
     * @param topic      the topic.
     * @param currentSeq the topic's seq at that moment (0 before its first message).
     */
    public abstract void onSubscribed(TopicState topic, long currentSeq);

    /**
     * An unsubscription took effect (or there was nothing to undo).
     *
     * @param topic  bytes of the topic.
     * @param offset where it starts.
     * @param length its length.
     */
    public abstract void onUnsubscribed(byte[] topic, int offset, int length);

    /**
     * A subscription was refused.
     *
     * @param topic  bytes of the topic.
     * @param offset where it starts.
     * @param length its length.
     * @param code   a short machine-readable code.
     * @param reason what happened, in words.
     */
    public abstract void onSubscribeRefused(byte[] topic, int offset, int length, String code, String reason);

    /**
     * Hands whatever was encoded since the last flush to the connection's IO thread; called at the end of a batch.
     */
    public abstract void flush();

    /**
     * How many topics this subscriber holds; maintained by the route stage.
     *
     * @return the subscription count, as route last saw it.
     */
    protected final int subscriptionCount()
    {
        return topicCount;
    }

    void addTopic(final TopicState topic)
    {
        if (topicCount == topics.length)
        {
            final TopicState[] grown = new TopicState[Math.max(4, topics.length * 2)];
            System.arraycopy(topics, 0, grown, 0, topicCount);
            topics = grown;
        }
        topics[topicCount++] = topic;
    }

    boolean hasTopic(final TopicState topic)
    {
        for (int i = 0; i < topicCount; i++)
        {
            if (topics[i] == topic)
            {
                return true;
            }
        }
        return false;
    }

    boolean removeTopic(final TopicState topic)
    {
        for (int i = 0; i < topicCount; i++)
        {
            if (topics[i] == topic)
            {
                topics[i] = topics[--topicCount];
                topics[topicCount] = null;
                return true;
            }
        }
        return false;
    }
}
