package io.pulsarproxy.engine.redis;

/**
 * How the gateway uses Valkey/Redis, built once by the gateway from its configuration.
 *
 * @param uri               where the server is, e.g. {@code redis://127.0.0.1:6379} ({@code rediss://} for TLS).
 * @param timeoutMillis     how long a command may take before its publishes are answered 503.
 * @param prefix            first part of every key and channel, so that several deployments can share a server.
 * @param historySize       messages each topic's stream keeps (approximately: trimmed with {@code MAXLEN ~}).
 * @param idempotencyWindow idempotency keys remembered per topic (0 turns duplicate suppression off).
 * @param ttlMillis         expiry of an idle topic's keys, renewed by each publish; 0 keeps them for ever.
 * @param fetchBatch        stream entries read per round trip when refilling or replaying.
 * @param maxQueuedCommands commands that may wait for the server per connection before new ones are refused.
 */
public record RedisSettings(
    String uri,
    long timeoutMillis,
    String prefix,
    int historySize,
    int idempotencyWindow,
    long ttlMillis,
    int fetchBatch,
    int maxQueuedCommands)
{
    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the bad value.
     */
    public RedisSettings
    {
        if (uri == null || uri.isBlank())
        {
            throw new IllegalArgumentException("uri is required");
        }
        if (timeoutMillis < 1 || fetchBatch < 1 || maxQueuedCommands < 1 || historySize < 1)
        {
            throw new IllegalArgumentException("timeout, fetch batch, queue bound and history size must be >= 1");
        }
        if (prefix == null || prefix.isEmpty() || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)
        {
            throw new IllegalArgumentException("prefix must be non-empty and hold no braces: " + prefix);
        }
        if (idempotencyWindow < 0 || ttlMillis < 0)
        {
            throw new IllegalArgumentException("idempotency window and TTL must be >= 0");
        }
    }
}
