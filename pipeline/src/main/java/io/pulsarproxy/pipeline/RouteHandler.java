package io.pulsarproxy.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;

/**
 * Second stage and single writer of the topic table: assigns per-topic seqs, applies subscription changes, and
 * picks each message's recipients.
 * <p>
 * Because subscriptions travel the same ring as messages, a subscriber sees exactly the messages routed after its
 * subscribe event, with no lock anywhere. Each message keeps a reference to the topic's subscriber array as it was
 * when the message was routed; that array is never mutated (copy on write), so deliver can read it later.
 */
public final class RouteHandler implements EventHandler<MessageEvent>
{
    private final TopicTable table;
    private final int maxSubscriptionsPerSubscriber;
    private final RingBuffer<MessageEvent> ring;
    private final PipelineCounters counters;
    private long routed;

    RouteHandler(
        final TopicTable table,
        final int maxSubscriptionsPerSubscriber,
        final RingBuffer<MessageEvent> ring,
        final PipelineCounters counters)
    {
        this.table = table;
        this.maxSubscriptionsPerSubscriber = maxSubscriptionsPerSubscriber;
        this.ring = ring;
        this.counters = counters;
    }

    @Override
    public void onEvent(final MessageEvent event, final long sequence, final boolean endOfBatch)
    {
        // Assume failure until the stage finishes, so that deliver never acts on a half-routed event.
        event.status = MessageEvent.STATUS_FAILED;
        switch (event.type)
        {
            case MESSAGE:
                onMessage(event, sequence);
                break;
            case SUBSCRIBE:
                onSubscribe(event);
                break;
            case UNSUBSCRIBE:
                onUnsubscribe(event);
                break;
            case DETACH:
                onDetach(event.subscriber);
                break;
            case QUERY:
                onQuery(event);
                break;
            default:
                break;
        }
        if (event.status == MessageEvent.STATUS_FAILED && event.type != EventType.MESSAGE)
        {
            event.status = MessageEvent.STATUS_OK;
        }
        if (endOfBatch)
        {
            counters.routed = routed;
        }
    }

    @Override
    public void onStart()
    {
        Thread.currentThread().setName("pulsar-route");
    }

    private void onMessage(final MessageEvent event, final long sequence)
    {
        final PublishRequest request = event.request;
        if (request.status == MessageEvent.STATUS_OK && request.topicCount() == 0 && !fitsTopicTable(request, sequence))
        {
            request.status = MessageEvent.STATUS_TOO_MANY_TOPICS;
        }
        if (request.status != MessageEvent.STATUS_OK)
        {
            event.status = MessageEvent.STATUS_REQUEST_REFUSED;
            return;
        }
        // Until this message is routed, the request counts as failed: if this stage throws, the publisher is told.
        request.status = MessageEvent.STATUS_FAILED;

        final TopicState topic = table.findOrCreate(event.data, 0, event.topicLength, event.topicHash);
        if (topic == null)
        {
            throw new IllegalStateException("topic table full after the request was checked to fit");
        }
        final long seq = ++topic.seq;
        event.topic = topic;
        event.seq = seq;
        event.recipients = topic.subscribers;
        request.record(topic, seq);
        request.status = MessageEvent.STATUS_OK;
        event.status = MessageEvent.STATUS_OK;
        routed++;
    }

    /**
     * Checks, at the first message of a request, that every topic it would create fits in the table, so that a batch
     * is refused whole rather than half published. All of the request's slots were written before any was published,
     * so reading ahead in the ring is safe here.
     */
    private boolean fitsTopicTable(final PublishRequest request, final long firstSequence)
    {
        final int n = request.messageCount();
        final int free = table.maxTopics() - table.size();
        if (n <= free)
        {
            return true;
        }
        int created = 0;
        final long lastSequence = firstSequence + n - 1;
        for (long s = firstSequence; s <= lastSequence; s++)
        {
            final MessageEvent e = ring.get(s);
            final long hash = TopicHash.hash(e.data, 0, e.topicLength);
            if (table.find(e.data, 0, e.topicLength, hash) == null && !seenEarlier(firstSequence, s, e))
            {
                if (++created > free)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean seenEarlier(final long from, final long to, final MessageEvent e)
    {
        for (long s = from; s < to; s++)
        {
            final MessageEvent other = ring.get(s);
            if (other.topicLength == e.topicLength && java.util.Arrays.equals(
                other.data, 0, other.topicLength, e.data, 0, e.topicLength))
            {
                return true;
            }
        }
        return false;
    }

    private void onSubscribe(final MessageEvent event)
    {
        final Subscriber subscriber = event.subscriber;
        final TopicState existing = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (existing != null && subscriber.hasTopic(existing))
        {
            event.topic = existing;
            event.seq = existing.seq;
            return;
        }
        if (subscriber.topicCount >= maxSubscriptionsPerSubscriber)
        {
            event.status = MessageEvent.STATUS_TOO_MANY_SUBSCRIPTIONS;
            return;
        }
        final TopicState topic = existing != null ?
            existing : table.findOrCreate(event.data, 0, event.topicLength, event.topicHash);
        if (topic == null)
        {
            event.status = MessageEvent.STATUS_TOO_MANY_TOPICS;
            return;
        }
        topic.addSubscriber(subscriber);
        subscriber.addTopic(topic);
        counters.subscriptions++;
        event.topic = topic;
        event.seq = topic.seq;
    }

    private void onUnsubscribe(final MessageEvent event)
    {
        final Subscriber subscriber = event.subscriber;
        final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (topic != null && subscriber.removeTopic(topic))
        {
            topic.removeSubscriber(subscriber);
            counters.subscriptions--;
        }
    }

    private void onDetach(final Subscriber subscriber)
    {
        for (int i = subscriber.topicCount - 1; i >= 0; i--)
        {
            final TopicState topic = subscriber.topics[i];
            topic.removeSubscriber(subscriber);
            subscriber.topics[i] = null;
            counters.subscriptions--;
        }
        subscriber.topicCount = 0;
    }

    private void onQuery(final MessageEvent event)
    {
        final TopicQuery query = event.query;
        if (query.topicBytes() != null)
        {
            final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
            if (topic != null)
            {
                query.found.add(topic);
                query.answer.add(new TopicQuery.TopicStats(
                    topic.name(), topic.epoch(), topic.seq, topic.subscribers.length, 0, 0, 0));
            }
            return;
        }
        table.forEach(topic ->
        {
            query.found.add(topic);
            query.answer.add(new TopicQuery.TopicStats(
                topic.name(), topic.epoch(), topic.seq, topic.subscribers.length, 0, 0, 0));
        });
    }
}
