package io.pulsarproxy.gateway.access;

import io.pulsarproxy.delivery.SubscriptionGrant;
import io.pulsarproxy.ingest.PublishGrant;
import io.pulsarproxy.pipeline.TopicPattern;

import java.util.List;

/**
 * What a verified token allows: its {@code publish} and {@code subscribe} patterns, for its {@code sub}, until its
 * {@code exp}.
 * <p>
 * <b>Note:</b> immutable; one instance per token, cached and shared by its requests and connections.
 */
public final class Grant implements PublishGrant, SubscriptionGrant
{
    private final String subject;
    private final byte[][] publish;
    private final byte[][] subscribe;
    private final long expiresAtMillis;

    Grant(final String subject, final List<String> publish, final List<String> subscribe, final long expiresAtMillis)
    {
        this.subject = subject;
        this.publish = bytes(publish);
        this.subscribe = bytes(subscribe);
        this.expiresAtMillis = expiresAtMillis;
    }

    @Override
    public String subject()
    {
        return subject;
    }

    @Override
    public boolean mayPublish(final byte[] topic, final int offset, final int length)
    {
        for (final byte[] claim : publish)
        {
            if (TopicPattern.covers(claim, topic, offset, length))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean maySubscribe(final byte[] topic, final int offset, final int length)
    {
        for (final byte[] claim : subscribe)
        {
            if (TopicPattern.covers(claim, topic, offset, length))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public long expiresAtMillis()
    {
        return expiresAtMillis;
    }

    private static byte[][] bytes(final List<String> patterns)
    {
        final byte[][] result = new byte[patterns.size()][];
        for (int i = 0; i < result.length; i++)
        {
            result[i] = patterns.get(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        return result;
    }
}
