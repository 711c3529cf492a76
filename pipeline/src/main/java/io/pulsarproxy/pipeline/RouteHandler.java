package io.pulsarproxy.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Second stage and single writer of the topic table: assigns per-topic seqs, suppresses duplicate idempotency keys,
 * applies subscription changes (exact topics and wildcard patterns), and picks each message's recipients.
 * <p>
 * Because subscriptions travel the same ring as messages, a subscriber sees exactly the messages routed after its
 * subscribe event, with no lock anywhere. Each message keeps the topic's {@link Recipients}, in which deliver sees
 * the subscribers the topic had at the message's ring sequence, however route changes the list meanwhile. A
 * connection is a recipient of a topic once, however many of its subscriptions cover the topic.
 */
public final class RouteHandler implements EventHandler<MessageEvent>
{
    private final TopicTable table;
    private final int maxSubscriptionsPerSubscriber;
    private final int idempotencyWindow;
    private final RingBuffer<MessageEvent> ring;
    private final PipelineCounters counters;
    private final List<PatternSubscription> patterns = new ArrayList<>();
    private final EngineRoute shared;
    private long routed;
    private long duplicates;
    private PublishRequest currentRequest;
    /** The ring sequence of the event being routed: subscription changes take effect from it. */
    private long sequence;

    RouteHandler(
        final TopicTable table,
        final int maxSubscriptionsPerSubscriber,
        final int idempotencyWindow,
        final RingBuffer<MessageEvent> ring,
        final PipelineCounters counters,
        final Engine engine)
    {
        this.table = table;
        this.maxSubscriptionsPerSubscriber = maxSubscriptionsPerSubscriber;
        this.idempotencyWindow = idempotencyWindow;
        this.ring = ring;
        this.counters = counters;
        this.shared = engine == null ? null : new EngineRoute(engine, this, table, counters);
    }

    @Override
    public void onEvent(final MessageEvent event, final long sequence, final boolean endOfBatch)
    {
        this.sequence = sequence;
        // Assume failure until the stage finishes, so that deliver never acts on a half-routed event.
        event.status = MessageEvent.STATUS_FAILED;
        switch (event.type)
        {
            case MESSAGE:
                onMessage(event, sequence);
                break;
            case SUBSCRIBE:
                event.status = event.pattern != null ? onSubscribePattern(event) : onSubscribe(event);
                break;
            case UNSUBSCRIBE:
                onUnsubscribe(event);
                event.status = MessageEvent.STATUS_OK;
                break;
            case DETACH:
                onDetach(event.subscriber);
                event.status = MessageEvent.STATUS_OK;
                break;
            case QUERY:
                onQuery(event);
                event.status = MessageEvent.STATUS_OK;
                break;
            case REMOTE:
                shared.onRemote(event);
                break;
            case FETCH_DONE:
                shared.onFetchDone(event);
                break;
            case SYNCED:
                shared.onSynced(event);
                break;
            case PATTERN_LISTENING:
                shared.onPatternListening(event);
                break;
            case RECONNECTED:
                shared.onReconnected(event);
                break;
            default:
                break;
        }
        if (endOfBatch)
        {
            if (shared != null)
            {
                shared.endBatch();
            }
            counters.routed = routed;
            counters.duplicates = duplicates;
            counters.topics = table.size();
        }
    }

    @Override
    public void onStart()
    {
        Thread.currentThread().setName("pulsar-route");
    }

