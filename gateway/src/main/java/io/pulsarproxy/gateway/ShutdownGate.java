package io.pulsarproxy.gateway;

import io.pulsarproxy.ingest.Problem;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outermost handler: counts requests in progress and, once closed, answers every new one with 503 so that
 * shutdown can wait for the requests already accepted (a publish waiting for its 202) and then drain the ring.
 */
final class ShutdownGate implements HttpHandler
{
    private final HttpHandler next;
    private final IntConsumer responses;
    private final AtomicInteger active = new AtomicInteger();
    private static final AttachmentKey<Boolean> STREAMING = AttachmentKey.create(Boolean.class);

    private final ExchangeCompletionListener onComplete = this::completed;

    private void completed(
        final HttpServerExchange exchange, final ExchangeCompletionListener.NextListener nextListener)
    {
        if (exchange.getAttachment(STREAMING) == null)
        {
            active.decrementAndGet();
        }
        responses.accept(exchange.getStatusCode());
        nextListener.proceed();
    }
    private volatile boolean closed;

    ShutdownGate(final HttpHandler next, final IntConsumer responses)
    {
        this.next = next;
        this.responses = responses;
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (closed)
        {
            responses.accept(503);
            exchange.setPersistent(false);
            Problem.send(exchange, 503, "shutting-down", "Shutting down",
                "the gateway is shutting down and accepts no new requests", -1, 1);
            return;
        }
        active.incrementAndGet();
        exchange.addExchangeCompleteListener(onComplete);
        next.handleRequest(exchange);
    }

    /**
     * Stops counting a request that has become a long-lived stream (SSE): shutdown does not wait for it to end but
     * ends it itself after the ring has drained.
     *
     * @param exchange the request.
     */
    void streaming(final HttpServerExchange exchange)
    {
        if (exchange.putAttachment(STREAMING, Boolean.TRUE) == null)
        {
            active.decrementAndGet();
        }
    }

    /**
     * Refuses new requests from now on.
     */
    void close()
    {
        closed = true;
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * Waits for the requests in progress to complete.
     *
     * @return true if none is left.
     */
    boolean awaitIdle(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (active.get() > 0)
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }
}
