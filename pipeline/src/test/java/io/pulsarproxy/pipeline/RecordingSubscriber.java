package io.pulsarproxy.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subscriber that records every call the deliver stage makes, in order, for a test thread to await and inspect.
 * <p>
 * Requests built with it as their journal add a {@link Published} entry, so that the order of frames, flushes and
 * replies can be checked.
 */
class RecordingSubscriber extends Subscriber
{
    static final long TIMEOUT_SECONDS = 10;

    /** One recorded call. */
    sealed interface Call permits Message, Subscribed, SubscribedPattern, Gap, Unsubscribed, Refused, Flush, Published
    {
    }

    /** {@link Subscriber#onMessage}, with the payload copied out. */
    record Message(String topic, long seq, long timestampMicros, byte[] payload) implements Call
    {
        String payloadText()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            return "Message[" + topic + " #" + seq + " " + payloadText() + "]";
        }
    }

    /** {@link Subscriber#onSubscribed}. */
    record Subscribed(String topic, long currentSeq) implements Call
    {
    }

    /** {@link Subscriber#onSubscribedPattern}. */
    record SubscribedPattern(String pattern) implements Call
    {
    }

    /** {@link Subscriber#onGap}. */
    record Gap(String topic, long from, long to, String reason) implements Call
    {
    }

    /** {@link Subscriber#onUnsubscribed}. */
    record Unsubscribed(String topic) implements Call
    {
    }

    /** {@link Subscriber#onSubscribeRefused}. */
    record Refused(String topic, String code, String reason) implements Call
    {
    }

    /** {@link Subscriber#flush}. */
    record Flush() implements Call
    {
    }

    /** A request whose journal this is was completed. */
    record Published(PublishRequest request) implements Call
    {
    }

    private final List<Call> calls = new ArrayList<>();
    private final AtomicInteger flushNowCalls = new AtomicInteger();

    @Override
    public void onMessage(
        final TopicState topic,
        final long seq,
        final long timestampMicros,
        final byte[] buffer,
        final int payloadOffset,
        final int payloadLength)
    {
        final byte[] payload = Arrays.copyOfRange(buffer, payloadOffset, payloadOffset + payloadLength);
        record(new Message(topic.name(), seq, timestampMicros, payload));
    }

    @Override
    public void onSubscribed(final TopicState topic, final long currentSeq)
    {
        record(new Subscribed(topic.name(), currentSeq));
    }

    @Override
    public void onSubscribedPattern(final TopicPattern pattern)
    {
        record(new SubscribedPattern(pattern.text()));
    }

    @Override
    public void onGap(final TopicState topic, final long from, final long to, final String reason)
    {
        record(new Gap(topic.name(), from, to, reason));
    }

    @Override
    public void onUnsubscribed(final byte[] topic, final int offset, final int length)
    {
        record(new Unsubscribed(new String(topic, offset, length, StandardCharsets.US_ASCII)));
    }

    @Override
    public void onSubscribeRefused(
        final byte[] topic, final int offset, final int length, final String code, final String reason)
    {
        record(new Refused(new String(topic, offset, length, StandardCharsets.US_ASCII), code, reason));
    }

    @Override
    public void flush()
    {
        record(new Flush());
    }

    @Override
    public void flushNow()
    {
        flushNowCalls.incrementAndGet();
        record(new Flush());
    }

    /** How many of the recorded {@link Flush} calls were {@link Subscriber#flushNow()}. */
    int flushNowCalls()
    {
        return flushNowCalls.get();
    }

    synchronized void record(final Call call)
    {
        calls.add(call);
        notifyAll();
    }

    synchronized List<Call> calls()
    {
        return new ArrayList<>(calls);
    }

    synchronized <T extends Call> List<T> calls(final Class<T> type)
    {
        final List<T> matching = new ArrayList<>();
        for (final Call call : calls)
        {
            if (type.isInstance(call))
            {
                matching.add(type.cast(call));
            }
        }
        return matching;
    }

    List<Message> messages()
    {
        return calls(Message.class);
    }

    /**
     * Waits until at least {@code count} calls of a type were recorded.
     *
     * @return the calls of that type, or fails the test after {@link #TIMEOUT_SECONDS}.
     */
    synchronized <T extends Call> List<T> await(final Class<T> type, final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        List<T> matching = calls(type);
        while (matching.size() < count)
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                throw new AssertionError("waited for " + count + " " + type.getSimpleName() + " calls, have " + calls);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
            matching = calls(type);
        }
        return matching;
    }

    int heldSubscriptions()
    {
        return subscriptionCount();
    }
}
