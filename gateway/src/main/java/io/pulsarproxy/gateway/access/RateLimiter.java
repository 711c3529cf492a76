package io.pulsarproxy.gateway.access;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.pulsarproxy.ingest.PublishLimiter;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token-bucket rate limits per caller with Bucket4j: messages per second and bytes per second for publishing,
 * connection attempts per second for subscribing. A rate of 0 turns that limit off.
 * <p>
 * Each bucket holds one second's worth; a single request larger than that is admitted only when the bucket is full,
 * and then leaves it in debt, so the long-run rate holds exactly. Callers are kept in a bounded map: when it is
 * full, callers whose buckets are full (idle) are forgotten.
 */
public final class RateLimiter implements PublishLimiter
{
    /** Most callers tracked. */
    public static final int MAX_CALLERS = 100_000;

    private final long messagesPerSecond;
    private final long bytesPerSecond;
    private final long connectsPerSecond;
    private final Map<String, Buckets> callers = new ConcurrentHashMap<>();

    /**
     * Creates the limiter.
     *
     * @param messagesPerSecond publish messages per second per caller, 0 for no limit.
     * @param bytesPerSecond    publish bytes per second per caller, 0 for no limit.
     * @param connectsPerSecond subscribe connection attempts per second per caller, 0 for no limit.
     */
    public RateLimiter(final long messagesPerSecond, final long bytesPerSecond, final long connectsPerSecond)
    {
        this.messagesPerSecond = messagesPerSecond;
        this.bytesPerSecond = bytesPerSecond;
        this.connectsPerSecond = connectsPerSecond;
    }

    /**
     * Tells whether any publish limit is set.
     *
     * @return true if publishing is limited.
     */
    public boolean limitsPublishing()
    {
        return messagesPerSecond > 0 || bytesPerSecond > 0;
    }

    @Override
    public long tryAcquire(final String key, final int messages, final long bytes)
    {
        final Buckets b = buckets(key);
        final long waitMessages = b.messages == null ? 0 : probe(b.messages, messagesPerSecond, messages);
        if (waitMessages > 0)
        {
            return waitMessages;
        }
        final long waitBytes = b.bytes == null ? 0 : probe(b.bytes, bytesPerSecond, bytes);
        if (waitBytes > 0)
        {
            if (b.messages != null)
            {
                b.messages.addTokens(messages);
            }
            return waitBytes;
        }
        return 0;
    }

    /**
     * Takes one connection attempt from the caller's allowance.
     *
     * @param key the caller.
     * @return 0 when admitted; otherwise nanoseconds until the next attempt could be.
     */
    public long tryConnect(final String key)
    {
        if (connectsPerSecond <= 0)
        {
            return 0;
        }
        return probe(buckets(key).connects, connectsPerSecond, 1);
    }

    private static long probe(final Bucket bucket, final long capacity, final long amount)
    {
        if (amount > capacity)
        {
            if (bucket.getAvailableTokens() >= capacity)
            {
                bucket.consumeIgnoringRateLimits(amount);
                return 0;
            }
            return Math.max(1, bucket.estimateAbilityToConsume(capacity).getNanosToWaitForRefill());
        }
        final ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(amount);
        return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
    }

    private Buckets buckets(final String key)
    {
        Buckets b = callers.get(key);
        if (b == null)
        {
            if (callers.size() >= MAX_CALLERS)
            {
                callers.values().removeIf(Buckets::idle);
                if (callers.size() >= MAX_CALLERS)
                {
                    callers.clear();
                }
            }
            b = callers.computeIfAbsent(key, k -> new Buckets());
        }
        return b;
    }

    private static Bucket bucket(final long perSecond)
    {
        return perSecond <= 0 ? null : Bucket.builder()
            .addLimit(Bandwidth.builder().capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)).build())
            .build();
    }

    private final class Buckets
    {
        final Bucket messages = bucket(messagesPerSecond);
        final Bucket bytes = bucket(bytesPerSecond);
        final Bucket connects = bucket(connectsPerSecond);

        boolean idle()
        {
            return full(messages, messagesPerSecond) && full(bytes, bytesPerSecond) &&
                full(connects, connectsPerSecond);
        }

        private boolean full(final Bucket bucket, final long capacity)
        {
            return bucket == null || bucket.getAvailableTokens() >= capacity;
        }
    }
}
