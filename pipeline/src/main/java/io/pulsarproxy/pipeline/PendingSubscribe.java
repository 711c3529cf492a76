package io.pulsarproxy.pipeline;

/**
 * A subscription that a shared engine has not finished yet: its topic's seq is not known, its pattern is not yet
 * listened to, or its replay is still being fetched from the store.
 * <p>
 * Route keeps it as the subscriber's entry for the topic until the subscription goes live, so a fetch that answers
 * after the subscriber unsubscribed (or subscribed again) is recognised as stale by identity. Deliver reads the
 * outcome route wrote into it when the subscription is confirmed.
 * <p>
 * <b>Note:</b> route thread only, except for the outcome fields that deliver reads after route wrote them.
 */
final class PendingSubscribe
{
    final Subscriber subscriber;
    final TopicState topic;
    final TopicPattern pattern;
    final long from;
    final String epoch;

    /** The next seq the replay must send. */
    long next;
    /** Outcome for deliver: a {@code STATUS_} constant. */
    int status;
    /** Outcome for deliver: the topic's seq when the subscription took effect. */
    long seq;
    /** Outcome for deliver: the client counted {@code from} in another epoch. */
    boolean epochMismatch;

    PendingSubscribe(final Subscriber subscriber, final TopicState topic, final long from, final String epoch)
    {
        this.subscriber = subscriber;
        this.topic = topic;
        this.pattern = null;
        this.from = from;
        this.epoch = epoch;
    }

    PendingSubscribe(final Subscriber subscriber, final TopicPattern pattern)
    {
        this.subscriber = subscriber;
        this.topic = null;
        this.pattern = pattern;
        this.from = MessageEvent.NO_FROM;
        this.epoch = null;
    }
}
