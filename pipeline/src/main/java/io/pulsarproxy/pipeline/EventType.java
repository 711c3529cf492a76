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
    QUERY
}
