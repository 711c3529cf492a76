package io.pulsarproxy.gateway;

/**
 * Server hygiene settings: connection and header bounds, timeouts against slow or idle peers, TLS and the access
 * log; part of {@link GatewayConfiguration}.
 *
 * @param maxConnections         TCP connections the server accepts at once.
 * @param maxHeaderBytes         largest request head.
 * @param headerTimeoutMillis    time allowed to send the request head (slowloris).
 * @param bodyTimeoutMillis      time allowed to send a publish body.
 * @param idleTimeoutMillis      keep-alive connections idle longer are closed.
 * @param wsPingIntervalMillis   how often the server pings each WebSocket; one silent for 2.5 intervals is closed.
 * @param tlsKeystore            path of a PKCS12/JKS keystore for HTTPS/WSS, or null for plain HTTP.
 * @param tlsKeystorePassword    its password.
 * @param tlsKeystoreType        its type, PKCS12 or JKS.
 * @param accessLog              whether to log one line per request.
 */
public record HttpSettings(
    int maxConnections,
    int maxHeaderBytes,
    int headerTimeoutMillis,
    int bodyTimeoutMillis,
    int idleTimeoutMillis,
    int wsPingIntervalMillis,
    String tlsKeystore,
    String tlsKeystorePassword,
    String tlsKeystoreType,
    boolean accessLog)
{
    /**
     * Tells whether the server speaks TLS.
     *
     * @return true with a keystore.
     */
    public boolean tls()
    {
        return tlsKeystore != null;
    }
}
