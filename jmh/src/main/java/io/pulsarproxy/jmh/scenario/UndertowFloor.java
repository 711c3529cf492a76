package io.pulsarproxy.jmh.scenario;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Bare Undertow with the gateway's HTTP settings and a handler that does no work: it reads a publish body whole and
 * answers a fixed 202. What the runner measures against it is the floor any Undertow-based gateway pays per request
 * on this machine, the part of the gap to the runner's ceiling that is the HTTP layer's and not the pipeline's.
 * <p>
 * Run as its own process and point the runner at it:
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.pulsarproxy.jmh.scenario.UndertowFloor 18081 &amp;
 * java -cp jmh/target/benchmarks.jar io.pulsarproxy.jmh.scenario.ScenarioRunner --url http://127.0.0.1:18081 \
 *     --no-ceiling --only single,concurrent --scale 20
 * </pre>
 * Only publishing scenarios make sense against it (it has no WebSocket endpoint).
 */
public final class UndertowFloor
{
    private static final byte[] ACCEPTED = "{\"accepted\":1}".getBytes(StandardCharsets.US_ASCII);

    private UndertowFloor()
    {
    }

    /**
     * Starts the server on 127.0.0.1; it runs until the process is stopped.
     *
     * @param args the port, then optionally the IO thread count (default 2, the gateway's on 2 cores).
     */
    public static void main(final String[] args)
    {
        final int port = Integer.parseInt(args[0]);
        final int ioThreads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Undertow.builder()
            .addHttpListener(port, "127.0.0.1")
            .setIoThreads(ioThreads)
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
            .setHandler(UndertowFloor::handle)
            .build()
            .start();
    }

    private static void handle(final HttpServerExchange exchange)
    {
        if ("/readyz".equals(exchange.getRequestPath()))
        {
            exchange.getResponseSender().send("{\"status\":\"ready\"}");
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes((ex, body) ->
        {
            ex.setStatusCode(202);
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(ByteBuffer.wrap(ACCEPTED));
        });
    }
}
