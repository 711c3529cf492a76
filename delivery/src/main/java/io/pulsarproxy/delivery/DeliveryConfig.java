package io.pulsarproxy.delivery;

/**
 * The settings of the subscriber endpoints, built once by the gateway from its configuration.
 *
 * @param outboundMaxBytes   bytes one connection may have queued or in flight.
 * @param slowPolicy         what to do when a connection would exceed that bound.
 * @param maxConnections     WebSocket connections the gateway accepts at once.
 * @param maxClientFrameBytes largest frame a client may send.
 * @param maxJsonDepth       deepest JSON nesting accepted in client frames.
 * @param sseHeartbeatMillis how long an SSE stream may stay quiet before a comment line is sent.
 * @param wsPingIntervalMillis how often each WebSocket is pinged; one silent for 2.5 intervals is closed.
 * @param outboundTotalMaxBytes bytes all connections together may have queued or in flight.
 */
public record DeliveryConfig(
    int outboundMaxBytes,
    SlowConsumerPolicy slowPolicy,
    int maxConnections,
    int maxClientFrameBytes,
    int maxJsonDepth,
    long sseHeartbeatMillis,
    long wsPingIntervalMillis,
    long outboundTotalMaxBytes)
{
}
