package io.pulsarproxy.gateway;

import io.pulsarproxy.engine.redis.RedisSettings;

import java.net.URI;

/**
 * Where sequencing and history live: in this process ({@code memory}, the default) or in Valkey/Redis, shared by
 * several gateway nodes ({@code redis}); part of {@link GatewayConfiguration}.
 *
 * @param kind           {@code memory} or {@code redis}.
 * @param redisUri       the server, e.g. {@code redis://127.0.0.1:6379}; {@code rediss://} for TLS, user and password
 *                       in the URI as usual.
 * @param timeoutMillis  how long a Redis command may take; a publish waiting longer is answered 503.
 * @param prefix         first part of every key and channel.
 * @param ttlSeconds     expiry of an idle topic's keys, renewed by each publish; 0 keeps them.
 */
public record EngineSettings(String kind, String redisUri, int timeoutMillis, String prefix, int ttlSeconds)
{
    /** The in-memory engine. */
    public static final String MEMORY = "memory";
    /** The Valkey/Redis engine. */
    public static final String REDIS = "redis";

    /**
     * Checks the values.
     *
     * @throws ConfigException naming the bad value.
     */
    public EngineSettings
    {
        if (!MEMORY.equals(kind) && !REDIS.equals(kind))
        {
            throw new ConfigException(GatewayConfiguration.ENGINE_PROP_NAME + "=" + kind +
                " is not one of: memory, redis");
        }
        final URI parsed = parse(redisUri);
        if (!"redis".equals(parsed.getScheme()) && !"rediss".equals(parsed.getScheme()) || parsed.getHost() == null)
        {
            throw new ConfigException(GatewayConfiguration.REDIS_URI_PROP_NAME +
                " must look like redis://host:port (or rediss:// for TLS): " + masked(redisUri));
        }
        if (prefix.isEmpty() || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)
        {
            throw new ConfigException(GatewayConfiguration.REDIS_PREFIX_PROP_NAME +
                " must be non-empty and hold no braces: " + prefix);
        }
    }

    private static URI parse(final String text)
    {
        try
        {
            return new URI(text);
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new ConfigException(GatewayConfiguration.REDIS_URI_PROP_NAME + " is not a URI: " + masked(text));
        }
    }

    /**
     * Tells whether topics are shared through Redis.
     *
     * @return true for the Redis engine.
     */
    public boolean redis()
    {
        return REDIS.equals(kind);
    }

    /**
     * The Redis engine's settings.
     *
     * @param historySize       messages each topic's stream keeps.
     * @param idempotencyWindow idempotency keys remembered per topic.
     * @return the settings.
     */
    public RedisSettings redisSettings(final int historySize, final int idempotencyWindow)
    {
        return new RedisSettings(redisUri, timeoutMillis, prefix, Math.max(1, historySize), idempotencyWindow,
            ttlSeconds * 1000L, 1000, 100_000);
    }

    /**
     * The URI with any password hidden, for logs.
     *
     * @param uri a Redis URI.
     * @return the URI without credentials.
     */
    static String masked(final String uri)
    {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
