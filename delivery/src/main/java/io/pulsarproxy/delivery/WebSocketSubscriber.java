package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A WebSocket connection as the pipeline sees it: encodes what the deliver stage hands it into its
 * {@link Outbound} queue and writes the queue on the connection's IO thread, one write at a time.
 * <p>
 * <b>Note:</b> the {@code on...} callbacks and {@link #flush()} run on the deliver thread; {@link #sendControl} may
 * run on any thread; writes and closes run on the connection's IO thread.
 */
final class WebSocketSubscriber extends QueuedSubscriber
{
    /** Close code for a client that could not keep up under the disconnect policy (RFC 6455 policy violation). */
    static final int CLOSE_SLOW_CONSUMER = 1008;
    /** Close code sent to every client when the gateway shuts down. */
    static final int CLOSE_GOING_AWAY = 1001;

    private final WebSocketConnection connection;
    private final Map<String, SlowConsumerPolicy> requestedPolicies = new ConcurrentHashMap<>();
    private volatile boolean closing;
    private volatile int closeCode;
    private volatile String closeReason;

    WebSocketSubscriber(
        final WebSocketConnection connection,
        final DeliveryConfig config,
        final DeliveryCounters counters,
        final IoThreadFlusher flusher,
        final WebSocketCodec codec)
    {
        super(codec, config, counters, flusher);
        this.connection = connection;
    }

    WebSocketConnection connection()
    {
        return connection;
    }

    /**
     * Remembers the slow-consumer policy a subscribe op asked for, until the subscription takes effect.
     *
     * @param topicOrPattern the topic or pattern as sent.
     * @param policy         the policy.
     */
    void requestPolicy(final String topicOrPattern, final SlowConsumerPolicy policy)
    {
        requestedPolicies.put(topicOrPattern, policy);
    }

    @Override
    public void onSubscribed(final TopicState topic, final long currentSeq)
    {
        final SlowConsumerPolicy policy = requestedPolicies.isEmpty() ? null : requestedPolicies.remove(topic.name());
        if (policy != null)
        {
            outbound.policy(topic, policy);
        }
        final JsonWriter w = new JsonWriter(96)
            .raw("{\"type\":\"subscribed\",\"topic\":").string(topic.name())
            .raw(",\"seq\":").number(currentSeq)
            .raw(",\"epoch\":").string(topic.epoch())
            .raw("}");
        control(w);
    }

    @Override
    public void onSubscribedPattern(final TopicPattern pattern)
    {
        final SlowConsumerPolicy policy = requestedPolicies.isEmpty() ? null : requestedPolicies.remove(pattern.text());
        if (policy != null)
        {
            outbound.policy(pattern, policy);
        }
        control(new JsonWriter(96)
            .raw("{\"type\":\"subscribed\",\"topic\":").string(pattern.text())
            .raw(",\"pattern\":true}"));
    }

    @Override
    public void onUnsubscribed(final byte[] topic, final int offset, final int length)
    {
        final JsonWriter w = new JsonWriter(64)
            .raw("{\"type\":\"unsubscribed\",\"topic\":").string(topic, offset, length)
            .raw("}");
        control(w);
    }

    @Override
    public void onSubscribeRefused(
        final byte[] topic, final int offset, final int length, final String code, final String reason)
    {
        final JsonWriter w = new JsonWriter(128)
            .raw("{\"type\":\"error\",\"code\":").string(code)
            .raw(",\"message\":").string(reason)
            .raw(",\"op\":\"subscribe\",\"topic\":").string(topic, offset, length)
            .raw("}");
        control(w);
    }

    /**
     * Queues a control frame from any thread and starts writing it.
     *
     * @param frame the encoded frame.
     */
    void sendControl(final JsonWriter frame)
    {
        control(frame);
        flush();
    }

    /**
     * Sends what is queued, then a close frame, then closes; used at shutdown and when the token expires.
     *
     * @param code   the close code.
     * @param reason the close reason.
     */
    void closeAfterFlush(final int code, final String reason)
    {
        closeReason = reason;
        closeCode = code;
        closing = true;
        connection.ioThread().execute(() ->
        {
            if (outbound.isIdle())
            {
                connection.close(closeCode, closeReason);
            }
        });
    }

    /**
     * Forgets everything queued; called when the connection is closed.
     */
    void release()
    {
        outbound.close();
    }

    long droppedMessages()
    {
        return outbound.droppedMessages();
    }

    @Override
    void slowConsumer()
    {
        outbound.close();
        counters.slowDisconnects.incrementAndGet();
        closeCode = CLOSE_SLOW_CONSUMER;
        closeReason = "slow consumer: outbound buffer full";
        closing = true;
        connection.ioThread().execute(() -> connection.close(closeCode, closeReason));
    }

    /** Runs on the IO thread: the connection writes everything queued, as one text frame per queued frame. */
    @Override
    void send()
    {
        connection.sendOutbound();
    }

    /**
     * Runs on the IO thread when a write of the queue completed with nothing more queued: a pending close goes out
     * now.
     */
    void sendIdle()
    {
        if (closing && outbound.isIdle())
        {
            connection.close(closeCode, closeReason);
        }
    }
}
