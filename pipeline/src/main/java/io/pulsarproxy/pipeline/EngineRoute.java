package io.pulsarproxy.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route stage's work when a shared engine sequences and stores messages: hand published messages to the engine,
 * follow the topics local subscribers want, and deliver what the engine feeds back strictly by the store's seq.
 * <p>
 * Per topic, {@link TopicState#seq} is the last seq delivered on this node. A live message that is not the next one
 * is not delivered: route asks the engine to fetch the missing range from the store and delivers the range in order
 * (what the store no longer holds becomes a gap). A subscription with {@code from} is replayed from the store the
 * same way, and joins live delivery only once its replay has caught up with the topic's seq, so it sees every seq
 * once, in order, whichever node published it.
 * <p>
 * <b>Note:</b> route thread only, like the rest of the topic table.
 */
final class EngineRoute
{
    private final Engine engine;
    private final RouteHandler route;
    private final TopicTable table;
    private final PipelineCounters counters;
    private final EngineCounters engineCounters;
    private final Map<String, PatternListen> patternListens = new HashMap<>();
    private PublishRequest[] held = new PublishRequest[16];
    private int heldCount;
    private long refills;
    private long lostRanges;
    private long lostMessages;

    EngineRoute(final Engine engine, final RouteHandler route, final TopicTable table, final PipelineCounters counters)
    {
        this.engine = engine;
        this.route = route;
        this.table = table;
        this.counters = counters;
        this.engineCounters = engine.counters();
    }

    /** A published message, from a request route accepted: the engine stores it and answers the request. */
    void onMessage(final MessageEvent event, final PublishRequest request, final TopicState topic)
    {
        if (!request.held)
        {
            // Route holds the request open until the batch holding its last message was sent to the store.
            request.held = true;
            request.retain();
        }
        request.reserve(topic);
        engine.store(event, request, topic);
        event.status = MessageEvent.STATUS_STORING;
        if (event.lastInRequest)
        {
            if (heldCount == held.length)
            {
                held = java.util.Arrays.copyOf(held, heldCount * 2);
            }
            held[heldCount++] = request;
        }
    }

    void endBatch()
    {
        engine.endBatch();
        for (int i = 0; i < heldCount; i++)
        {
            final PublishRequest request = held[i];
            held[i] = null;
            request.release();
        }
        heldCount = 0;
        engineCounters.refills = refills;
        engineCounters.lostRanges = lostRanges;
        engineCounters.lostMessages = lostMessages;
    }

    /** A subscription by exact name; its outcome may have to wait for the topic's first sync. */
    int onSubscribe(final MessageEvent event, final int maxSubscriptions)
    {
        final Subscriber subscriber = event.subscriber;
        TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (topic != null && subscriber.hasExact(topic))
        {
            // Already held (live or on its way): confirm again, with no second replay.
            event.topic = topic;
            event.seq = topic.seq;
            event.from = MessageEvent.NO_FROM;
            return MessageEvent.STATUS_OK;
        }
        if (subscriber.subscriptionCount() >= maxSubscriptions)
        {
            return MessageEvent.STATUS_TOO_MANY_SUBSCRIPTIONS;
        }
        topic = route.findOrCreate(event.data, event.topicLength, event.topicHash);
        if (topic == null)
        {
            return MessageEvent.STATUS_TOO_MANY_TOPICS;
        }
        final PendingSubscribe pending = new PendingSubscribe(subscriber, topic, event.from, event.resumeEpoch);
        subscriber.putExact(topic, pending);
        topic.exactCount++;
        counters.subscriptions++;
        if (!topic.listening)
        {
            topic.listening = true;
            if (!topic.synced)
            {
                topic.generation++;
                topic.maxSeen = 0;
            }
            engine.listen(topic, topic.generation);
        }
        event.topic = topic;
        event.from = MessageEvent.NO_FROM;
        if (!topic.synced)
        {
            if (topic.parked == null)
            {
                topic.parked = new ArrayList<>(2);
            }
            topic.parked.add(pending);
            return MessageEvent.STATUS_PARKED;
        }
        resolve(pending);
        event.seq = pending.seq;
        if (pending.epochMismatch)
        {
            gap(event, 1, 0, "epoch");
        }
        return pending.status;
    }

    /**
     * Decides a subscription once its topic's seq is known: refused, live at once, or live after a replay fetched
     * from the store.
     */
    private void resolve(final PendingSubscribe pending)
    {
        final TopicState topic = pending.topic;
        final boolean replay = pending.from != MessageEvent.NO_FROM;
        pending.epochMismatch = replay && pending.epoch != null && !pending.epoch.equals(topic.epoch());
        if (replay && !pending.epochMismatch && pending.from > topic.seq + 1)
        {
            pending.status = MessageEvent.STATUS_BAD_FROM;
            drop(pending.subscriber, topic);
            return;
        }
        pending.status = MessageEvent.STATUS_OK;
        pending.seq = topic.seq;
        final long start = pending.epochMismatch ? 1 : Math.max(1, pending.from);
        if (!replay || start > topic.seq)
        {
            goLive(pending);
            return;
        }
        pending.next = start;
        engine.fetch(topic, start, topic.seq, pending, topic.generation);
    }

    private void goLive(final PendingSubscribe pending)
    {
        pending.subscriber.putExact(pending.topic, Boolean.TRUE);
        pending.subscriber.cover(pending.topic, route.sequence());
    }

    /** Undoes a subscription that was refused after route counted it. */
    private void drop(final Subscriber subscriber, final TopicState topic)
    {
        subscriber.removeExact(topic);
        topic.exactCount--;
        counters.subscriptions--;
        released(topic);
    }

    /** Route confirms a pattern at once when the engine already listens to it, else once it does. */
    int onSubscribePattern(final Subscriber subscriber, final TopicPattern pattern)
    {
        PatternListen listen = patternListens.get(pattern.text());
        if (listen == null)
        {
            listen = new PatternListen();
            patternListens.put(pattern.text(), listen);
            engine.listenPattern(pattern);
        }
        listen.refs++;
        if (listen.confirmed)
        {
            return MessageEvent.STATUS_OK;
        }
        listen.parked.add(new PendingSubscribe(subscriber, pattern));
        return MessageEvent.STATUS_PARKED;
    }

    /** A subscriber gave up a topic it held by exact name (route already uncovered it if it was live). */
    void onUnsubscribed(final TopicState topic)
    {
        topic.exactCount--;
        released(topic);
    }

    /** A subscriber gave up a pattern. */
    void onPatternReleased(final TopicPattern pattern)
    {
        final PatternListen listen = patternListens.get(pattern.text());
        if (listen != null && --listen.refs <= 0)
        {
            patternListens.remove(pattern.text());
            engine.unlistenPattern(pattern);
        }
    }

    /**
     * Called whenever a topic may have lost its last subscriber: the engine stops following it, and its seq is no
     * longer trusted until the next subscription syncs it again.
     */
    void released(final TopicState topic)
    {
        if (topic.exactCount > 0)
        {
            return;
        }
        if (topic.listening)
        {
            topic.listening = false;
            engine.unlisten(topic);
        }
        if (topic.subscriberCount() == 0)
        {
            topic.synced = false;
            topic.refilling = false;
            topic.maxSeen = 0;
            topic.parked = null;
            topic.generation++;
        }
    }

    /** A message from the store: live from its feed, or fetched to fill a range or to replay to one subscriber. */
    void onRemote(final MessageEvent event)
    {
        event.status = MessageEvent.STATUS_IGNORED;
        TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (event.fetched)
        {
            if (topic != null)
            {
                event.topic = topic;
                if (event.token == null)
                {
                    onRefilled(event, topic);
                }
                else
                {
                    onReplayed(event, topic, (PendingSubscribe)event.token);
                }
            }
            return;
        }
        if (topic == null)
        {
            // Only a pattern can want a topic this node has not seen; creating it covers the pattern's subscribers.
            if (!route.hasPatterns())
            {
                return;
            }
            topic = route.findOrCreate(event.data, event.topicLength, event.topicHash);
            if (topic == null)
            {
                return;
            }
        }
        event.topic = topic;
        final long seq = event.seq;
        if (!topic.synced)
        {
            if (topic.listening)
            {
                // The first sync is on its way; it decides what of this is new.
                topic.maxSeen = Math.max(topic.maxSeen, seq);
                return;
            }
            if (topic.subscriberCount() == 0)
            {
                return;
            }
            // Followed through a pattern only: no replay is owed, so the feed starts here.
            topic.synced = true;
            topic.seq = seq - 1;
            topic.epoch(event.remoteEpoch);
        }
        if (!event.remoteEpoch.equals(topic.epoch()))
        {
            restart(event, topic, event.remoteEpoch);
        }
        if (seq <= topic.seq)
        {
            return;
        }
        if (topic.refilling)
        {
            topic.maxSeen = Math.max(topic.maxSeen, seq);
            return;
        }
        if (seq == topic.seq + 1)
        {
            topic.seq = seq;
            event.recipients = topic.subscribers;
            event.status = MessageEvent.STATUS_OK;
            return;
        }
        refill(topic, seq);
    }

    /** The store's sequence for the topic restarted (its keys were lost or expired): say so, then follow it anew. */
    private void restart(final MessageEvent event, final TopicState topic, final String epoch)
    {
        topic.epoch(epoch);
        topic.seq = 0;
        topic.refilling = false;
        topic.maxSeen = 0;
        topic.generation++;
        gap(event, 1, 0, "epoch");
        event.recipients = topic.subscribers;
    }

    private void refill(final TopicState topic, final long upTo)
    {
        topic.refilling = true;
        topic.maxSeen = Math.max(topic.maxSeen, upTo);
        refills++;
        engine.fetch(topic, topic.seq + 1, topic.maxSeen, null, topic.generation);
    }

    private void onRefilled(final MessageEvent event, final TopicState topic)
    {
        if (event.generation != topic.generation || !topic.refilling || event.seq <= topic.seq)
        {
            return;
        }
        if (event.seq > topic.seq + 1)
        {
            lost(event, topic.seq + 1, event.seq - 1);
        }
        topic.seq = event.seq;
        event.recipients = topic.subscribers;
        event.status = MessageEvent.STATUS_OK;
    }

    private void onReplayed(final MessageEvent event, final TopicState topic, final PendingSubscribe pending)
    {
        if (pending.subscriber.exactEntry(topic) != pending || event.seq < pending.next)
        {
            return;
        }
        if (event.seq > pending.next)
        {
            lost(event, pending.next, event.seq - 1);
        }
        pending.next = event.seq + 1;
        event.subscriber = pending.subscriber;
        event.status = MessageEvent.STATUS_OK;
    }

    /** A fetch ended: what it did not find was lost; a replay goes live once it has caught up. */
    void onFetchDone(final MessageEvent event)
    {
        event.status = MessageEvent.STATUS_IGNORED;
        final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (topic == null)
        {
            return;
        }
        event.topic = topic;
        final long reached = event.seq;
        if (event.token == null)
        {
            if (event.generation != topic.generation || !topic.refilling)
            {
                return;
            }
            topic.refilling = false;
            if (topic.seq < reached)
            {
                lost(event, topic.seq + 1, reached);
                event.recipients = topic.subscribers;
                topic.seq = reached;
            }
            if (topic.maxSeen > topic.seq)
            {
                refill(topic, topic.maxSeen);
            }
            return;
        }
        final PendingSubscribe pending = (PendingSubscribe)event.token;
        if (pending.subscriber.exactEntry(topic) != pending)
        {
            return;
        }
        if (pending.next <= reached)
        {
            lost(event, pending.next, reached);
            event.subscriber = pending.subscriber;
            pending.next = reached + 1;
        }
        if (pending.next <= topic.seq)
        {
            // Live delivery moved on while the replay was fetched: fetch the rest before going live.
            engine.fetch(topic, pending.next, topic.seq, pending, topic.generation);
        }
        else
        {
            goLive(pending);
        }
    }

    /** The store told a topic's seq: the first sync confirms the parked subscriptions; a resync finds misses. */
    void onSynced(final MessageEvent event)
    {
        event.status = MessageEvent.STATUS_IGNORED;
        final TopicState topic = table.find(event.data, 0, event.topicLength, event.topicHash);
        if (topic == null || event.generation != topic.generation)
        {
            return;
        }
        event.topic = topic;
        if (!topic.synced)
        {
            if (!topic.listening)
            {
                return;
            }
            topic.synced = true;
            topic.epoch(event.remoteEpoch);
            topic.seq = event.seq;
            if (topic.maxSeen > topic.seq)
            {
                refill(topic, topic.maxSeen);
            }
            final List<PendingSubscribe> parked = topic.parked;
            topic.parked = null;
            if (parked != null)
            {
                final List<PendingSubscribe> confirmed = new ArrayList<>(parked.size());
                for (int i = 0; i < parked.size(); i++)
                {
                    final PendingSubscribe pending = parked.get(i);
                    if (pending.subscriber.exactEntry(topic) == pending)
                    {
                        resolve(pending);
                        confirmed.add(pending);
                    }
                }
                event.completions = confirmed;
            }
            return;
        }
        if (!event.resync)
        {
            return;
        }
        if (!event.remoteEpoch.equals(topic.epoch()))
        {
            restart(event, topic, event.remoteEpoch);
        }
        if (event.seq > topic.seq)
        {
            if (topic.refilling)
            {
                topic.maxSeen = Math.max(topic.maxSeen, event.seq);
            }
            else
            {
                refill(topic, event.seq);
            }
        }
    }

    /** The engine listens to a pattern: confirm the subscriptions waiting for it. */
    void onPatternListening(final MessageEvent event)
    {
        event.status = MessageEvent.STATUS_IGNORED;
        final String text = new String(event.data, 0, event.topicLength, java.nio.charset.StandardCharsets.US_ASCII);
        final PatternListen listen = patternListens.get(text);
        if (listen == null)
        {
            return;
        }
        listen.confirmed = true;
        if (listen.parked.isEmpty())
        {
            return;
        }
        final List<PendingSubscribe> confirmed = new ArrayList<>(listen.parked.size());
        for (int i = 0; i < listen.parked.size(); i++)
        {
            final PendingSubscribe pending = listen.parked.get(i);
            if (pending.subscriber.patterns != null && pending.subscriber.patterns.contains(pending.pattern))
            {
                pending.status = MessageEvent.STATUS_OK;
                confirmed.add(pending);
            }
        }
        listen.parked.clear();
        event.completions = confirmed;
    }

    /** The engine's connection came back: ask the store for every followed topic's seq, to refill what was missed. */
    void onReconnected(final MessageEvent event)
    {
        event.status = MessageEvent.STATUS_IGNORED;
        table.forEach(topic ->
        {
            if (topic.synced)
            {
                engine.sync(topic, topic.generation, true);
            }
        });
    }

    private void lost(final MessageEvent event, final long from, final long to)
    {
        lostRanges++;
        lostMessages += to - from + 1;
        gap(event, from, to, "history");
    }

    private static void gap(final MessageEvent event, final long from, final long to, final String reason)
    {
        event.gapFrom = from;
        event.gapTo = to;
        event.gapReason = reason;
    }

    /** One pattern the engine listens to for this node, with the subscriptions waiting for its confirmation. */
    private static final class PatternListen
    {
        int refs;
        boolean confirmed;
        final List<PendingSubscribe> parked = new ArrayList<>(2);
    }
}
