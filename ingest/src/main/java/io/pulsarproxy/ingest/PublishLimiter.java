package io.pulsarproxy.ingest;

/**
 * Admits publish requests within a rate per caller (the token's subject, or the client address).
 */
@FunctionalInterface
public interface PublishLimiter
{
    /** No limit. */
    PublishLimiter NONE = (key, messages, bytes) -> 0;

    /**
     * Takes {@code messages} and {@code bytes} from the caller's allowance.
     *
     * @param key      the caller.
     * @param messages messages in the request.
     * @param bytes    body bytes of the request.
     * @return 0 when admitted (and charged); otherwise nanoseconds until such a request could be admitted, and
     *         nothing was charged.
     */
    long tryAcquire(String key, int messages, long bytes);
}
