package io.pulsarproxy.pipeline;

import com.lmax.disruptor.EventHandler;


/**
 * Last stage: appends each message to its topic's history, hands it to every recipient's outbound buffer, and at
 * the end of each Disruptor batch completes the finished requests and flushes every touched subscriber once.
 * <p>
 * One flush per subscriber per batch is what turns a burst of messages into a single frame write per connection.
 * Requests are completed before the flush: a 202 vouches that the messages are in every subscriber's outbound
 * buffer, which they are, and it need not wait for the frame writes. This stage also clears the slot's references
 * so that nothing is kept alive by the ring.
 */
public final class DeliverHandler implements EventHandler<MessageEvent>
{
    /** At most this many subscribers touched by a batch are flushed with {@link Subscriber#flushNow()}. */
    static final int NARROW_FAN_OUT = 16;
    /** Deliveries (a message counts one more) after which the pending latencies are recorded at a clock read. */
    static final int LATENCY_GROUP_WORK = 64;

    private final PipelineCounters counters;
    private final LatencyRecorder latency;

    private Subscriber[] touched = new Subscriber[64];
    private int touchedCount;
    private PublishRequest[] finished = new PublishRequest[64];
    private int finishedCount;
    private TopicQuery[] answered = new TopicQuery[4];
    private int answeredCount;
    private PublishRequest currentRequest;
    private final long[] pendingReceived = new long[LATENCY_GROUP_WORK];
    private int pendingCount;
    private int pendingWork;
    private long batch;
    private long delivered;
    private long completed;
    private long refused;
    private long replayed;
    private long historyGaps;
    private long epochGaps;

    DeliverHandler(final PipelineCounters counters, final LatencyRecorder latency)
    {
        this.counters = counters;
        this.latency = latency;
    }

    @Override
    public void onEvent(final MessageEvent event, final long sequence, final boolean endOfBatch)
    {
        try
        {
            switch (event.type)
            {
                case MESSAGE:
                    onMessage(event, sequence);
                    break;
                case SUBSCRIBE:
                    onSubscribe(event);
                    break;
                case UNSUBSCRIBE:
                    touch(event.subscriber);
                    event.subscriber.onUnsubscribed(event.data, 0, event.topicLength);
                    break;
                case QUERY:
                    onQuery(event.query);
                    break;
                case REMOTE:
                    onRemote(event, sequence);
                    break;
                case FETCH_DONE:
                case SYNCED:
                case PATTERN_LISTENING:
                    onEngineNews(event, sequence);
                    break;
                default:
                    break;
            }
        }
        finally
        {
            event.clear();
            if (endOfBatch)
            {
                // Even when this event failed: the batch's finished requests are answered and its touched
                // subscribers flushed now, not whenever the next batch ends.
                endBatch();
            }
        }
    }

    @Override
    public void onStart()
    {
        Thread.currentThread().setName("pulsar-deliver");
    }

    @Override
    public void onShutdown()
    {
        endBatch();
    }

    private void onMessage(final MessageEvent event, final long sequence)
    {
        // Only a request's first slot holds it (see MessageEvent); its other messages follow in the next slots.
        if (event.index == 0)
        {
            currentRequest = event.request;
        }
        final PublishRequest request = currentRequest;
        if (event.status == MessageEvent.STATUS_STORING)
        {
            // A shared engine stores it and answers the request; it comes back as a REMOTE event to deliver.
            if (event.lastInRequest)
            {
                currentRequest = null;
            }
            return;
        }
        try
        {
            if (event.status == MessageEvent.STATUS_OK)
            {
                final TopicState topic = request.routedTopic(event.index);
                topic.history().append(
                    event.seq, event.receivedMicros, event.data, event.payloadOffset(), event.payloadLength);
                fanOut(event, sequence, topic, request.routedRecipients(event.index));
            }
        }
        finally
        {
            // Even when the fan-out failed (an Error escapes fanOut's per-subscriber catch): the message is
            // sequenced and in history, and its publisher must get an answer rather than wait for ever.
            if (event.lastInRequest)
            {
                currentRequest = null;
                request.releaseRouted();
                if (finishedCount == finished.length)
                {
                    finished = java.util.Arrays.copyOf(finished, finishedCount * 2);
                }
                finished[finishedCount++] = request;
            }
        }
    }

