package io.pulsarproxy.pipeline;

/**
 * One pre-allocated slot of the ring, mutated in place by each stage and reused for ever.
 * <p>
 * The bytes of a message live in {@link #data} as {@code topic | id | payload}; everything else is offsets, numbers
 * and references set by the stage that owns them:
 * <ul>
 * <li>ingest (or a subscriber's IO thread): type, bytes, lengths, receive time, request, subscriber, from;</li>
 * <li>decode: {@link #topicHash};</li>
 * <li>route: seq and status; for other events than messages also topic and recipients;</li>
 * <li>deliver: reads all of it and clears the references before the slot is reused.</li>
 * </ul>
 * <b>Why a message's slot takes almost no references:</b> slots live for ever, so they sit in the old generation,
 * and under G1 every store of a reference into an old object from another region runs a fence and dirties a card
 * that a refinement thread must then scan. Four such stores per message (type, request, topic, recipients) took 13%
 * of the gateway's CPU in refinement alone under batches of 50, and 18% under batches of 1,000 after the first two
 * were gone. So the type is written only when it changes, a request is kept by the slot of its first message only
 * (each stage remembers it for the rest, which follow in consecutive slots), and route records a message's topic
 * and recipients in its request ({@link PublishRequest#routedTopic}), a young object, not in the slot.
 * <p>
 * <b>Note:</b> a reference to an event must never leave {@code onEvent}: copy out what you keep.
 */
public final class MessageEvent
{
    private static final byte[] EMPTY = new byte[0];

    /** Route accepted the event. */
    public static final int STATUS_OK = 0;
    /** Route refused a subscription: the connection already holds its maximum. */
    public static final int STATUS_TOO_MANY_SUBSCRIPTIONS = 1;
    /** Route refused a message or subscription: the topic table is full. */
    public static final int STATUS_TOO_MANY_TOPICS = 2;
    /** Route skipped a message because its request was refused as a whole. */
    public static final int STATUS_REQUEST_REFUSED = 3;
    /** A stage failed on the event; see the log. */
    public static final int STATUS_FAILED = 4;
    /** Route refused a subscription: its {@code from} lies ahead of the topic's seq in the same epoch. */
    public static final int STATUS_BAD_FROM = 5;

    /** Route found the message's idempotency key in its topic's window: not published again. */
    public static final int STATUS_DUPLICATE = 6;

    /** Route handed the message to the shared engine, which answers its request once the store has answered. */
    public static final int STATUS_STORING = 7;
    /** Route holds a subscription until the shared engine has told the topic's seq (or confirmed the pattern). */
    public static final int STATUS_PARKED = 8;
    /** Route dropped a remote message: already delivered, or to be fetched in order from the store. */
    public static final int STATUS_IGNORED = 9;
    /** The shared engine could not store the request's messages: nothing of it was acknowledged. */
    public static final int STATUS_ENGINE_UNAVAILABLE = 10;

    /** {@link #from} when the subscriber asked for no replay. */
    public static final long NO_FROM = -1;

    private final int initialCapacity;
    private final int retainCapacity;

    EventType type = EventType.MESSAGE;
    byte[] data;
    int topicLength;
    int idLength;
    int payloadLength;
    long receivedMicros;

    PublishRequest request;
    int index;
    boolean lastInRequest;
    Subscriber subscriber;
    TopicQuery query;
    TopicPattern pattern;
    long from = NO_FROM;
    String resumeEpoch;
    boolean epochMismatch;

    long topicHash;

    TopicState topic;
    long seq;
    Recipients recipients;
    int status;

    // Shared engine: the epoch of a remote message or sync, the fetch or subscription it answers, a gap route found.
    String remoteEpoch;
    Object token;
    int generation;
    boolean fetched;
    boolean resync;
    long gapFrom;
    long gapTo;
    String gapReason;
    java.util.List<PendingSubscribe> completions;

    /**
     * Creates an event whose buffer starts at {@code initialCapacity} bytes and is given up after a message larger
     * than {@code retainCapacity} so that one big message does not pin memory in every slot it passes.
     *
     * @param initialCapacity bytes allocated up front.
     * @param retainCapacity  largest buffer kept between uses.
     */
    public MessageEvent(final int initialCapacity, final int retainCapacity)
    {
        this.initialCapacity = initialCapacity;
        this.retainCapacity = Math.max(initialCapacity, retainCapacity);
        this.data = new byte[initialCapacity];
    }

