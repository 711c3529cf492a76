package io.pulsarproxy.gateway;

import io.pulsarproxy.ingest.Problem;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves the web console: {@code GET /} is its page, {@code GET /console/{asset}} its stylesheet and script.
 * <p>
 * The files live in the gateway's own jar under {@value #RESOURCE_DIR}; they are plain HTML, CSS and JavaScript that
 * use only the public API ({@code /v1/...} over HTTP and WebSocket), so the console is no more privileged than any
 * other client. Every file is read once, at start, and answered from memory with {@code Cache-Control: no-cache} and
 * an {@code ETag}: a browser revalidates on each load and gets {@code 304} while the gateway is unchanged. The page
 * carries a Content-Security-Policy that allows nothing outside the gateway itself. An unknown asset is a
 * {@code 404} problem.
 * <p>
 * <b>Note:</b> immutable once built; safe on any IO thread.
 */
final class ConsoleHandler implements HttpHandler
{
    /** Classpath folder of the console's files. */
    static final String RESOURCE_DIR = "console/";
    /** URL prefix of the console's assets. */
    static final String ASSET_PATH = "/console/";
    /** Cache policy of every console file: keep, but revalidate before use. */
    static final String CACHE_CONTROL = "no-cache";
    /** What the page may load and connect to: only the gateway that served it. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; " +
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final HttpString CONTENT_SECURITY_POLICY_HEADER = new HttpString("Content-Security-Policy");
    private static final HttpString CONTENT_TYPE_OPTIONS = new HttpString("X-Content-Type-Options");
    private static final HttpString REFERRER_POLICY = new HttpString("Referrer-Policy");

    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private final Asset page;

    ConsoleHandler()
    {
        page = load("index.html", "text/html; charset=utf-8");
        assets.put("console.css", load("console.css", "text/css; charset=utf-8"));
        assets.put("console.js", load("console.js", "text/javascript; charset=utf-8"));
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        final String path = exchange.getRequestPath();
        final Asset asset;
        if (path.equals("/"))
        {
            asset = page;
        }
        else if (path.startsWith(ASSET_PATH) && assets.containsKey(path.substring(ASSET_PATH.length())))
        {
            asset = assets.get(path.substring(ASSET_PATH.length()));
        }
        else
        {
            Problem.send(exchange, 404, "not-found", "Not found", "the console has no file at " + path);
            return;
        }

        exchange.getResponseHeaders()
            .put(Headers.CACHE_CONTROL, CACHE_CONTROL)
            .put(Headers.ETAG, asset.etag)
            .put(CONTENT_TYPE_OPTIONS, "nosniff");
        if (asset == page)
        {
            exchange.getResponseHeaders()
                .put(CONTENT_SECURITY_POLICY_HEADER, CONTENT_SECURITY_POLICY)
                .put(REFERRER_POLICY, "no-referrer");
        }
        final String ifNoneMatch = exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH);
        if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag))
        {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, asset.contentType);
        exchange.getResponseSender().send(ByteBuffer.wrap(asset.bytes));
    }

    private static Asset load(final String name, final String contentType)
    {
        final String resource = RESOURCE_DIR + name;
        try (InputStream in = ConsoleHandler.class.getClassLoader().getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalStateException("the console file " + resource + " is missing from the classpath");
            }
            final byte[] bytes = in.readAllBytes();
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            final String etag = "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
            return new Asset(bytes, contentType, etag);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the console file " + resource, ex);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private record Asset(byte[] bytes, String contentType, String etag)
    {
    }
}
