package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

/**
 * A real gateway on an ephemeral 127.0.0.1 port with a real HTTP client, for tests; close it to stop both.
 */
final class TestGateway implements AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();

    final Gateway gateway;
    final HttpClient http;

    private TestGateway(final Gateway gateway)
    {
        this(gateway, HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
    }

    private TestGateway(final Gateway gateway, final HttpClient http)
    {
        this.gateway = gateway;
        this.http = http;
    }

    /**
     * Starts a gateway with the given {@code proxy.*} overrides, as alternating names and values.
     */
    static TestGateway start(final String... overrides)
    {
        return new TestGateway(Gateway.start(GatewayConfiguration.load(properties(overrides))));
    }

    /**
     * Starts a gateway as {@link #start(String...)} does, with a client that trusts what {@code tls} trusts: for a
     * gateway started with a keystore, whose URLs are then https and wss.
     */
    static TestGateway start(final SSLContext tls, final String... overrides)
    {
        final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .sslContext(tls)
            .build();
        return new TestGateway(Gateway.start(GatewayConfiguration.load(properties(overrides))), client);
    }

    /**
     * The properties {@link #start(String...)} starts a gateway with.
     */
    static Properties properties(final String... overrides)
    {
        final Properties properties = new Properties();
        properties.setProperty(GatewayConfiguration.HOST_PROP_NAME, "127.0.0.1");
        properties.setProperty(GatewayConfiguration.PORT_PROP_NAME, "0");
        properties.setProperty(GatewayConfiguration.RING_SIZE_PROP_NAME, "16384");
        properties.setProperty(GatewayConfiguration.SHUTDOWN_TIMEOUT_PROP_NAME, "5000");
        for (int i = 0; i < overrides.length; i += 2)
        {
            properties.setProperty(overrides[i], overrides[i + 1]);
        }
        return properties;
    }

    URI uri(final String path)
    {
        return URI.create(gateway.httpUrl() + path);
    }

    HttpResponse<String> post(final String path, final String contentType, final String body)
        throws IOException, InterruptedException
    {
        return post(path, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(final String path, final String contentType, final byte[] body)
        throws IOException, InterruptedException
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null)
        {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> publish(final String topic, final String payload) throws IOException, InterruptedException
    {
        return post("/v1/topics/" + topic, "application/json", payload);
    }

    /**
     * Posts with {@code Authorization: Bearer token}, or with no Authorization header when {@code token} is null.
     */
    HttpResponse<String> postAs(final String token, final String path, final String contentType, final String body)
        throws IOException, InterruptedException
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * Publishes one message with a bearer token (none when null).
     */
    HttpResponse<String> publishAs(final String token, final String topic, final String payload)
        throws IOException, InterruptedException
    {
        return postAs(token, "/v1/topics/" + topic, "application/json", payload);
    }

    /**
     * GETs with {@code Authorization: Bearer token}, or with no Authorization header when {@code token} is null.
     */
    HttpResponse<String> getAs(final String token, final String path) throws IOException, InterruptedException
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * Scrapes {@code GET /metrics}.
     */
    MetricsScrape metrics() throws IOException, InterruptedException
    {
        final HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200)
        {
            throw new AssertionError("GET /metrics -> " + response.statusCode() + " " + response.body());
        }
        return MetricsScrape.parse(response.body());
    }

    HttpResponse<String> get(final String path) throws IOException, InterruptedException
    {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(final String method, final String path) throws IOException, InterruptedException
    {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * Opens a WebSocket to {@code /v1/subscribe} with the given query string (without the {@code ?}).
     */
    WsClient connect(final String query) throws Exception
    {
        return connectWithHeaders(query);
    }

    /**
     * Opens a WebSocket as {@link #connect(String)} does, sending extra handshake headers given as alternating names
     * and values (e.g. {@code "Authorization", "Bearer ..."}, {@code "Origin", "https://app.example"}).
     */
    WsClient connectWithHeaders(final String query, final String... headers) throws Exception
    {
        final WsClient client = new WsClient();
        final String url = gateway.webSocketUrl() + (query == null || query.isEmpty() ? "" : "?" + query);
        final WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2)
        {
            builder.header(headers[i], headers[i + 1]);
        }
        final WebSocket ws = builder.buildAsync(URI.create(url), client).get(10, TimeUnit.SECONDS);
        client.attach(ws);
        return client;
    }

    /**
     * Opens a WebSocket subscribed to the topics and waits for each {@code subscribed} frame.
     */
    WsClient subscribe(final String... topics) throws Exception
    {
        final StringBuilder query = new StringBuilder();
        for (final String topic : topics)
        {
            query.append(query.length() == 0 ? "" : "&").append("topic=").append(topic);
        }
        final WsClient client = connect(query.toString());
        for (int i = 0; i < topics.length; i++)
        {
            final JsonNode frame = client.nextControl();
            if (!"subscribed".equals(frame.path("type").asText()))
            {
                throw new AssertionError("expected a subscribed frame, got " + frame);
            }
        }
        return client;
    }

    static JsonNode json(final String text)
    {
        try
        {
            return JSON.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new AssertionError("not JSON: " + text, ex);
        }
    }

    @Override
    public void close()
    {
        gateway.close();
    }
}