    /**
     * Fills this slot with one published message; called by ingest between claim and publish.
     *
     * @param topicSrc       bytes holding the topic.
     * @param topicOffset    where the topic starts.
     * @param topicLength    topic length, already validated.
     * @param idSrc          bytes holding the idempotency key (may be null when {@code idLength} is 0).
     * @param idOffset       where the key starts.
     * @param idLength       key length, 0 when there is none.
     * @param payloadSrc     bytes holding the JSON payload.
     * @param payloadOffset  where the payload starts.
     * @param payloadLength  payload length, already validated.
     * @param receivedMicros receive time, microseconds since the epoch.
     * @param request        the request this message belongs to; it is completed after its last message. Only the
     *                       slot of the first message ({@code index} 0) keeps it; see the class comment.
     * @param index          the message's position in its request, from 0; the request's messages must take
     *                       consecutive slots, which one claim per request gives.
     * @param lastInRequest  true for the request's last message.
     */
    public void setMessage(
        final byte[] topicSrc,
        final int topicOffset,
        final int topicLength,
        final byte[] idSrc,
        final int idOffset,
        final int idLength,
        final byte[] payloadSrc,
        final int payloadOffset,
        final int payloadLength,
        final long receivedMicros,
        final PublishRequest request,
        final int index,
        final boolean lastInRequest)
    {
        final int total = topicLength + idLength + payloadLength;
        ensureCapacity(total);
        final byte[] dst = data;
        System.arraycopy(topicSrc, topicOffset, dst, 0, topicLength);
        if (idLength > 0)
        {
            System.arraycopy(idSrc, idOffset, dst, topicLength, idLength);
        }
        System.arraycopy(payloadSrc, payloadOffset, dst, topicLength + idLength, payloadLength);
        if (this.type != EventType.MESSAGE)
        {
            this.type = EventType.MESSAGE;
        }
        this.topicLength = topicLength;
        this.idLength = idLength;
        this.payloadLength = payloadLength;
        this.receivedMicros = receivedMicros;
        if (index == 0)
        {
            this.request = request;
        }
        this.index = index;
        this.lastInRequest = lastInRequest;
        this.subscriber = null;
        this.query = null;
        this.pattern = null;
    }

    /**
     * Fills this slot with a subscription change or a detach; called by the subscriber's IO thread.
     *
     * @param type        {@link EventType#SUBSCRIBE}, {@link EventType#UNSUBSCRIBE} or {@link EventType#DETACH}.
     * @param subscriber  who asks.
     * @param topic       bytes holding the topic or pattern (ignored for DETACH).
     * @param offset      where it starts.
     * @param length      its length, already validated.
     * @param pattern     the parsed pattern when the topic holds wildcards, else null.
     * @param from        first seq to replay from history, or {@link #NO_FROM}.
     * @param epoch       the epoch the subscriber's {@code from} belongs to, or null.
     */
    public void setSubscription(
        final EventType type,
        final Subscriber subscriber,
        final byte[] topic,
        final int offset,
        final int length,
        final TopicPattern pattern,
        final long from,
        final String epoch)
    {
        ensureCapacity(length);
        if (length > 0)
        {
            System.arraycopy(topic, offset, data, 0, length);
        }
        this.type = type;
        this.topicLength = length;
        this.idLength = 0;
        this.payloadLength = 0;
        this.request = null;
        this.lastInRequest = false;
        this.subscriber = subscriber;
        this.query = null;
        this.pattern = pattern;
        this.from = from;
        this.resumeEpoch = epoch;
        this.epochMismatch = false;
    }

    /**
     * Fills this slot with an operator's query.
     *
     * @param query the query to answer.
     */
    public void setQuery(final TopicQuery query)
    {
        final byte[] name = query.topicBytes();
        final int length = name == null ? 0 : name.length;
        ensureCapacity(length);
        if (length > 0)
        {
            System.arraycopy(name, 0, data, 0, length);
        }
        this.type = EventType.QUERY;
        this.topicLength = length;
        this.idLength = 0;
        this.payloadLength = 0;
        this.request = null;
        this.lastInRequest = false;
        this.subscriber = null;
        this.query = query;
        this.pattern = null;
    }

    /**
     * Fills this slot with a message the shared engine sequenced and stored; called by the engine's threads.
     *
     * @param topicSrc       bytes holding the topic.
     * @param topicOffset    where the topic starts.
     * @param topicLength    topic length.
     * @param seq            the seq the store assigned.
     * @param epoch          the topic's epoch in the store (null for a fetched message).
     * @param receivedMicros when the publishing node received it.
     * @param payloadSrc     bytes holding the payload.
     * @param payloadOffset  where it starts.
     * @param payloadLength  its length.
     * @param fetched        true when it comes from a fetch of stored history, false from the live feed.
     * @param token          the fetch's token (null for live messages and topic refills).
     * @param generation     the topic generation the fetch was asked in.
     */
    public void setRemote(
        final byte[] topicSrc,
        final int topicOffset,
        final int topicLength,
        final long seq,
        final String epoch,
        final long receivedMicros,
        final byte[] payloadSrc,
        final int payloadOffset,
        final int payloadLength,
        final boolean fetched,
        final Object token,
        final int generation)
    {
        ensureCapacity(topicLength + payloadLength);
        System.arraycopy(topicSrc, topicOffset, data, 0, topicLength);
        System.arraycopy(payloadSrc, payloadOffset, data, topicLength, payloadLength);
        resetForEngine(EventType.REMOTE, topicLength);
        this.payloadLength = payloadLength;
        this.seq = seq;
        this.remoteEpoch = epoch;
        this.receivedMicros = receivedMicros;
        this.fetched = fetched;
        this.token = token;
        this.generation = generation;
    }

