package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (java.net.http) that collects whole text frames, split into data frames (JSON arrays of
 * messages) and control frames (objects with a {@code type}).
 */
final class WsClient implements WebSocket.Listener, AutoCloseable
{
    static final long TIMEOUT_SECONDS = 20;

    final BlockingQueue<String> rawFrames = new LinkedBlockingQueue<>();
    final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<JsonNode> controls = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile String closeReason;
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean paused;
    private WebSocket ws;

    void attach(final WebSocket ws)
    {
        this.ws = ws;
    }

    WebSocket socket()
    {
        return ws;
    }

    @Override
    public void onOpen(final WebSocket webSocket)
    {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
    {
        partial.append(data);
        if (last)
        {
            final String frame = partial.toString();
            partial.setLength(0);
            rawFrames.add(frame);
            final JsonNode node = TestGateway.json(frame);
            if (node.isArray())
            {
                for (final JsonNode message : node)
                {
                    messages.add(message);
                }
            }
            else
            {
                controls.add(node);
            }
        }
        if (!paused)
        {
            webSocket.request(1);
        }
        return null;
    }

    /**
     * Stops reading from the socket after the frame being read, like a client on a stalled network.
     */
    void pause()
    {
        paused = true;
    }

    /**
     * Reads again.
     */
    void resume()
    {
        paused = false;
        ws.request(1);
    }

    @Override
    public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
    {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(final WebSocket webSocket, final Throwable error)
    {
        closed.completeExceptionally(error);
    }

    @Override
    public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
    {
        webSocket.request(1);
        return null;
    }

    void send(final String text) throws Exception
    {
        ws.sendText(text, true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    void sendBinary(final byte[] data) throws Exception
    {
        ws.sendBinary(ByteBuffer.wrap(data), true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    JsonNode nextMessage() throws InterruptedException
    {
        final JsonNode node = messages.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (node == null)
        {
            throw new AssertionError("no message within " + TIMEOUT_SECONDS + " s; controls: " + controls);
        }
        return node;
    }

    List<JsonNode> nextMessages(final int count) throws InterruptedException
    {
        final List<JsonNode> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            result.add(nextMessage());
        }
        return result;
    }

    JsonNode nextControl() throws InterruptedException
    {
        final JsonNode node = controls.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (node == null)
        {
            throw new AssertionError("no control frame within " + TIMEOUT_SECONDS + " s");
        }
        return node;
    }

    /**
     * Round trip through the gateway: everything the gateway queued for this connection before the pong arrives first.
     */
    void ping() throws Exception
    {
        send("{\"op\":\"ping\"}");
        while (true)
        {
            final JsonNode control = nextControl();
            if ("pong".equals(control.path("type").asText()))
            {
                return;
            }
            controls.add(control);
        }
    }

    int awaitClose() throws Exception
    {
        return closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close()
    {
        if (ws != null && !ws.isOutputClosed())
        {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        if (ws != null)
        {
            ws.abort();
        }
    }
}
