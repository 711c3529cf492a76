package io.pulsarproxy.pipeline;

/**
 * What a {@link MessageEvent} on the ring asks the stages to do.
 * <p>
 * Subscription changes travel the same ring as messages, so the route stage sees them in one total order and needs
 * no locks.
 */
public enum EventType
{
    /** A published message: sequence it, store it in history, deliver it. */
    MESSAGE,
    /** A subscriber asks for a topic. */
    SUBSCRIBE,
    /** A subscriber gives up a topic. */
    UNSUBSCRIBE,
    /** A subscriber has gone: forget all of its subscriptions. */
    DETACH,
    /** An operator asks for topic statistics. */
    QUERY,
    /**
     * A message sequenced and stored by a shared engine (published on any node), from its live feed or from a fetch
     * of its stored history: deliver it in seq order.
     */
    REMOTE,
    /** A fetch of stored history ended: everything up to a seq that the store still held has been sent. */
    FETCH_DONE,
    /** A shared engine tells a topic's current seq and epoch, after it began to listen or after a reconnect. */
    SYNCED,
    /** A shared engine listens to a pattern: subscriptions to it may be confirmed. */
    PATTERN_LISTENING,
    /** A shared engine's connection came back: check every topic for what was missed meanwhile. */
    RECONNECTED
}
