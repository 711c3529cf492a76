package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.xnio.IoUtils;

import java.nio.ByteBuffer;
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

    private final WebSocketChannel channel;
    private final WebSocketCallback<Void> sentCallback = new SentCallback();
    private final Map<String, SlowConsumerPolicy> requestedPolicies = new ConcurrentHashMap<>();
    private volatile boolean closing;
    private volatile int closeCode;
    private volatile String closeReason;
    private int framesInFlight;

    WebSocketSubscriber(
        final WebSocketChannel channel,
        final DeliveryConfig config,
        final DeliveryCounters counters,
        final IoThreadFlusher flusher)
    {
        super(WebSocketCodec.INSTANCE, config, counters, flusher);
        this.channel = channel;
    }

    WebSocketChannel channel()
    {
        return channel;
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
     * Sends what is queued, then a close frame, then closes; used at shutdown.
     *
     * @param code   the close code.
     * @param reason the close reason.
     */
    void closeAfterFlush(final int code, final String reason)
    {
        closeReason = reason;
        closeCode = code;
        closing = true;
        channel.getIoThread().execute(() ->
        {
            if (outbound.isIdle())
            {
                sendClose();
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
        channel.getIoThread().execute(this::sendClose);
    }

    /** Runs on the IO thread: writes everything queued as one WebSocket text frame per queued frame. */
    @Override
    void send()
    {
        if (!channel.isOpen())
        {
            outbound.close();
            return;
        }
        final int taken = outbound.take();
        if (taken == 0)
        {
            afterSend();
            return;
        }
        final byte[] buffer = outbound.taken();
        final int frames = Outbound.frameCount(buffer, taken);
        framesInFlight = frames;
        for (int at = 0; at < taken; )
        {
            final int length = Outbound.getInt(buffer, at);
            WebSockets.sendText(ByteBuffer.wrap(buffer, at + Outbound.HEADER, length), channel, sentCallback);
            at += Outbound.HEADER + length;
        }
        counters.framesSent.addAndGet(frames);
        recordWrite();
    }

    private void afterSend()
    {
        if (outbound.completeSend())
        {
            send();
        }
        else if (closing && outbound.isIdle())
        {
            sendClose();
        }
    }

    private void sendClose()
    {
        if (!channel.isOpen() || channel.isCloseFrameSent())
        {
            return;
        }
        WebSockets.sendClose(closeCode, closeReason, channel, new WebSocketCallback<>()
        {
            @Override
            public void complete(final WebSocketChannel ch, final Void context)
            {
            }

            @Override
            public void onError(final WebSocketChannel ch, final Void context, final Throwable throwable)
            {
                IoUtils.safeClose(ch);
            }
        });
    }

    private final class SentCallback implements WebSocketCallback<Void>
    {
        @Override
        public void complete(final WebSocketChannel ch, final Void context)
        {
            if (--framesInFlight == 0)
            {
                afterSend();
            }
        }

        @Override
        public void onError(final WebSocketChannel ch, final Void context, final Throwable throwable)
        {
            outbound.close();
            IoUtils.safeClose(ch);
        }
    }

}
