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

    ClientFrameListener(
        final WebSocketSubscriber subscriber,
        final Pipeline pipeline,
        final DeliveryConfig config,
        final DeliveryCounters counters)
    {
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

    @Override
    protected void onFullTextMessage(final WebSocketChannel channel, final BufferedTextMessage message)
    {
        final byte[] frame = message.getData().getBytes(StandardCharsets.UTF_8);
        if (frame.length > config.maxClientFrameBytes())
        {
            error("too-large", "frame is larger than " + config.maxClientFrameBytes() + " bytes", null);
            return;
        }
        if (!op.parse(frame))
        {
            error(op.errorCode(), op.errorMessage(), op.opName);
            return;
        }
        switch (op.op)
        {
            case ClientOp.PING:
                subscriber.sendControl(new JsonWriter(16).raw("{\"type\":\"pong\"}"));
                break;
            case ClientOp.SUBSCRIBE:
                subscribe(frame, op.topicOffset, op.topicLength, op.hasFrom);
                break;
            case ClientOp.UNSUBSCRIBE:
                if (!pipeline.tryUnsubscribe(subscriber, frame, op.topicOffset, op.topicLength))
                {
                    busy("unsubscribe", frame, op.topicOffset, op.topicLength);
                }
                break;
            default:
                break;
        }
    }

    @Override
    protected void onFullBinaryMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
    {
        message.getData().free();
        error("unsupported", "binary frames are not supported; send JSON text frames", null);
    }

    private void subscribe(final byte[] frame, final int offset, final int length, final boolean hasFrom)
    {
        if (hasFrom)
        {
            errorWithTopic("unsupported", "\"from\" (resume from history) is not supported by this version",
                "subscribe", frame, offset, length);
            return;
        }
        if (!pipeline.trySubscribe(subscriber, frame, offset, length))
        {
            busy("subscribe", frame, offset, length);
        }
    }

    private void busy(final String opName, final byte[] topic, final int offset, final int length)
    {
        errorWithTopic("busy", "the gateway is at capacity; retry shortly", opName, topic, offset, length);
    }

    private void errorWithTopic(
        final String code, final String message, final String opName, final byte[] topic, final int offset,
        final int length)
    {
        counters.clientErrors.incrementAndGet();
        subscriber.sendControl(new JsonWriter(128)
            .raw("{\"type\":\"error\",\"code\":").string(code)
            .raw(",\"message\":").string(message)
            .raw(",\"op\":").string(opName)
            .raw(",\"topic\":").string(topic, offset, length)
            .raw("}"));
    }

    private void error(final String code, final String message, final String opName)
    {
        counters.clientErrors.incrementAndGet();
        final JsonWriter w = new JsonWriter(128)
            .raw("{\"type\":\"error\",\"code\":").string(code)
            .raw(",\"message\":").string(message);
        if (opName != null)
        {
            w.raw(",\"op\":").string(opName);
        }
        subscriber.sendControl(w.raw("}"));
    }
}
