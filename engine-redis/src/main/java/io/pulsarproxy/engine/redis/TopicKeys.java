package io.pulsarproxy.engine.redis;

import java.nio.charset.StandardCharsets;

/**
 * One topic's keys and channel, built once per topic: {@code <prefix>:{<topic>}:meta}, {@code :log}, {@code :ids},
 * {@code :idq} and the channel {@code <prefix>:{<topic>}}. The braces are Redis Cluster's hash tag: all of a topic's
 * keys live in one slot, so its scripts work on a cluster too. Topic names cannot hold braces.
 */
final class TopicKeys
{
    final byte[] topic;
    final byte[][] keys;
    final byte[] channel;
    final String channelText;

    TopicKeys(final String prefix, final byte[] topic)
    {
        this.topic = topic;
        final String name = new String(topic, StandardCharsets.US_ASCII);
        this.channelText = prefix + ":{" + name + "}";
        this.channel = channelText.getBytes(StandardCharsets.US_ASCII);
        this.keys = new byte[][] {
            (channelText + ":meta").getBytes(StandardCharsets.US_ASCII),
            (channelText + ":log").getBytes(StandardCharsets.US_ASCII),
            (channelText + ":ids").getBytes(StandardCharsets.US_ASCII),
            (channelText + ":idq").getBytes(StandardCharsets.US_ASCII)};
    }

    byte[] log()
    {
        return keys[1];
    }

    /**
     * The channel pattern for a subscription pattern: NATS {@code *} (one segment) and {@code >} (the rest) both
     * become the glob {@code *}, which matches more; route filters by the real pattern.
     */
    static String channelPattern(final String prefix, final String pattern)
    {
        return prefix + ":{" + pattern.replace('>', '*') + "}";
    }

    /**
     * Where the topic starts in a channel name.
     */
    static int topicOffset(final int prefixLength)
    {
        return prefixLength + 2;
    }

    /**
     * The topic's length in a channel name of {@code channelLength} bytes.
     */
    static int topicLength(final int prefixLength, final int channelLength)
    {
        return channelLength - prefixLength - 3;
    }
}
