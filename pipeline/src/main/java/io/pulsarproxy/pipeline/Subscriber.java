package io.pulsarproxy.pipeline;

import org.agrona.collections.Object2IntHashMap;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection that receives messages: the seam between the pipeline and the delivery transports.
 * <p>
 * The deliver stage calls the {@code on...} methods, which encode into the subscriber's own bounded outbound buffer
 * and must never block, then calls {@link #flush()} once per Disruptor batch for every subscriber it touched, which
 * hands the buffered frames to the connection's IO thread.
 * <p>
 * <b>Note:</b> all {@code on...} methods and {@link #flush()} run on the deliver thread only. The fields of this base
 * class belong to the stages (route keeps the subscriptions, deliver the batch mark); subclasses leave them alone.
 * They are created on first use, so an idle connection costs little.
 */
public abstract class Subscriber
{
    /** Route: how many of this subscriber's subscriptions (exact and patterns) cover each topic. */
    Object2IntHashMap<TopicState> covered;
    /** Route: topics subscribed by exact name; the value is TRUE when live, a PendingSubscribe while pending. */
    Map<TopicState, Object> exact;
    /** Route: patterns subscribed. */
    List<TopicPattern> patterns;
    /** Deliver: the batch in which this subscriber was last touched. */
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
     * A subscription to one topic took effect; every later message of the topic will follow, after the replay
     * asked for with {@code from}, if any.
     *
     * @param topic      the topic.
     * @param currentSeq the topic's seq at that moment (0 before its first message).
     */
    public abstract void onSubscribed(TopicState topic, long currentSeq);

    /**
     * A subscription to a pattern took effect; messages of every matching topic, existing or future, will follow.
     *
     * @param pattern the pattern.
     */
    public abstract void onSubscribedPattern(TopicPattern pattern);

    /**
     * Messages of a topic that this subscriber will not receive.
     *
     * @param topic  the topic.
     * @param from   first seq lost.
     * @param to     last seq lost; below {@code from} when nothing of the current sequence was lost (epoch change).
     * @param reason {@code history} (no longer retained), {@code epoch} (the sequence restarted) or
     *               {@code slow-consumer}.
     */
    public abstract void onGap(TopicState topic, long from, long to, String reason);

    /**
     * An unsubscription took effect (or there was nothing to undo).
     *
     * @param topic  bytes of the topic or pattern.
     * @param offset where it starts.
     * @param length its length.
     */
    public abstract void onUnsubscribed(byte[] topic, int offset, int length);

    /**
     * A subscription was refused.
     *
     * @param topic  bytes of the topic or pattern.
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
     * The same as {@link #flush()}, called when the batch touched few subscribers: a subscriber whose connection
     * belongs to the calling thread may write at once rather than after the thread's current task, so that a
     * narrow fan-out reaches its subscribers before the publisher's reply goes out. By default, {@link #flush()}.
     */
    public void flushNow()
    {
        flush();
    }

    int subscriptionCount()
    {
        return (exact == null ? 0 : exact.size()) + (patterns == null ? 0 : patterns.size());
    }

    boolean hasExact(final TopicState topic)
    {
        return exact != null && exact.containsKey(topic);
    }

    void addExact(final TopicState topic)
    {
        putExact(topic, Boolean.TRUE);
    }

    void putExact(final TopicState topic, final Object entry)
    {
        if (exact == null)
        {
            exact = new IdentityHashMap<>();
        }
        exact.put(topic, entry);
    }

    Object exactEntry(final TopicState topic)
    {
        return exact == null ? null : exact.get(topic);
    }

    /**
     * Forgets an exact subscription.
     *
     * @return the entry it had: TRUE when it was live, a pending subscription, or null when there was none.
     */
    Object removeExact(final TopicState topic)
    {
        return exact == null ? null : exact.remove(topic);
    }

    TopicPattern findPattern(final byte[] src, final int offset, final int length)
    {
        if (patterns != null)
        {
            for (int i = 0; i < patterns.size(); i++)
            {
                if (patterns.get(i).is(src, offset, length))
                {
                    return patterns.get(i);
                }
            }
        }
        return null;
    }

    void addPattern(final TopicPattern pattern)
    {
        if (patterns == null)
        {
            patterns = new ArrayList<>(2);
        }
        patterns.add(pattern);
    }

    /**
     * Counts one more subscription covering the topic; the first makes this subscriber a recipient.
     *
     * @param topic    the topic.
     * @param sequence the ring sequence of the event route is handling: the first message it covers.
     */
    void cover(final TopicState topic, final long sequence)
    {
        if (covered == null)
        {
            covered = new Object2IntHashMap<>(8, 0.65f, 0);
        }
        final int count = covered.getValue(topic);
        covered.put(topic, count + 1);
        if (count == 0)
        {
            topic.addSubscriber(this, sequence);
        }
    }

    /**
     * Counts one subscription fewer covering the topic; the last stops delivery.
     *
     * @param topic    the topic.
     * @param sequence the ring sequence of the event route is handling: messages after it are not delivered.
     */
    void uncover(final TopicState topic, final long sequence)
    {
        if (covered == null)
        {
            return;
        }
        final int count = covered.getValue(topic);
        if (count <= 1)
        {
            covered.removeKey(topic);
            topic.removeSubscriber(this, sequence);
        }
        else
        {
            covered.put(topic, count - 1);
        }
    }
}
