package io.pulsarproxy.ingest;

/**
 * The limits of the publish endpoints, built once by the gateway from its configuration.
 *
 * @param maxPayloadBytes  largest payload of one message.
 * @param maxBatchMessages most messages in one request; never more than the ring holds.
 * @param maxBatchBytes    largest request body.
 * @param maxJsonDepth     deepest JSON nesting accepted.
 * @param maxIdBytes       longest idempotency key.
 * @param bodyTimeoutMillis time a client has to send a publish body before its connection is closed.
 */
public record IngestConfig(
    int maxPayloadBytes,
    int maxBatchMessages,
    int maxBatchBytes,
    int maxJsonDepth,
    int maxIdBytes,
    int bodyTimeoutMillis)
{
}