    private void onSubscribe(final MessageEvent event)
    {
        final Subscriber subscriber = event.subscriber;
        touch(subscriber);
        switch (event.status)
        {
            case MessageEvent.STATUS_OK:
                if (event.pattern != null)
                {
                    subscriber.onSubscribedPattern(event.pattern);
                }
                else
                {
                    subscriber.onSubscribed(event.topic, event.seq);
                    if (event.gapReason != null)
                    {
                        epochGaps++;
                        subscriber.onGap(event.topic, event.gapFrom, event.gapTo, event.gapReason);
                    }
                    if (event.from != MessageEvent.NO_FROM)
                    {
                        replay(subscriber, event.topic, event.from, event.seq, event.epochMismatch);
                    }
                }
                break;
            case MessageEvent.STATUS_PARKED:
                // A shared engine syncs the topic first; the outcome arrives with its SYNCED event.
                break;
            case MessageEvent.STATUS_TOO_MANY_SUBSCRIPTIONS:
                subscriber.onSubscribeRefused(event.data, 0, event.topicLength, "too-many-subscriptions",
                    "this connection holds the maximum number of subscriptions");
                break;
            case MessageEvent.STATUS_TOO_MANY_TOPICS:
                subscriber.onSubscribeRefused(event.data, 0, event.topicLength, "too-many-topics",
                    "the gateway holds the maximum number of topics");
                break;
            case MessageEvent.STATUS_BAD_FROM:
                subscriber.onSubscribeRefused(event.data, 0, event.topicLength, "bad-from",
                    "\"from\" " + event.from + " is ahead of the topic's next seq in this epoch");
                break;
            default:
                subscriber.onSubscribeRefused(event.data, 0, event.topicLength, "internal-error",
                    "the subscription failed inside the gateway; see its log");
                break;
        }
    }

    /**
     * A message a shared engine stored: to every recipient, or to the one subscriber whose replay fetched it; a gap
     * route found (a range the store no longer holds, or a restarted sequence) goes first.
     */
    private void onRemote(final MessageEvent event, final long sequence)
    {
        if (event.gapReason != null)
        {
            gap(event, sequence);
        }
        if (event.status != MessageEvent.STATUS_OK)
        {
            return;
        }
        if (event.subscriber != null)
        {
            touch(event.subscriber);
            event.subscriber.onMessage(event.topic, event.seq, event.receivedMicros, event.data,
                event.payloadOffset(), event.payloadLength);
            replayed++;
            return;
        }
        fanOut(event, sequence, event.topic, event.recipients);
    }

    /** Hands a message to every recipient route picked for it: the topic's subscribers at the message's sequence. */
    private void fanOut(
        final MessageEvent event, final long sequence, final TopicState topic, final Recipients recipients)
    {
        final byte[] data = event.data;
        final int payloadOffset = event.payloadOffset();
        final int payloadLength = event.payloadLength;
        final int end = recipients.end();
        int count = 0;
        for (int i = 0; i < end; i++)
        {
            final Subscriber subscriber = recipients.at(i, sequence);
            if (subscriber == null)
            {
                continue;
            }
            count++;
            touch(subscriber);
            try
            {
                subscriber.onMessage(topic, event.seq, event.receivedMicros, data, payloadOffset, payloadLength);
            }
            catch (final RuntimeException ex)
            {
                // One broken subscriber must not cost the others their message or the publisher its reply.
                counters.stageErrors.incrementAndGet();
            }
        }
        delivered += count;
        // The clock is read once per group of messages, not per message: on this VM a read took as much CPU as the
        // rest of a message's way through the stages without subscribers (profile of batches of 1,000). A group
        // closes after about LATENCY_GROUP_WORK deliveries, so a message's hand-off time is late by at most the
        // time those take (a few microseconds), and a wide fan-out still reads the clock per message.
        pendingReceived[pendingCount++] = event.receivedMicros;
        pendingWork += count + 1;
        if (pendingWork >= LATENCY_GROUP_WORK || pendingCount == pendingReceived.length)
        {
            recordLatencies();
        }
    }

    private void recordLatencies()
    {
        if (pendingCount > 0)
        {
            latency.recordAll(EpochClock.micros(), pendingReceived, pendingCount);
            pendingCount = 0;
            pendingWork = 0;
        }
    }

    /** A fetch's end, a sync or a pattern confirmation: its gap, then the subscriptions it confirmed. */
    private void onEngineNews(final MessageEvent event, final long sequence)
    {
        if (event.gapReason != null)
        {
            gap(event, sequence);
        }
        final java.util.List<PendingSubscribe> completions = event.completions;
        if (completions == null)
        {
            return;
        }
        for (int i = 0; i < completions.size(); i++)
        {
            final PendingSubscribe pending = completions.get(i);
            final Subscriber subscriber = pending.subscriber;
            touch(subscriber);
            if (pending.pattern != null)
            {
                subscriber.onSubscribedPattern(pending.pattern);
            }
            else if (pending.status == MessageEvent.STATUS_OK)
            {
                subscriber.onSubscribed(pending.topic, pending.seq);
                if (pending.epochMismatch)
                {
                    epochGaps++;
                    subscriber.onGap(pending.topic, 1, 0, "epoch");
                }
            }
            else
            {
                final byte[] name = pending.topic.nameBytes();
                subscriber.onSubscribeRefused(name, 0, name.length, "bad-from",
                    "\"from\" " + pending.from + " is ahead of the topic's next seq in this epoch");
            }
        }
    }

