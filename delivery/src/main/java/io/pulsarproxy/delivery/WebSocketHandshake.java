package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.HttpUpgradeListener;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The server side of the RFC 6455 opening handshake, on Undertow's HTTP upgrade: checks the request, answers
 * {@code 101 Switching Protocols} with {@code Sec-WebSocket-Accept}, and hands the raw connection to a listener
 * once the 101 is written.
 * <p>
 * No extension (permessage-deflate) and no subprotocol is negotiated: requested ones are ignored, as Undertow's
 * handshake did before. A request that is not a version 13 WebSocket handshake is refused with problem details:
 * 400, or 426 with {@code Sec-WebSocket-Version: 13} for another version.
 * <p>
 * <b>Note:</b> runs on the IO thread; stateless apart from one SHA-1 digest per thread.
 */
final class WebSocketHandshake
{
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final String VERSION = "13";
    private static final int KEY_BYTES = 16;
    private static final String PROBLEM_TYPE = "application/problem+json";
    private static final String PROBLEM_PREFIX = "urn:pulsar-proxy:problem:";
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(WebSocketHandshake::sha1);

    private WebSocketHandshake()
    {
    }

    /**
     * Answers a handshake: 101 and an upgrade to {@code listener}, or a problem response.
     *
     * @param exchange the request.
     * @param listener receives the connection once the 101 has been written.
     * @return true if the connection is being upgraded.
     */
    static boolean upgrade(final HttpServerExchange exchange, final HttpUpgradeListener listener)
    {
        if (!Methods.GET.equals(exchange.getRequestMethod()) ||
            !hasToken(exchange.getRequestHeaders().get(Headers.UPGRADE), "websocket") ||
            !hasToken(exchange.getRequestHeaders().get(Headers.CONNECTION), "upgrade"))
        {
            refuse(exchange, 400, "not-a-websocket-handshake", "Not a WebSocket handshake",
                "this endpoint takes a WebSocket handshake: GET with Upgrade: websocket and Connection: Upgrade");
            return false;
        }
        final String version = exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_VERSION);
        if (version == null)
        {
            refuse(exchange, 400, "not-a-websocket-handshake", "Not a WebSocket handshake",
                "the handshake has no Sec-WebSocket-Version");
            return false;
        }
        if (!VERSION.equals(version.trim()))
        {
            exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, VERSION);
            refuse(exchange, 426, "unsupported-websocket-version", "Unsupported WebSocket version",
                "WebSocket version " + version + " is not supported; use 13");
            return false;
        }
        final String key = exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_KEY);
        if (!isValidKey(key))
        {
            refuse(exchange, 400, "not-a-websocket-handshake", "Not a WebSocket handshake",
                "the handshake needs a Sec-WebSocket-Key of 16 bytes in base64");
            return false;
        }
        if (!exchange.isHttp11())
        {
            refuse(exchange, 400, "not-a-websocket-handshake", "Not a WebSocket handshake",
                "a WebSocket handshake needs HTTP/1.1");
            return false;
        }
        exchange.getResponseHeaders().put(Headers.UPGRADE, "websocket");
        exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_ACCEPT, accept(key.trim()));
        exchange.upgradeChannel(listener);
        exchange.endExchange();
        return true;
    }

    /**
     * The {@code Sec-WebSocket-Accept} value for a key: base64 of the SHA-1 of the key and the RFC's GUID.
     *
     * @param key the client's {@code Sec-WebSocket-Key}.
     * @return the accept value.
     */
    static String accept(final String key)
    {
        final MessageDigest digest = SHA1.get();
        digest.reset();
        digest.update(key.getBytes(StandardCharsets.US_ASCII));
        digest.update(GUID.getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    private static boolean isValidKey(final String key)
    {
        if (key == null)
        {
            return false;
        }
        try
        {
            return Base64.getDecoder().decode(key.trim()).length == KEY_BYTES;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /**
     * Tells whether a comma-separated header (maybe repeated) holds a token, ignoring case: browsers send
     * {@code Connection: keep-alive, Upgrade}.
     */
    private static boolean hasToken(final HeaderValues values, final String token)
    {
        if (values == null)
        {
            return false;
        }
        for (final String value : values)
        {
            int start = 0;
            while (start <= value.length())
            {
                int comma = value.indexOf(',', start);
                if (comma < 0)
                {
                    comma = value.length();
                }
                if (value.substring(start, comma).trim().equalsIgnoreCase(token))
                {
                    return true;
                }
                start = comma + 1;
            }
        }
        return false;
    }

    /**
     * Sends problem details in the gateway's format (the ingest module's {@code Problem}, which delivery may not
     * depend on).
     */
    private static void refuse(
        final HttpServerExchange exchange, final int status, final String code, final String title,
        final String detail)
    {
        final JsonWriter w = new JsonWriter(256)
            .raw("{\"type\":").string(PROBLEM_PREFIX + code)
            .raw(",\"title\":").string(title)
            .raw(",\"status\":").number(status)
            .raw(",\"detail\":").string(detail)
            .raw(",\"instance\":").string(exchange.getRequestPath())
            .raw("}");
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, PROBLEM_TYPE);
        exchange.getResponseSender().send(ByteBuffer.wrap(w.buffer(), 0, w.length()));
    }

    private static MessageDigest sha1()
    {
        try
        {
            return MessageDigest.getInstance("SHA-1");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-1 is required by every Java platform", ex);
        }
    }
}
