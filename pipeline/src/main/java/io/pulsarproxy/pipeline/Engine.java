package io.pulsarproxy.pipeline;

/**
 * A shared store that sequences and keeps every topic's messages for several gateway nodes: the seam between the
 * pipeline and, for example, Valkey/Redis. Without one (the default), route sequences in memory and deliver keeps
 * history in memory.
 * <p>
 * With an engine, route no longer assigns seqs: it hands each Disruptor batch's messages to {@link #store} and
 * {@link #endBatch()}, and the engine answers their requests (through {@link PublishRequest#recordStored},
 * {@link PublishRequest#fail()} and {@link PublishRequest#release()}) once the store has answered. Every node,
 * including the publishing one, receives the stored messages back from the engine as {@link EventType#REMOTE}
 * events and delivers them by the store's seq, so all nodes show the same order.
 * <p>
 * <b>Note:</b> the methods marked "route" are called on the route thread only and must not block: they queue work
 * and return. The engine feeds its answers into the ring from its own threads with {@link Pipeline#claim(int)}.
 */
public interface Engine extends AutoCloseable
{
    /**
     * Gives the engine the pipeline it feeds; called once, by the pipeline's constructor.
     *
     * @param pipeline the pipeline.
     */
    void bind(Pipeline pipeline);

    /**
     * Connects to the store.
     *
     * @throws RuntimeException when the store cannot be reached.
     */
    void start();

    /**
     * Tells whether the store is reachable right now.
     *
     * @return true when publishing can succeed.
     */
    boolean isAvailable();

    /**
     * What the engine counted.
     *
     * @return its counters.
     */
    EngineCounters counters();

    /**
     * Route: queues one message to be stored with the rest of the batch. The engine copies what it needs; the
     * event's slot is reused afterwards.
     *
     * @param event   the message.
     * @param request the request it belongs to, answered once the store has answered (the event's slot keeps it
     *                only for a request's first message).
     * @param topic   its topic, whose receipt entry route has reserved in the request.
     */
    void store(MessageEvent event, PublishRequest request, TopicState topic);

    /**
     * Route: sends what {@link #store} queued, one round trip for the batch.
     */
    void endBatch();

    /**
     * Route: starts following a topic's live feed, then tells its current seq with a {@link EventType#SYNCED} event.
     *
     * @param topic      the topic.
     * @param generation the topic's generation, returned in the event.
     */
    void listen(TopicState topic, int generation);

    /**
     * Route: stops following a topic's own feed.
     *
     * @param topic the topic.
     */
    void unlisten(TopicState topic);

    /**
     * Route: asks for a topic's current seq and epoch, answered with a {@link EventType#SYNCED} event.
     *
     * @param topic      the topic.
     * @param generation the topic's generation, returned in the event.
     * @param resync     true when checking for messages missed during an outage.
     */
    void sync(TopicState topic, int generation, boolean resync);

    /**
     * Route: starts following every topic matching a pattern, then confirms with a
     * {@link EventType#PATTERN_LISTENING} event.
     *
     * @param pattern the pattern.
     */
    void listenPattern(TopicPattern pattern);

    /**
     * Route: stops following a pattern.
     *
     * @param pattern the pattern.
     */
    void unlistenPattern(TopicPattern pattern);

    /**
     * Route: fetches the stored messages {@code from..to} as {@link EventType#REMOTE} events flagged as fetched, then
     * sends a {@link EventType#FETCH_DONE}. Retried by the engine until it succeeds or the engine closes.
     *
     * @param topic      the topic.
     * @param from       first seq.
     * @param to         last seq.
     * @param token      returned in the events: what the fetch is for (null for a refill of the topic).
     * @param generation the topic's generation, returned in the events.
     */
    void fetch(TopicState topic, long from, long to, Object token, int generation);

    /**
     * Stops following and disconnects; requests still waiting for the store are answered as failed.
     */
    @Override
    void close();
}
