package io.pulsarproxy.gateway;

import java.util.concurrent.CountDownLatch;

/**
 * Starts the gateway from system properties and serves until SIGTERM or Ctrl-C.
 * <p>
 * Exit codes: 1 when the server cannot start (e.g. the port is taken), 2 for bad configuration; after SIGTERM the
 * JVM exits with the usual 143 once the graceful shutdown has run.
 */
public final class GatewayMain
{
    private GatewayMain()
    {
    }

    /**
     * Runs the gateway.
     *
     * @param args ignored; configuration is by {@code -Dproxy.*} system properties.
     */
    public static void main(final String[] args)
    {
        final GatewayConfiguration config;
        try
        {
            config = GatewayConfiguration.load(System.getProperties());
        }
        catch (final ConfigException ex)
        {
            System.err.println("pulsar-proxy: configuration error: " + ex.getMessage());
            System.exit(2);
            return;
        }
        System.out.println(config);

        final Gateway gateway;
        try
        {
            gateway = Gateway.start(config);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("pulsar-proxy: cannot start on " + config.host() + ":" + config.port() + ": " +
                (ex.getCause() != null ? ex.getCause().getMessage() : ex.getMessage()));
            System.exit(1);
            return;
        }

        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            gateway.close();
            stopped.countDown();
        }, "pulsar-shutdown"));

        System.out.println("Pulsar Proxy listening");
        System.out.println("  publish:   curl -X POST -H 'Content-Type: application/json' -d '{\"hello\":\"world\"}' " +
            gateway.httpUrl() + "/v1/topics/demo");
        System.out.println("  subscribe: " + gateway.webSocketUrl() + "?topic=demo");
        System.out.println("  health:    " + gateway.httpUrl() + "/healthz");
        System.out.flush();

        try
        {
            stopped.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
