package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.nio.charset.StandardCharsets;

/**
 * Turns each text message a client sends into a ring event or a reply, on the connection's IO thread.
 * <p>
 * A bad frame gets an {@code error} frame and the connection stays usable. The message is parsed where it was read
 * ({@link WebSocketConnection} has checked the framing and the UTF-8 already), without decoding it to a String.
 */
final class ClientFrameListener
{
    private final WebSocketSubscriber subscriber;
    private final Pipeline pipeline;
    private final DeliveryCounters counters;
    private final ClientOp op;
    private final SubscriptionGrant grant;

    ClientFrameListener(
        final WebSocketSubscriber subscriber,
        final Pipeline pipeline,
        final DeliveryConfig config,
        final DeliveryCounters counters,
        final SubscriptionGrant grant)
    {
        this.grant = grant;
        this.subscriber = subscriber;
        this.pipeline = pipeline;
        this.counters = counters;
        this.op = new ClientOp(config.maxJsonDepth());
    }

    /**
     * Handles one complete text message.
     *
     * @param frame  the bytes holding it; valid only during the call.
     * @param offset where it starts.
     * @param length its length.
     */
    void onText(final byte[] frame, final int offset, final int length)
    {
        if (!op.parse(frame, offset, length))
        {
            error(op.errorCode(), op.errorMessage(), op.opName, frame, op.topicOffset, op.topicLength);
            return;
        }
        switch (op.op)
        {
            case ClientOp.PING:
                subscriber.sendControl(new JsonWriter(16).raw("{\"type\":\"pong\"}"));
                break;
            case ClientOp.SUBSCRIBE:
                subscribe(frame, op.topicOffset, op.topicLength);
                break;
            case ClientOp.UNSUBSCRIBE:
                if (!pipeline.tryUnsubscribe(subscriber, frame, op.topicOffset, op.topicLength))
                {
                    busy(frame, op.topicOffset, op.topicLength);
                }
                break;
            default:
                break;
        }
    }

    /**
     * Answers a binary message, which the protocol does not use.
     */
    void onBinary()
    {
        error("unsupported", "binary frames are not supported; send JSON text frames", null, null, 0, 0);
    }

    /**
     * Subscribes to a topic or pattern named in the query string, with the query's {@code from}, {@code epoch} and
     * {@code policy}; errors are answered with error frames like those of a subscribe op.
     */
    void subscribeFromQuery(
        final String topic, final long from, final String epoch, final SlowConsumerPolicy policy)
    {
        final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        op.resetForQuery(from, epoch, policy);
        if (!op.checkSubscription(bytes, 0, bytes.length))
        {
            error(op.errorCode(), op.errorMessage(), "subscribe", bytes, 0, bytes.length);
            return;
        }
        subscribe(bytes, 0, bytes.length);
    }

    /**
     * Answers a problem with the query string itself.
     */
    void queryError(final String code, final String message)
    {
        error(code, message, "subscribe", null, 0, 0);
    }

    private void subscribe(final byte[] topic, final int offset, final int length)
    {
        if (!grant.maySubscribe(topic, offset, length))
        {
            counters.forbidden.incrementAndGet();
            error("forbidden", "the token does not allow subscribing to this topic", "subscribe", topic, offset,
                length);
            return;
        }
        if (op.policy != null)
        {
            subscriber.requestPolicy(new String(topic, offset, length, StandardCharsets.US_ASCII), op.policy);
        }
        if (!pipeline.trySubscribe(subscriber, topic, offset, length, op.from, op.epoch))
        {
            busy(topic, offset, length);
        }
    }

    private void busy(final byte[] topic, final int offset, final int length)
    {
        error("busy", "the gateway is at capacity; retry shortly", op.opName, topic, offset, length);
    }

    private void error(
        final String code, final String message, final String opName, final byte[] topic, final int offset,
        final int length)
    {
        counters.clientErrors.incrementAndGet();
        final JsonWriter w = new JsonWriter(128)
            .raw("{\"type\":\"error\",\"code\":").string(code)
            .raw(",\"message\":").string(message);
        if (opName != null)
        {
            w.raw(",\"op\":").string(opName);
        }
        if (topic != null && length >= 0)
        {
            w.raw(",\"topic\":").string(topic, offset, length);
        }
        subscriber.sendControl(w.raw("}"));
    }
}
