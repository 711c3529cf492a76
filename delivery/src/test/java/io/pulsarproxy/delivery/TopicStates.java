package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.PipelineConfig;
import io.pulsarproxy.pipeline.Subscriber;
import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.WaitStrategyType;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Real {@link TopicState}s for tests outside the pipeline package: a small pipeline is started, a subscriber
 * subscribes to each name and keeps the topic handed to {@code onSubscribed}, and the pipeline is closed again.
 */
final class TopicStates
{
    private TopicStates()
    {
    }

    /**
     * Creates topics.
     *
     * @param names topic names.
     * @return each name's topic, in the order given.
     */
    static Map<String, TopicState> create(final String... names) throws InterruptedException
    {
        final CountDownLatch subscribed = new CountDownLatch(names.length);
        final Map<String, TopicState> captured = new ConcurrentHashMap<>();
        final Subscriber subscriber = new Subscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer,
                final int payloadOffset, final int payloadLength)
            {
            }

            @Override
            public void onSubscribed(final TopicState topic, final long currentSeq)
            {
                captured.put(topic.name(), topic);
                subscribed.countDown();
            }

            @Override
            public void onSubscribedPattern(final TopicPattern pattern)
            {
            }

            @Override
            public void onGap(final TopicState topic, final long from, final long to, final String reason)
            {
            }

            @Override
            public void onUnsubscribed(final byte[] topic, final int offset, final int length)
            {
            }

            @Override
            public void onSubscribeRefused(
                final byte[] topic, final int offset, final int length, final String code, final String reason)
            {
                throw new AssertionError("subscription refused: " + code + " " + reason);
            }

            @Override
            public void flush()
            {
            }
        };
        final Pipeline pipeline = new Pipeline(new PipelineConfig(
            64, WaitStrategyType.BLOCKING, 64, 1024, 0, 0, Math.max(1, names.length), Math.max(1, names.length), 0,
            16, 1, "outbound-test"));
        pipeline.start();
        try
        {
            for (final String name : names)
            {
                final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
                if (!pipeline.trySubscribe(subscriber, bytes, 0, bytes.length))
                {
                    throw new AssertionError("ring full");
                }
            }
            if (!subscribed.await(10, TimeUnit.SECONDS))
            {
                throw new AssertionError("subscriptions were not confirmed");
            }
        }
        finally
        {
            pipeline.close();
        }
        final Map<String, TopicState> topics = new LinkedHashMap<>();
        for (final String name : names)
        {
            topics.put(name, captured.get(name));
        }
        return topics;
    }
}