    private void gap(final MessageEvent event, final long sequence)
    {
        if ("epoch".equals(event.gapReason))
        {
            epochGaps++;
        }
        else
        {
            historyGaps++;
        }
        if (event.subscriber != null)
        {
            touch(event.subscriber);
            event.subscriber.onGap(event.topic, event.gapFrom, event.gapTo, event.gapReason);
            return;
        }
        final Recipients recipients = event.recipients;
        if (recipients == null)
        {
            return;
        }
        final int end = recipients.end();
        for (int i = 0; i < end; i++)
        {
            final Subscriber subscriber = recipients.at(i, sequence);
            if (subscriber == null)
            {
                continue;
            }
            touch(subscriber);
            subscriber.onGap(event.topic, event.gapFrom, event.gapTo, event.gapReason);
        }
    }

    /**
     * Sends a new subscriber the retained messages from {@code from} up to the seq it subscribed at. This runs at the
     * subscribe event's place in the ring, after every earlier message was appended to history and before any later
     * one is delivered, so replay and live delivery meet with no gap and no duplicate.
     */
    private void replay(
        final Subscriber subscriber, final TopicState topic, final long from, final long upTo,
        final boolean epochMismatch)
    {
        final TopicHistory history = topic.history();
        long start = Math.max(from, 1);
        if (epochMismatch)
        {
            epochGaps++;
            // The sequence the client counted in is gone: say so, then give it all this sequence still holds.
            subscriber.onGap(topic, 1, history.firstSeq() - 1, "epoch");
            start = history.firstSeq();
        }
        else if (start < history.firstSeq())
        {
            historyGaps++;
            subscriber.onGap(topic, start, Math.min(upTo, history.firstSeq() - 1), "history");
            start = history.firstSeq();
        }
        final long end = Math.min(upTo, history.lastSeq());
        final byte[] buffer = history.buffer();
        for (long seq = start; seq <= end; seq++)
        {
            final int slot = history.slotOf(seq);
            subscriber.onMessage(
                topic, seq, history.timestamp(slot), buffer, history.offset(slot), history.length(slot));
        }
        replayed += Math.max(0, end - start + 1);
    }

    private void onQuery(final TopicQuery query)
    {
        query.delivered();
        // Not sorted here: sorting 10,000 names took about 10 ms, and every publish waits while the stages run.
        if (answeredCount == answered.length)
        {
            answered = java.util.Arrays.copyOf(answered, answeredCount * 2);
        }
        answered[answeredCount++] = query;
    }

    private void touch(final Subscriber subscriber)
    {
        if (subscriber.touchedBatch == batch)
        {
            return;
        }
        subscriber.touchedBatch = batch;
        if (touchedCount == touched.length)
        {
            touched = java.util.Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = subscriber;
    }

    private void endBatch()
    {
        // Before the replies: the batch's messages are all handed off now.
        recordLatencies();

        // Replies first: every message of a finished request is already in its subscribers' outbound buffers, which
        // is all a 202 promises. Were the frames flushed first, the IO thread would write a frame to every touched
        // connection (a thousand, in a wide fan-out) before the 202, and the publisher's next message could never
        // join the frames still waiting.
        for (int i = 0; i < finishedCount; i++)
        {
            final PublishRequest request = finished[i];
            finished[i] = null;
            if (request.status == MessageEvent.STATUS_OK)
            {
                completed++;
            }
            else
            {
                refused++;
            }
            try
            {
                request.complete();
            }
            catch (final RuntimeException ex)
            {
                counters.stageErrors.incrementAndGet();
            }
        }
        finishedCount = 0;

        // A narrow fan-out is written at once where the thread running the stages owns the connection (with inline
        // stages, the IO thread that read the publish): its subscribers get the frames before the publisher gets
        // its 202. A wide one is left to the IO threads' flushers, so the publisher's next messages can still join
        // the frames waiting to be written.
        final boolean narrow = touchedCount <= NARROW_FAN_OUT;
        for (int i = 0; i < touchedCount; i++)
        {
            try
            {
                if (narrow)
                {
                    touched[i].flushNow();
                }
                else
                {
                    touched[i].flush();
                }
            }
            catch (final RuntimeException ex)
            {
                counters.stageErrors.incrementAndGet();
            }
            touched[i] = null;
        }
        touchedCount = 0;

        for (int i = 0; i < answeredCount; i++)
        {
            final TopicQuery query = answered[i];
            answered[i] = null;
            try
            {
                query.onAnswered(query.answer());
            }
            catch (final RuntimeException ex)
            {
                counters.stageErrors.incrementAndGet();
            }
        }
        answeredCount = 0;

        counters.delivered = delivered;
        counters.requestsCompleted = completed;
        counters.requestsRefused = refused;
        counters.replayed = replayed;
        counters.historyGaps = historyGaps;
        counters.epochGaps = epochGaps;
        batch++;
    }
}