    /**
     * Fills this slot with the end of a fetch: every stored message up to {@code reached} has been sent.
     *
     * @param topic      the topic's bytes (ASCII).
     * @param reached    the last seq the fetch covered.
     * @param token      the fetch's token (null for a topic refill).
     * @param generation the topic generation the fetch was asked in.
     */
    public void setFetchDone(final byte[] topic, final long reached, final Object token, final int generation)
    {
        copyTopic(topic);
        resetForEngine(EventType.FETCH_DONE, topic.length);
        this.seq = reached;
        this.token = token;
        this.generation = generation;
    }

    /**
     * Fills this slot with a topic's seq and epoch as the store holds them.
     *
     * @param topic      the topic's bytes (ASCII).
     * @param seq        the store's current seq for the topic.
     * @param epoch      the store's epoch for the topic.
     * @param generation the topic generation the sync was asked in.
     * @param resync     true when asked after a reconnect, to find what was missed.
     */
    public void setSynced(
        final byte[] topic, final long seq, final String epoch, final int generation, final boolean resync)
    {
        copyTopic(topic);
        resetForEngine(EventType.SYNCED, topic.length);
        this.seq = seq;
        this.remoteEpoch = epoch;
        this.generation = generation;
        this.resync = resync;
    }

    /**
     * Fills this slot with the confirmation that the engine listens to a pattern.
     *
     * @param pattern the pattern's bytes (ASCII).
     */
    public void setPatternListening(final byte[] pattern)
    {
        copyTopic(pattern);
        resetForEngine(EventType.PATTERN_LISTENING, pattern.length);
    }

    /**
     * Fills this slot with the news that the engine's connection came back.
     */
    public void setReconnected()
    {
        resetForEngine(EventType.RECONNECTED, 0);
    }

    private void copyTopic(final byte[] topic)
    {
        ensureCapacity(topic.length);
        System.arraycopy(topic, 0, data, 0, topic.length);
    }

    private void resetForEngine(final EventType type, final int topicLength)
    {
        this.type = type;
        this.topicLength = topicLength;
        this.idLength = 0;
        this.payloadLength = 0;
        this.request = null;
        this.lastInRequest = false;
        this.subscriber = null;
        this.query = null;
        this.pattern = null;
        this.from = NO_FROM;
        this.fetched = false;
        this.resync = false;
        this.token = null;
        this.remoteEpoch = null;
    }

    /**
     * What this event asks for.
     *
     * @return the event type.
     */
    public EventType type()
    {
        return type;
    }

    /**
     * The slot's bytes: {@code topic | id | payload}.
     *
     * @return the backing array, valid only inside {@code onEvent}.
     */
    public byte[] data()
    {
        return data;
    }

    /**
     * Length of the topic, which starts at offset 0 of {@link #data()}.
     *
     * @return topic length in bytes.
     */
    public int topicLength()
    {
        return topicLength;
    }

    /**
     * Offset of the idempotency key in {@link #data()}.
     *
     * @return the key's offset.
     */
    public int idOffset()
    {
        return topicLength;
    }

    /**
     * Length of the idempotency key.
     *
     * @return key length, 0 when the message has none.
     */
    public int idLength()
    {
        return idLength;
    }

    /**
     * Offset of the payload in {@link #data()}.
     *
     * @return the payload's offset.
     */
    public int payloadOffset()
    {
        return topicLength + idLength;
    }

    /**
     * Length of the payload.
     *
     * @return payload length in bytes.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * When ingest received the message.
     *
     * @return microseconds since the epoch.
     */
    public long receivedMicros()
    {
        return receivedMicros;
    }

    /**
     * The topic's hash, set by decode.
     *
     * @return the hash of the topic bytes.
     */
    public long topicHash()
    {
        return topicHash;
    }

    /**
     * The topic route resolved, or null before route.
     *
     * @return the topic state.
     */
    public TopicState topic()
    {
        return topic;
    }

    /**
     * The seq route assigned (messages) or the topic's current seq (subscriptions).
     *
     * @return the seq.
     */
    public long seq()
    {
        return seq;
    }

    /**
     * What route decided.
     *
     * @return one of the {@code STATUS_} constants.
     */
    public int status()
    {
        return status;
    }

    /**
     * The subscriber of a subscription event.
     *
     * @return the subscriber, or null for messages.
     */
    public Subscriber subscriber()
    {
        return subscriber;
    }

    /**
     * The message's position in its request, from 0.
     *
     * @return the index.
     */
    public int index()
    {
        return index;
    }

    /**
     * Drops every reference so that nothing outlives its use through the ring; called by the last stage.
     */
    void clear()
    {
        request = null;
        subscriber = null;
        query = null;
        topic = null;
        recipients = null;
        pattern = null;
        resumeEpoch = null;
        remoteEpoch = null;
        token = null;
        gapReason = null;
        completions = null;
        if (data.length > retainCapacity)
        {
            data = EMPTY;
        }
    }

    private void ensureCapacity(final int required)
    {
        if (data.length < required)
        {
            final int capacity = Math.max(required, initialCapacity);
            data = new byte[capacity];
        }
    }
}