    private void onMessage(final MessageEvent event, final long sequence)
    {
        final PublishRequest request = requestOf(event);
        if (!request.checked)
        {
            request.checked = true;
            if (!fitsTopicTable(request, sequence))
            {
                request.status = MessageEvent.STATUS_TOO_MANY_TOPICS;
            }
        }
        if (request.status != MessageEvent.STATUS_OK)
        {
            event.status = MessageEvent.STATUS_REQUEST_REFUSED;
            return;
        }
        // Until this message is routed, the request counts as failed: if this stage throws, the publisher is told.
        request.status = MessageEvent.STATUS_FAILED;

        final TopicState topic = findOrCreate(event.data, event.topicLength, event.topicHash);
        if (topic == null)
        {
            throw new IllegalStateException("topic table full after the request was checked to fit");
        }
        if (shared != null)
        {
            // The store sequences, deduplicates and answers; the request stays OK unless the store fails it.
            request.status = MessageEvent.STATUS_OK;
            shared.onMessage(event, request, topic);
            return;
        }
        if (event.idLength > 0 && idempotencyWindow > 0)
        {
            if (topic.idempotency == null)
            {
                topic.idempotency = new IdempotencyWindow(idempotencyWindow);
            }
            final long original = topic.idempotency.find(event.data, event.idOffset(), event.idLength);
            if (original >= 0)
            {
                event.seq = original;
                request.recordDuplicate(event.index, topic, original);
                request.status = MessageEvent.STATUS_OK;
                event.status = MessageEvent.STATUS_DUPLICATE;
                duplicates++;
                return;
            }
        }
        final long seq = ++topic.seq;
        if (event.idLength > 0 && idempotencyWindow > 0)
        {
            topic.idempotency.add(event.data, event.idOffset(), event.idLength, seq);
        }
        event.seq = seq;
        // In the request, not the slot: see MessageEvent on reference stores into old objects.
        request.routed(event.index, topic, topic.subscribers);
        request.record(topic, seq);
        request.status = MessageEvent.STATUS_OK;
        event.status = MessageEvent.STATUS_OK;
        routed++;
    }

