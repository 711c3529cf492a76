package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;

import java.nio.charset.StandardCharsets;

/**
 * Reads a client's frames on its IO thread and turns each op into a ring event or a reply.
 * <p>
 * A bad frame gets an {@code error} frame and the connection stays usable. Client frames are few (subscriptions,
 * pings), so decoding them to a String first, as Undertow does, costs nothing that matters.
 */
final class ClientFrameListener extends AbstractReceiveListener
{
    private final WebSocketSubscriber subscriber;
    private final Pipeline pipeline;
    private final DeliveryConfig config;
    private final DeliveryCounters counters;
    private final ClientOp op;
    private final SubscriptionGrant grant;
    private long lastHeardNanos = System.nanoTime();

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
        this.config = config;
        this.counters = counters;
        this.op = new ClientOp(config.maxJsonDepth());
    }

    @Override
    protected long getMaxTextBufferSize()
    {
        return config.maxClientFrameBytes();
    }

    @Override
    protected long getMaxBinaryBufferSize()
    {
        return config.maxClientFrameBytes();
    }

    /**
     * When the client was last heard from (any frame, pongs included); read on the IO thread by the ping task.
     *
     * @return a {@link System#nanoTime()} value.
     */
    long lastHeardNanos()
    {
        return lastHeardNanos;
    }

    @Override
    protected void onFullPongMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
    {
        lastHeardNanos = System.nanoTime();
        message.getData().free();
    }

    @Override
    protected void onFullPingMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        throws java.io.IOException
    {
        lastHeardNanos = System.nanoTime();
        super.onFullPingMessage(channel, message);
    }

    @Override
    protected void onFullTextMessage(final WebSocketChannel channel, final BufferedTextMessage message)
    {
        lastHeardNanos = System.nanoTime();
        final byte[] frame = message.getData().getBytes(StandardCharsets.UTF_8);
        if (frame.length > config.maxClientFrameBytes())
        {
            error("too-large", "frame is larger than " + config.maxClientFrameBytes() + " bytes", null, null, 0, 0);
            return;
        }
        if (!op.parse(frame))
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

    @Override
    protected void onFullBinaryMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
    {
        lastHeardNanos = System.nanoTime();
        message.getData().free();
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
