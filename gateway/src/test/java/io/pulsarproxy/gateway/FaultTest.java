package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway under misbehaving clients, with real sockets: bodies cut off or trickled, request heads trickled,
 * WebSockets that vanish without a close, thousands of idle connections, oversized heads, bad bytes, more
 * connections than allowed, foreign origins; and TLS and the access log. After each fault the gateway keeps
 * serving and has published nothing of the broken request.
 */
class FaultTest
{
    private static final String JSON = "application/json";
    private static final int IDLE_CONNECTIONS = 4_000;
    private static final int MAX_HTTP_CONNECTIONS = 32;
    private static final long WAIT_MILLIS = 20_000;

    @TempDir
    Path dir;

    @Test
    void shouldKeepServingAfterAClientDisconnectsMidBody() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient subscriber = gw.subscribe("mid"))
        {
            try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port()))
            {
                final OutputStream out = socket.getOutputStream();
                out.write(head("POST /v1/topics/mid", "Content-Type: application/json", "Content-Length: 1000"));
                out.write("\"012345678".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            assertEquals(1, AuthTest.awaitMetric(gw, "pulsar_ingest_rejected_total", 1),
                "the broken request was not counted as rejected");

            assertSentinelIsFirst(gw, subscriber, "mid");
            final MetricsScrape metrics = gw.metrics();
            assertEquals(2, metrics.value("pulsar_ingest_requests_total"));
            assertEquals(1, metrics.value("pulsar_ingest_messages_total"));
        }
    }

    @Test
    void shouldCloseAConnectionThatTricklesItsRequestHead() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HTTP_HEADER_TIMEOUT_PROP_NAME, "500");
            WsClient subscriber = gw.subscribe("slow");
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port()))
        {
            socket.setSoTimeout((int)WAIT_MILLIS);
            final byte[] request = head("POST /v1/topics/slow", "Content-Type: application/json",
                "X-Padding: " + "p".repeat(400), "Content-Length: 1");
            final AtomicInteger sent = new AtomicInteger();
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread trickler = new Thread(() ->
            {
                try
                {
                    final OutputStream out = socket.getOutputStream();
                    // A byte every 50 ms: the whole head would take over 20 s.
                    for (int i = 0; i < request.length && !stop.get(); i++)
                    {
                        out.write(request[i]);
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(50);
                    }
                }
                catch (final IOException | InterruptedException ex)
                {
                    // the server closed the connection
                }
            }, "slowloris-head");
            trickler.start();
            try
            {
                assertTrue(endsWithinTimeout(socket.getInputStream()), "the server kept the slow connection open");
            }
            finally
            {
                stop.set(true);
                trickler.join();
            }
            assertTrue(sent.get() < request.length, "the whole head was sent: " + sent);

            assertSentinelIsFirst(gw, subscriber, "slow");
            assertEquals(1, gw.metrics().value("pulsar_ingest_requests_total"), "the slow request reached ingest");
        }
    }

    /**
     * The body timer is armed only once a read has to wait for the body, and cancelled when the body is complete: a
     * body that follows its head within the limit is published, and the keep-alive connection survives the limit.
     */
    @Test
    void shouldAcceptABodyThatFollowsItsHeadAndKeepTheConnectionPastTheTimeout() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HTTP_BODY_TIMEOUT_PROP_NAME, "500");
            WsClient subscriber = gw.subscribe("late");
            RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
        {
            http.sendHeadThenBody("/v1/topics/late", "application/json", "\"first\"", 200);
            assertEquals(202, http.read().status());
            assertEquals("first", subscriber.nextMessage().get("payload").asText());

            // Past the limit: a timer still armed would have closed this connection by now.
            Thread.sleep(800);
            final RawHttpConnection.Response second = http.post("/v1/topics/late", "application/json", "\"second\"");
            assertEquals(202, second.status(), second.body());
            assertEquals("second", subscriber.nextMessage().get("payload").asText());
            assertEquals(0, gw.metrics().value("pulsar_ingest_rejected_total", "reason", "body_timeout"));
        }
    }

    @Test
    void shouldCloseAConnectionThatStallsItsBody() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HTTP_BODY_TIMEOUT_PROP_NAME, "500");
            WsClient subscriber = gw.subscribe("stall");
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port()))
        {
            socket.setSoTimeout((int)WAIT_MILLIS);
            final OutputStream out = socket.getOutputStream();
            out.write(head("POST /v1/topics/stall", "Content-Type: application/json", "Content-Length: 100"));
            out.write("\"012345678".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(endsWithinTimeout(socket.getInputStream()), "the server kept the stalled connection open");
            assertEquals(1, AuthTest.awaitMetric(gw, "pulsar_ingest_rejected_total", 1, "reason", "body_timeout"));

            assertSentinelIsFirst(gw, subscriber, "stall");
            assertEquals(1, gw.metrics().value("pulsar_ingest_messages_total"));
        }
    }

    @Test
    void shouldCloseAHalfOpenWebSocketAndKeepTheOneThatAnswersPings() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.WS_PING_PROP_NAME, "200");
            WsClient live = gw.subscribe("beat");
            RawWebSocket silent = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=beat"))
        {
            assertEquals(101, silent.status);
            // The silent client reads nothing and answers no ping: after 2.5 intervals of silence it is cut off.
            assertEquals(1, AuthTest.awaitMetric(gw, "pulsar_connections_closed_total", 1, "reason", "half_open"));
            assertEquals(1, AuthTest.awaitMetric(gw, "pulsar_connections", 1));
            assertTrue(silent.awaitEnd(), "the half-open socket was not closed");

            // The live client (java.net.http answers pings) has been through many intervals and still receives.
            assertEquals(202, gw.publish("beat", "\"still here\"").statusCode());
            final JsonNode message = live.nextMessage();
            assertEquals("still here", message.get("payload").asText());
            assertEquals(1, message.get("seq").asLong());
            final MetricsScrape metrics = gw.metrics();
            assertEquals(1, metrics.value("pulsar_connections_closed_total", "reason", "half_open"));
            assertEquals(1, metrics.value("pulsar_subscriptions"));
        }
    }

    @Test
    void shouldHoldThousandsOfIdleWebSocketsAndDeliverToEveryOne() throws Exception
    {
        final List<RawWebSocket> sockets = new ArrayList<>(IDLE_CONNECTIONS);
        try (TestGateway gw = TestGateway.start())
        {
            try
            {
                for (int i = 0; i < IDLE_CONNECTIONS; i++)
                {
                    final RawWebSocket ws = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=idle");
                    sockets.add(ws);
                    assertEquals(101, ws.status, "connection " + i + ": " + ws.body);
                }
                for (final RawWebSocket ws : sockets)
                {
                    final JsonNode subscribed = TestGateway.json(ws.nextText());
                    assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
                }
                final MetricsScrape held = gw.metrics();
                assertEquals(IDLE_CONNECTIONS, held.value("pulsar_connections"));
                assertEquals(IDLE_CONNECTIONS, held.value("pulsar_subscriptions"));

                final HttpResponse<String> published = gw.publish("idle", "{\"to\":\"everyone\"}");
                assertEquals(202, published.statusCode(), published.body());
                for (final RawWebSocket ws : sockets)
                {
                    final JsonNode frame = TestGateway.json(ws.nextText());
                    assertEquals(1, frame.size(), frame.toString());
                    assertEquals(1, frame.get(0).get("seq").asLong());
                    assertEquals("{\"to\":\"everyone\"}", frame.get(0).get("payload").toString());
                }
                assertEquals(IDLE_CONNECTIONS, gw.metrics().value("pulsar_deliveries_total"));
            }
            finally
            {
                for (final RawWebSocket ws : sockets)
                {
                    ws.close();
                }
            }
            assertEquals(0, AuthTest.awaitMetric(gw, "pulsar_connections", 0));
            assertEquals(0, AuthTest.awaitMetric(gw, "pulsar_subscriptions", 0));
        }
    }

    @Test
    void shouldRefuseAnOversizedRequestHeadAndKeepServing() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HTTP_MAX_HEADER_PROP_NAME, "16k");
            WsClient subscriber = gw.subscribe("big.head");
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port()))
        {
            socket.setSoTimeout((int)WAIT_MILLIS);
            try
            {
                final OutputStream out = socket.getOutputStream();
                out.write(head("POST /v1/topics/big.head", "Content-Type: application/json",
                    "X-Big: " + "a".repeat(100 * 1024), "Content-Length: 1"));
                out.write('1');
                out.flush();
            }
            catch (final SocketException ex)
            {
                // the server closed the connection while the head was still being written
            }
            final String answer = readAll(socket.getInputStream());
            assertFalse(answer.startsWith("HTTP/1.1 2"), "an oversized head was served: " + answer);
            if (!answer.isEmpty())
            {
                final int status = Integer.parseInt(answer.substring(9, 12));
                assertTrue(status >= 400, answer);
            }

            assertEquals(200, gw.get("/healthz").statusCode());
            assertSentinelIsFirst(gw, subscriber, "big.head");
        }
    }

    @Test
    void shouldRefuseInvalidUtf8AndDeeplyNestedJsonAndKeepServing() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); WsClient subscriber = gw.subscribe("bad.bytes"))
        {
            final byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte)0xC3, (byte)0x28, (byte)0xFF, '"', '}'};
            AuthTest.assertProblem(gw.post("/v1/topics/bad.bytes", JSON, invalidUtf8), 400, "malformed-json",
                "/v1/topics/bad.bytes", -1);
            final String deep = "[".repeat(100_000) + "]".repeat(100_000);
            AuthTest.assertProblem(gw.post("/v1/topics/bad.bytes", JSON, deep), 400, "malformed-json",
                "/v1/topics/bad.bytes", -1);
            AuthTest.assertProblem(gw.post("/v1/publish", JSON,
                "[{\"topic\":\"bad.bytes\",\"payload\":1},{\"topic\":\"bad.bytes\",\"payload\":" + deep + "}]"),
                400, "malformed-json", "/v1/publish", 1);

            assertSentinelIsFirst(gw, subscriber, "bad.bytes");
        }
    }

    @Test
    void shouldStopServingConnectionsBeyondTheMaximumUntilOthersClose() throws Exception
    {
        final int clients = 2 * MAX_HTTP_CONNECTIONS;
        try (TestGateway gw = TestGateway.start(
            GatewayConfiguration.HTTP_MAX_CONNECTIONS_PROP_NAME, Integer.toString(MAX_HTTP_CONNECTIONS)))
        {
            final List<Socket> sockets = new ArrayList<>();
            final List<Thread> readers = new ArrayList<>();
            final boolean[] served = new boolean[clients];
            final AtomicInteger servedCount = new AtomicInteger();
            final CountDownLatch allServed = new CountDownLatch(clients);
            try
            {
                for (int i = 0; i < clients; i++)
                {
                    final Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port());
                    sockets.add(socket);
                    socket.getOutputStream().write(head("GET /healthz"));
                    socket.getOutputStream().flush();
                    final int index = i;
                    final Thread reader = new Thread(() ->
                    {
                        try
                        {
                            final String statusLine = readLine(socket.getInputStream());
                            if (statusLine.startsWith("HTTP/1.1 200"))
                            {
                                synchronized (served)
                                {
                                    served[index] = true;
                                }
                                servedCount.incrementAndGet();
                                allServed.countDown();
                            }
                        }
                        catch (final IOException ex)
                        {
                            // closed by the test
                        }
                    }, "max-connections-" + i);
                    reader.setDaemon(true);
                    reader.start();
                    readers.add(reader);
                }

                // Up to the cap, connections are accepted and served; the rest wait in the listen backlog.
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while (servedCount.get() < MAX_HTTP_CONNECTIONS && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
                assertTrue(servedCount.get() >= MAX_HTTP_CONNECTIONS - 2, "served only " + servedCount);
                // Give the gateway ample time to (wrongly) serve more.
                assertFalse(allServed.await(2, TimeUnit.SECONDS), "every connection was served");
                final int firstWave = servedCount.get();
                assertTrue(firstWave <= MAX_HTTP_CONNECTIONS, "served " + firstWave + " connections at once");

                // Closing the served connections lets the waiting ones in.
                synchronized (served)
                {
                    for (int i = 0; i < clients; i++)
                    {
                        if (served[i])
                        {
                            sockets.get(i).close();
                        }
                    }
                }
                assertTrue(allServed.await(WAIT_MILLIS, TimeUnit.MILLISECONDS),
                    "after closing " + firstWave + ", only " + servedCount + " of " + clients + " were served");
            }
            finally
            {
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
                for (final Thread reader : readers)
                {
                    reader.join(TimeUnit.SECONDS.toMillis(5));
                }
            }
            assertEquals(200, gw.get("/healthz").statusCode());
            assertEquals(202, gw.publish("after.cap", "1").statusCode());
        }
    }

    @Test
    void shouldRefuseWebSocketsFromOriginsNotAllowed() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.ALLOWED_ORIGINS_PROP_NAME, "https://app.example"))
        {
            try (RawWebSocket evil = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=o",
                "Origin", "https://evil.example"))
            {
                assertEquals(403, evil.status, evil.body);
                final JsonNode problem = TestGateway.json(evil.body);
                assertEquals("urn:pulsar-proxy:problem:origin-not-allowed", problem.path("type").asText(), evil.body);
                assertEquals(403, problem.path("status").asInt());
            }
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> gw.connectWithHeaders("topic=o", "Origin", "https://evil.example"));
            assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
            assertEquals(403, ((WebSocketHandshakeException)refused.getCause()).getResponse().statusCode());

            try (WsClient allowed = gw.connectWithHeaders("topic=o", "Origin", "https://app.example"))
            {
                assertEquals("subscribed", allowed.nextControl().path("type").asText());
                assertEquals(202, gw.publish("o", "\"hello\"").statusCode());
                assertEquals("hello", allowed.nextMessage().get("payload").asText());
            }
            // No Origin at all: not a browser page, so not a cross-site hijack; let through.
            try (RawWebSocket service = RawWebSocket.open(gw.gateway.port(), "/v1/subscribe?topic=o"))
            {
                assertEquals(101, service.status, service.body);
            }
            assertEquals(2, gw.metrics().value("pulsar_auth_failures_total", "reason", "origin"));
        }
    }

    @Test
    void shouldPublishOverHttpsAndDeliverOverWss() throws Exception
    {
        final Path keystore = keystore(dir);

        try (TestGateway gw = TestGateway.start(trusting(keystore),
            GatewayConfiguration.TLS_KEYSTORE_PROP_NAME, keystore.toString(),
            GatewayConfiguration.TLS_PASSWORD_PROP_NAME, "changeit"))
        {
            assertTrue(gw.gateway.httpUrl().startsWith("https://"), gw.gateway.httpUrl());
            assertTrue(gw.gateway.webSocketUrl().startsWith("wss://"), gw.gateway.webSocketUrl());
            try (WsClient subscriber = gw.subscribe("secure"))
            {
                final HttpResponse<String> published = gw.publish("secure", "{\"over\":\"tls\"}");
                assertEquals(202, published.statusCode(), published.body());
                assertEquals("https", published.uri().getScheme());
                final JsonNode message = subscriber.nextMessage();
                assertEquals("{\"over\":\"tls\"}", message.get("payload").toString());
                assertEquals(1, message.get("seq").asLong());
            }
            // Plain HTTP on the TLS port gets no HTTP answer.
            try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), gw.gateway.port()))
            {
                socket.setSoTimeout((int)WAIT_MILLIS);
                socket.getOutputStream().write(head("GET /healthz"));
                assertFalse(readAll(socket.getInputStream()).startsWith("HTTP/1.1 200"));
            }
        }
    }

    @Test
    void shouldWriteTheAccessLogWithoutBreakingRequests() throws Exception
    {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.err;
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.ACCESS_LOG_PROP_NAME, "true");
            WsClient subscriber = gw.subscribe("logged"))
        {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try
            {
                final HttpResponse<String> published = gw.publish("logged", "{\"a\":1}");
                assertEquals(202, published.statusCode(), published.body());
                assertEquals("{\"a\":1}", subscriber.nextMessage().get("payload").toString());
                assertEquals(200, gw.get("/healthz").statusCode());
                assertEquals(404, gw.get("/nowhere").statusCode());
                assertEquals(200, gw.get("/v1/topics/logged").statusCode());
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while (!logged(captured, "\"GET /nowhere HTTP/1.1\" 404") && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
            }
            finally
            {
                System.setErr(original);
            }
            final String log = captured.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("\"POST /v1/topics/logged HTTP/1.1\" 202"), log);
            assertTrue(log.contains("\"GET /healthz HTTP/1.1\" 200"), log);
            assertTrue(log.contains("\"GET /nowhere HTTP/1.1\" 404"), log);
        }
    }

    private static boolean logged(final ByteArrayOutputStream captured, final String text)
    {
        return captured.toString(StandardCharsets.UTF_8).contains(text);
    }

    /**
     * Generates a PKCS12 keystore (password {@code changeit}) with a self-signed EC key for 127.0.0.1.
     */
    static Path keystore(final Path dir) throws Exception
    {
        final Path keystore = dir.resolve("gateway.p12");
        final Process keytool = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "gw", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
            "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "changeit")
            .redirectErrorStream(true)
            .start();
        final String keytoolOutput = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, keytool.exitValue(), keytoolOutput);
        return keystore;
    }

    static SSLContext trusting(final Path keystore) throws Exception
    {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore))
        {
            store.load(in, "changeit".toCharArray());
        }
        final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /**
     * Publishes a sentinel and checks it is the first message the subscriber gets, with seq 1: nothing of the
     * broken requests before it was published.
     */
    private static void assertSentinelIsFirst(final TestGateway gw, final WsClient subscriber, final String topic)
        throws Exception
    {
        final HttpResponse<String> response = gw.publish(topic, "\"sentinel\"");
        assertEquals(202, response.statusCode(), response.body());
        final JsonNode message = subscriber.nextMessage();
        assertEquals(topic, message.get("topic").asText(), message.toString());
        assertEquals(1, message.get("seq").asLong(), message.toString());
        assertEquals("sentinel", message.get("payload").asText(), message.toString());
    }

    private static byte[] head(final String requestLine, final String... headers)
    {
        final StringBuilder sb = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (final String header : headers)
        {
            sb.append(header).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads until the server closes the connection; true if it did within the socket's read timeout.
     */
    private static boolean endsWithinTimeout(final InputStream in) throws IOException
    {
        final byte[] buffer = new byte[4096];
        try
        {
            while (in.read(buffer) >= 0)
            {
                // whatever the server says before closing
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final SocketException ex)
        {
            return true;
        }
    }

    /**
     * Everything the server sends until it closes (or the read timeout passes), as text.
     */
    private static String readAll(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                out.write(buffer, 0, n);
            }
        }
        catch (final SocketException | SocketTimeoutException ex)
        {
            // reset or silent: what was read is the answer
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readLine(final InputStream in) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n')
        {
            if (c < 0)
            {
                throw new IOException("closed");
            }
            if (c != '\r')
            {
                sb.append((char)c);
            }
        }
        return sb.toString();
    }
}