    /**
     * The request of a message: its first message's slot holds it (see {@link MessageEvent}), and the rest follow
     * in the next slots, so one store per request here replaces one per message in the ring.
     */
    private PublishRequest requestOf(final MessageEvent event)
    {
        if (event.index == 0)
        {
            currentRequest = event.request;
        }
        final PublishRequest request = currentRequest;
        if (event.lastInRequest)
        {
            // Not kept past its last message: a reply must not be pinned by an idle stage.
            currentRequest = null;
        }
        return request;
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
            if (other.topicLength == e.topicLength &&
                Arrays.equals(other.data, 0, other.topicLength, e.data, 0, e.topicLength))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The ring sequence of the event being routed, at which a subscription change takes effect.
     *
     * @return the sequence.
     */
    long sequence()
    {
        return sequence;
    }

    boolean hasPatterns()
    {
        return !patterns.isEmpty();
    }

    /** Finds or creates a topic; a new topic gets every subscriber whose pattern matches it. */
    TopicState findOrCreate(final byte[] name, final int length, final long hash)
    {
        final TopicState existing = table.find(name, 0, length, hash);
        if (existing != null)
        {
            return existing;
        }
        final TopicState created = table.findOrCreate(name, 0, length, hash);
        if (created != null)
        {
            for (int i = 0; i < patterns.size(); i++)
            {
                final PatternSubscription p = patterns.get(i);
                if (p.pattern.matches(created.nameBytes()))
                {
                    p.subscriber.cover(created, sequence);
                }
            }
        }
        return created;
    }

    private int onSubscribe(final MessageEvent event)
    {
        if (shared != null)
        {
            return shared.onSubscribe(event, maxSubscriptionsPerSubscriber);
        }
        final Subscriber subscriber = event.subscriber;
        TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        final boolean already = topic != null && subscriber.hasExact(topic);
        if (!already && subscriber.subscriptionCount() >= maxSubscriptionsPerSubscriber)
        {
            return MessageEvent.STATUS_TOO_MANY_SUBSCRIPTIONS;
        }
        final long currentSeq = topic == null ? 0 : topic.seq;
        final String currentEpoch = topic == null ? table.epoch() : topic.epoch();
        event.epochMismatch = event.from != MessageEvent.NO_FROM && event.resumeEpoch != null &&
            !event.resumeEpoch.equals(currentEpoch);
        if (event.from != MessageEvent.NO_FROM && !event.epochMismatch && event.from > currentSeq + 1)
        {
            return MessageEvent.STATUS_BAD_FROM;
        }
        if (topic == null)
        {
            topic = findOrCreate(event.data, event.topicLength, event.topicHash);
            if (topic == null)
            {
                return MessageEvent.STATUS_TOO_MANY_TOPICS;
            }
        }
        if (!already)
        {
            subscriber.addExact(topic);
            subscriber.cover(topic, sequence);
            counters.subscriptions++;
        }
        event.topic = topic;
        event.seq = topic.seq;
        return MessageEvent.STATUS_OK;
    }

    private int onSubscribePattern(final MessageEvent event)
    {
        final Subscriber subscriber = event.subscriber;
        if (subscriber.findPattern(event.data, 0, event.topicLength) != null)
        {
            return MessageEvent.STATUS_OK;
        }
        if (subscriber.subscriptionCount() >= maxSubscriptionsPerSubscriber)
        {
            return MessageEvent.STATUS_TOO_MANY_SUBSCRIPTIONS;
        }
        final TopicPattern pattern = event.pattern;
        subscriber.addPattern(pattern);
        patterns.add(new PatternSubscription(pattern, subscriber));
        table.forEach(topic ->
        {
            if (pattern.matches(topic.nameBytes()))
            {
                subscriber.cover(topic, sequence);
            }
        });
        counters.subscriptions++;
        return shared == null ? MessageEvent.STATUS_OK : shared.onSubscribePattern(subscriber, pattern);
    }

    private void onUnsubscribe(final MessageEvent event)
    {
        final Subscriber subscriber = event.subscriber;
        if (event.pattern != null)
        {
            final TopicPattern pattern = subscriber.findPattern(event.data, 0, event.topicLength);
            if (pattern != null)
            {
                subscriber.patterns.remove(pattern);
                removePatternSubscription(pattern, subscriber);
                table.forEach(topic ->
                {
                    if (pattern.matches(topic.nameBytes()))
                    {
                        subscriber.uncover(topic, sequence);
                        if (shared != null)
                        {
                            shared.released(topic);
                        }
                    }
                });
                counters.subscriptions--;
                if (shared != null)
                {
                    shared.onPatternReleased(pattern);
                }
            }
            return;
        }
        final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (topic == null)
        {
            return;
        }
        final Object entry = subscriber.removeExact(topic);
        if (entry != null)
        {
            // Only a live subscription covers the topic; a pending one (still syncing or replaying) does not yet.
            if (entry == Boolean.TRUE)
            {
                subscriber.uncover(topic, sequence);
            }
            counters.subscriptions--;
            if (shared != null)
            {
                shared.onUnsubscribed(topic);
            }
        }
    }

    private void onDetach(final Subscriber subscriber)
    {
        if (subscriber.covered != null)
        {
            for (final TopicState topic : subscriber.covered.keySet())
            {
                topic.removeSubscriber(subscriber, sequence);
            }
        }
        if (subscriber.patterns != null)
        {
            for (final TopicPattern pattern : subscriber.patterns)
            {
                removePatternSubscription(pattern, subscriber);
                if (shared != null)
                {
                    shared.onPatternReleased(pattern);
                }
            }
        }
        if (shared != null)
        {
            if (subscriber.exact != null)
            {
                for (final TopicState topic : subscriber.exact.keySet())
                {
                    shared.onUnsubscribed(topic);
                }
            }
            if (subscriber.covered != null)
            {
                for (final TopicState topic : subscriber.covered.keySet())
                {
                    shared.released(topic);
                }
            }
        }
        if (subscriber.covered != null)
        {
            subscriber.covered.clear();
        }
        counters.subscriptions -= subscriber.subscriptionCount();
        subscriber.exact = null;
        subscriber.patterns = null;
        subscriber.covered = null;
    }

    private void removePatternSubscription(final TopicPattern pattern, final Subscriber subscriber)
    {
        for (int i = patterns.size() - 1; i >= 0; i--)
        {
            final PatternSubscription p = patterns.get(i);
            if (p.subscriber == subscriber && p.pattern == pattern)
            {
                patterns.remove(i);
                return;
            }
        }
    }

    private void onQuery(final MessageEvent event)
    {
        final TopicQuery query = event.query;
        if (query.topicBytes() != null)
        {
            final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
            query.reserve(1);
            if (topic != null)
            {
                query.routed(topic);
            }
            return;
        }
        final int n = table.size();
        query.reserve(n);
        for (int i = 0; i < n; i++)
        {
            query.routed(table.at(i));
        }
    }

    /** One subscriber's pattern, as route indexes it to match new topics. */
    private record PatternSubscription(TopicPattern pattern, Subscriber subscriber)
    {
    }
}
