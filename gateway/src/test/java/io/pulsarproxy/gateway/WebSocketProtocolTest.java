package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's own RFC 6455 server side, over a raw socket that can send any frame: the handshake's refusals,
 * fragmentation, masking, UTF-8, reserved bits and opcodes, ping and close, the message size limit, frames sent
 * together with the handshake, and in-order delivery to a subscriber that reads slowly (plain and TLS), which goes
 * through many partial writes.
 */
class WebSocketProtocolTest
{
    private static final int FIN = 0x80;
    private static final int TEXT = 1;
    private static final int BINARY = 2;
    private static final int CONTINUATION = 0;
    private static final int CLOSE = RawWebSocket.OPCODE_CLOSE;
    private static final int PING = RawWebSocket.OPCODE_PING;
    private static final int PONG = RawWebSocket.OPCODE_PONG;
    private static final int MAX_FRAME = 1024;
    private static final int SLOW_MESSAGES = 200;
    private static final int SLOW_PAYLOAD_CHARS = 60_000;
    private static final int LONG_PAYLOAD_CHARS = 100_000;
    private static final int SMALL_RECEIVE_BUFFER = 8 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldProcessAFragmentedMessageWithAPingBetweenItsFragments() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, ""))
        {
            ws.sendFrame(TEXT, bytes("{\"op\":\"sub"), true);
            ws.sendFrame(FIN | PING, bytes("between"), true);
            ws.sendFrame(CONTINUATION, bytes("scribe\",\"topic\":"), true);
            // A code point split across fragments is valid: UTF-8 is checked on the whole message.
            final byte[] eAcute = "\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
            final int split = eAcute.length - 3; // between the two bytes of é
            ws.sendFrame(CONTINUATION, java.util.Arrays.copyOf(eAcute, split), true);
            ws.sendFrame(FIN | CONTINUATION, java.util.Arrays.copyOfRange(eAcute, split, eAcute.length), true);

            final RawWebSocket.Frame pong = ws.nextFrame();
            assertEquals(PONG, pong.opcode(), "the ping between fragments is answered first");
            assertEquals("between", pong.text());
            final JsonNode answer = TestGateway.json(ws.nextText());
            // "café" is not a valid topic name: the op was parsed whole, with its topic, and refused as a topic.
            assertEquals("error", answer.path("type").asText(), answer.toString());
            assertEquals("bad-topic", answer.path("code").asText(), answer.toString());
            assertEquals("caf\u00e9", answer.path("topic").asText(), answer.toString());

            ws.sendFrame(TEXT, bytes("{\"op\":"), true);
            ws.sendFrame(FIN | CONTINUATION, bytes("\"subscribe\",\"topic\":\"frag\"}"), true);
            final JsonNode subscribed = TestGateway.json(ws.nextText());
            assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
            assertEquals("frag", subscribed.path("topic").asText(), subscribed.toString());
            assertEquals(202, gw.publish("frag", "{\"n\":1}").statusCode());
            final JsonNode data = TestGateway.json(ws.nextText());
            assertEquals(1, data.path(0).path("seq").asLong(), data.toString());
        }
    }

    @Test
    void shouldReassembleFramesThatArriveInPieces() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, ""))
        {
            // A topic of 200 characters: the frame needs the 16-bit length, split here inside the header.
            final String topic = "p".repeat(200);
            sendInPieces(ws, RawWebSocket.frame(FIN | TEXT,
                bytes("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}"), true), 1, 3, 7, 100);
            final JsonNode subscribed = TestGateway.json(ws.nextText());
            assertEquals("subscribed", subscribed.path("type").asText(), subscribed.toString());
            assertEquals(topic, subscribed.path("topic").asText());

            // Larger than what a connection first keeps of an incomplete frame: the buffer grows to the frame.
            final String big = "{\"op\":\"ping\",\"pad\":\"" + "x".repeat(5_000) + "\"}";
            sendInPieces(ws, RawWebSocket.frame(FIN | TEXT, bytes(big), true), 2, 300, 4_000);
            final JsonNode error = TestGateway.json(ws.nextText());
            assertEquals("bad-op", error.path("code").asText(), "the whole frame was parsed: " + error);

            sendInPieces(ws, RawWebSocket.frame(FIN | PING, bytes("split"), true), 1, 2, 5);
            final RawWebSocket.Frame pong = ws.nextFrame();
            assertEquals(PONG, pong.opcode());
            assertEquals("split", pong.text());
        }
    }

    /**
     * Writes a frame in pieces that end at the given offsets, pausing between them so that each arrives in a read
     * of its own.
     */
    private static void sendInPieces(final RawWebSocket ws, final byte[] frame, final int... cuts) throws Exception
    {
        int from = 0;
        for (final int cut : cuts)
        {
            ws.sendBytes(java.util.Arrays.copyOfRange(frame, from, cut));
            from = cut;
            Thread.sleep(30);
        }
        ws.sendBytes(java.util.Arrays.copyOfRange(frame, from, frame.length));
    }

    @Test
    void shouldEchoThePingPayloadInAPong() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, ""))
        {
            final byte[] payload = new byte[125];
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] = (byte)(i * 7);
            }
            ws.sendFrame(FIN | PING, payload, true);
            final RawWebSocket.Frame pong = ws.nextFrame();
            assertEquals(PONG, pong.opcode());
            assertTrue(java.util.Arrays.equals(payload, pong.payload()), "the pong must carry the ping's payload");
            ws.sendFrame(FIN | PONG, bytes("unsolicited"), true); // allowed, and unanswered
            ws.sendText("{\"op\":\"ping\"}");
            assertEquals("pong", TestGateway.json(ws.nextText()).path("type").asText());
        }
    }

    @Test
    void shouldCloseWith1002OnAnUnmaskedFrame() throws Exception
    {
        expectClose(1002, FIN | TEXT, bytes("{\"op\":\"ping\"}"), false);
    }

    @Test
    void shouldCloseWith1002OnReservedBitsOrOpcodes() throws Exception
    {
        expectClose(1002, FIN | 0x40 | TEXT, bytes("{\"op\":\"ping\"}"), true); // RSV1 without permessage-deflate
        expectClose(1002, FIN | 0x10 | TEXT, bytes("{\"op\":\"ping\"}"), true); // RSV3
        expectClose(1002, FIN | 3, bytes("x"), true); // reserved data opcode
        expectClose(1002, FIN | 11, bytes("x"), true); // reserved control opcode
        expectClose(1002, PING, bytes("x"), true); // fragmented control frame
        expectClose(1002, FIN | CONTINUATION, bytes("x"), true); // continuation of nothing
        expectClose(1002, FIN | CLOSE, bytes("x"), true); // close payload of one byte
        expectClose(1002, FIN | CLOSE, new byte[]{0x03, (byte)0xED}, true); // close code 1005 may not be sent
    }

    @Test
    void shouldCloseWith1007OnInvalidUtf8() throws Exception
    {
        expectClose(1007, FIN | TEXT, new byte[]{'{', '"', (byte)0xC3, '"', '}'}, true); // cut two-byte sequence
        expectClose(1007, FIN | TEXT, new byte[]{'"', (byte)0xED, (byte)0xA0, (byte)0x80, '"'}, true); // surrogate
        expectClose(1007, FIN | TEXT, new byte[]{'"', (byte)0xC0, (byte)0xAF, '"'}, true); // overlong '/'
    }

    @Test
    void shouldCloseWith1009OnAMessageOverTheLimitAndAcceptOneAtIt() throws Exception
    {
        try (TestGateway gw = TestGateway.start(
            GatewayConfiguration.WS_MAX_FRAME_PROP_NAME, Integer.toString(MAX_FRAME)))
        {
            try (RawWebSocket ws = open(gw, ""))
            {
                // Exactly at the limit: parsed (and refused as an op, with an error frame; the connection stays).
                ws.sendText("{\"op\":\"ping\",\"x\":\"" + "a".repeat(MAX_FRAME - 20) + "\"}");
                final JsonNode error = TestGateway.json(ws.nextText());
                assertEquals("bad-op", error.path("code").asText(), error.toString());
                ws.sendText("{\"op\":\"ping\"}");
                assertEquals("pong", TestGateway.json(ws.nextText()).path("type").asText());
            }
            try (RawWebSocket ws = open(gw, ""))
            {
                ws.sendFrame(FIN | TEXT, bytes("\"" + "a".repeat(MAX_FRAME) + "\""), true);
                assertClosedWith(ws, 1009);
            }
            try (RawWebSocket ws = open(gw, ""))
            {
                // Fragments under the limit, the message over it.
                ws.sendFrame(TEXT, bytes("\"" + "a".repeat(MAX_FRAME / 2)), true);
                ws.sendFrame(FIN | CONTINUATION, bytes("a".repeat(MAX_FRAME / 2) + "\""), true);
                assertClosedWith(ws, 1009);
            }
            try (RawWebSocket ws = open(gw, ""))
            {
                ws.sendFrame(FIN | BINARY, new byte[MAX_FRAME + 1], true);
                assertClosedWith(ws, 1009);
            }
            awaitConnections(gw, 0);
        }
    }

    @Test
    void shouldEchoAClientCloseAndEndTheConnection() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, "topic=bye"))
        {
            assertEquals("subscribed", TestGateway.json(ws.nextText()).path("type").asText());
            awaitConnections(gw, 1);
            ws.sendFrame(FIN | CLOSE, closePayload(4000, "bye"), true);
            final RawWebSocket.Frame close = ws.nextFrame();
            assertEquals(CLOSE, close.opcode());
            assertEquals(4000, close.closeCode());
            assertEquals("bye", new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8));
            assertNull(ws.nextFrame(), "the connection ends after the close handshake");
            awaitConnections(gw, 0);
            final JsonNode topic = TestGateway.json(gw.get("/v1/topics/bye").body());
            assertEquals(0, topic.path("subscribers").asInt(), "the closed connection was not detached: " + topic);
        }
    }

    @Test
    void shouldAnswerACloseWithoutACodeWith1000() throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, ""))
        {
            ws.sendFrame(FIN | CLOSE, new byte[0], true);
            assertClosedWith(ws, 1000);
        }
    }

    @Test
    void shouldReadFramesSentTogetherWithTheHandshake() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            RawWebSocket ws = RawWebSocket.start(gw.gateway.port(), "/v1/subscribe"))
        {
            // Both ops follow the request head at once, before the 101 is read: they may arrive with the head.
            final byte[] one =
                RawWebSocket.frame(FIN | TEXT, bytes("{\"op\":\"subscribe\",\"topic\":\"early\"}"), true);
            final byte[] two = RawWebSocket.frame(FIN | TEXT, bytes("{\"op\":\"ping\"}"), true);
            final byte[] both = java.util.Arrays.copyOf(one, one.length + two.length);
            System.arraycopy(two, 0, both, one.length, two.length);
            ws.sendBytes(both);
            ws.readHandshake();
            assertEquals(101, ws.status);
            // The pong is answered on the IO thread, the subscription after its trip through the ring: either first.
            final java.util.Set<String> answers = new java.util.TreeSet<>();
            answers.add(TestGateway.json(ws.nextText()).path("type").asText());
            answers.add(TestGateway.json(ws.nextText()).path("type").asText());
            assertEquals(java.util.Set.of("subscribed", "pong"), answers);
        }
    }

    @Test
    void shouldRefuseHandshakesThatAreNotVersion13WebSockets() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final int port = gw.gateway.port();
            final String key = "dGhlIHNhbXBsZSBub25jZQ==";
            try (RawWebSocket noKey = RawWebSocket.request(port, head("Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Version: 13")))
            {
                assertProblem(noKey, 400, "not-a-websocket-handshake");
            }
            try (RawWebSocket badKey = RawWebSocket.request(port, head("Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: c2hvcnQ=")))
            {
                assertProblem(badKey, 400, "not-a-websocket-handshake");
            }
            try (RawWebSocket v8 = RawWebSocket.request(port, head("Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: " + key)))
            {
                assertProblem(v8, 426, "unsupported-websocket-version");
                assertEquals("13", v8.headers.get("sec-websocket-version"));
            }
            try (RawWebSocket plain = RawWebSocket.request(port, head("Accept: application/json")))
            {
                assertProblem(plain, 400, "not-a-websocket-handshake");
            }
            try (RawWebSocket noConnection = RawWebSocket.request(port, head("Upgrade: websocket",
                "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + key)))
            {
                assertProblem(noConnection, 400, "not-a-websocket-handshake");
            }
            // Browsers send "Connection: keep-alive, Upgrade"; a requested subprotocol or extension is not taken up.
            try (RawWebSocket browser = RawWebSocket.request(port, head("Upgrade: WebSocket",
                "Connection: keep-alive, Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + key,
                "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate")))
            {
                assertEquals(101, browser.status, browser.body);
                assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", browser.headers.get("sec-websocket-accept"));
                assertNull(browser.headers.get("sec-websocket-protocol"));
                assertNull(browser.headers.get("sec-websocket-extensions"));
            }
            assertEquals(200, gw.get("/healthz").statusCode(), "the gateway keeps serving");
        }
    }

    @Test
    void shouldDeliverEverythingInOrderToASubscriberThatReadsSlowly() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "64m"))
        {
            final Socket socket = new Socket();
            socket.setReceiveBufferSize(SMALL_RECEIVE_BUFFER);
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), gw.gateway.port()));
            readSlowly(gw, socket, "slow.plain");
        }
    }

    @Test
    void shouldDeliverEverythingInOrderToASubscriberThatReadsSlowlyOverTls() throws Exception
    {
        final Path keystore = FaultTest.keystore(dir);
        final SSLContext tls = FaultTest.trusting(keystore);
        try (TestGateway gw = TestGateway.start(tls,
            GatewayConfiguration.TLS_KEYSTORE_PROP_NAME, keystore.toString(),
            GatewayConfiguration.TLS_PASSWORD_PROP_NAME, "changeit",
            GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "64m"))
        {
            final SSLSocket socket = (SSLSocket)tls.getSocketFactory().createSocket();
            socket.setReceiveBufferSize(SMALL_RECEIVE_BUFFER);
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), gw.gateway.port()));
            socket.startHandshake();
            readSlowly(gw, socket, "slow.tls");
        }
    }

    @Test
    void shouldDeliverEveryMessageInOrderToMoreSubscribersThanOneFlushWrites() throws Exception
    {
        // More connections than a flush writes before it yields to the selector, on both IO threads, while messages
        // keep coming: the flushes resume after each yield and every connection gets every message, in order.
        final int subscribers = 8 * 16;
        final int messages = 100;
        final java.util.List<RawWebSocket> sockets = new java.util.ArrayList<>();
        try (TestGateway gw = TestGateway.start())
        {
            for (int i = 0; i < subscribers; i++)
            {
                final RawWebSocket ws = open(gw, "topic=many");
                sockets.add(ws);
                assertEquals("subscribed", TestGateway.json(ws.nextText()).path("type").asText());
            }
            for (int i = 1; i <= messages; i++)
            {
                assertEquals(202, gw.publish("many", Integer.toString(i)).statusCode());
            }
            for (final RawWebSocket ws : sockets)
            {
                long expected = 1;
                while (expected <= messages)
                {
                    for (final JsonNode message : TestGateway.json(ws.nextText()))
                    {
                        assertEquals(expected, message.path("seq").asLong());
                        assertEquals(expected, message.path("payload").asLong());
                        expected++;
                    }
                }
            }
        }
        finally
        {
            for (final RawWebSocket ws : sockets)
            {
                ws.close();
            }
        }
    }

    @Test
    void shouldDeliverEveryMessageInOrderWhenOneIoThreadReadsBetweenItsWrites() throws Exception
    {
        // One IO thread reads four publishers' requests and writes all 40 connections. Under back-to-back publishing
        // its flusher writes one connection per turn and selects in between, so requests are read while frames still
        // wait and their messages join them. Every subscriber must still get every seq once, in order, and each
        // publisher's messages in the order it sent them.
        final int subscribers = 40;
        final int publishers = 4;
        final int perPublisher = 150;
        final java.util.List<RawWebSocket> sockets = new java.util.ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(publishers);
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.IO_THREADS_PROP_NAME, "1"))
        {
            for (int i = 0; i < subscribers; i++)
            {
                final RawWebSocket ws = open(gw, "topic=turns");
                sockets.add(ws);
                assertEquals("subscribed", TestGateway.json(ws.nextText()).path("type").asText());
            }
            final java.util.List<Future<?>> sent = new java.util.ArrayList<>();
            for (int p = 0; p < publishers; p++)
            {
                final int publisher = p;
                sent.add(pool.submit(() ->
                {
                    for (int i = 0; i < perPublisher; i++)
                    {
                        assertEquals(202,
                            gw.publish("turns", "{\"p\":" + publisher + ",\"i\":" + i + "}").statusCode());
                    }
                    return null;
                }));
            }
            for (final Future<?> f : sent)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            for (final RawWebSocket ws : sockets)
            {
                final int[] next = new int[publishers];
                long expectedSeq = 1;
                while (expectedSeq <= (long)publishers * perPublisher)
                {
                    for (final JsonNode message : TestGateway.json(ws.nextText()))
                    {
                        assertEquals(expectedSeq, message.path("seq").asLong());
                        final int publisher = message.path("payload").path("p").asInt();
                        assertEquals(next[publisher], message.path("payload").path("i").asInt());
                        next[publisher]++;
                        expectedSeq++;
                    }
                }
            }
        }
        finally
        {
            pool.shutdownNow();
            for (final RawWebSocket ws : sockets)
            {
                ws.close();
            }
        }
    }

    /**
     * Publishes {@link #SLOW_MESSAGES} large messages while the socket, with a small receive buffer, reads slowly:
     * the gateway's writes are partial again and again; every message must arrive whole, once, in order.
     */
    private static void readSlowly(final TestGateway gw, final Socket socket, final String topic) throws Exception
    {
        final ExecutorService publisher = Executors.newSingleThreadExecutor();
        try (RawWebSocket ws = RawWebSocket.openOver(socket, gw.gateway.port(), "/v1/subscribe?topic=" + topic))
        {
            assertEquals(101, ws.status, ws.body);
            assertEquals("subscribed", TestGateway.json(ws.nextText()).path("type").asText());
            final Future<?> published = publisher.submit(() ->
            {
                for (int i = 1; i <= SLOW_MESSAGES; i++)
                {
                    final HttpResponse<String> reply = gw.publish(topic, payload(i));
                    assertEquals(202, reply.statusCode(), reply.body());
                }
                return null;
            });
            long expected = 1;
            int frames = 0;
            while (expected <= SLOW_MESSAGES)
            {
                final JsonNode frame = TestGateway.json(ws.nextText());
                frames++;
                assertTrue(frame.isArray(), () -> "unexpected control frame " + frame);
                for (final JsonNode message : frame)
                {
                    assertEquals(expected, message.path("seq").asLong(), "seq out of order or missing");
                    assertEquals(TestGateway.json(payload((int)expected)), message.path("payload"),
                        "payload of seq " + expected);
                    expected++;
                }
                if (frames % 4 == 0)
                {
                    Thread.sleep(5); // a slow reader: the gateway's socket buffer fills and its writes are partial
                }
            }
            published.get(60, TimeUnit.SECONDS);
            assertEquals(SLOW_MESSAGES + 1, expected);
            assertEquals(0, TestGateway.json(gw.get("/v1/stats").body()).path("gaps").asLong(), "nothing dropped");
        }
        finally
        {
            publisher.shutdownNow();
        }
    }

    /**
     * A payload of about 60 KB, and every tenth one over 64 KiB: a frame of its own then needs the 8-byte length.
     */
    private static String payload(final int seq)
    {
        final int chars = seq % 10 == 0 ? LONG_PAYLOAD_CHARS : SLOW_PAYLOAD_CHARS;
        return "{\"seq\":" + seq + ",\"fill\":\"" + String.valueOf((char)('a' + seq % 26)).repeat(chars) + "\"}";
    }

    private static RawWebSocket open(final TestGateway gw, final String query) throws Exception
    {
        final String path = "/v1/subscribe" + (query.isEmpty() ? "" : "?" + query);
        final RawWebSocket ws = RawWebSocket.open(gw.gateway.port(), path);
        assertEquals(101, ws.status, ws.body);
        return ws;
    }

    /**
     * Sends one frame on a new connection and expects the gateway to close it with {@code code}, then to end it and
     * release it.
     */
    private static void expectClose(final int code, final int firstByte, final byte[] payload, final boolean masked)
        throws Exception
    {
        try (TestGateway gw = TestGateway.start(); RawWebSocket ws = open(gw, "topic=doomed"))
        {
            assertEquals("subscribed", TestGateway.json(ws.nextText()).path("type").asText());
            ws.sendFrame(firstByte, payload, masked);
            assertClosedWith(ws, code);
            // The gateway waits for the client to end the connection (its close frame or end of stream).
            ws.close();
            awaitConnections(gw, 0);
        }
    }

    private static void assertClosedWith(final RawWebSocket ws, final int code) throws Exception
    {
        RawWebSocket.Frame frame = ws.nextFrame();
        while (frame != null && frame.opcode() != CLOSE)
        {
            frame = ws.nextFrame();
        }
        assertNotNull(frame, "the connection ended without a close frame");
        final byte[] payload = frame.payload();
        assertEquals(code, frame.closeCode(),
            () -> "close reason: " + new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8));
        assertTrue(ws.awaitEnd(), "the connection did not end after the close frame");
    }

    private static void awaitConnections(final TestGateway gw, final int expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gw.gateway.subscribeEndpoint().counters().connections() != expected && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertEquals(expected, gw.gateway.subscribeEndpoint().counters().connections(), "open connections");
    }

    private static void assertProblem(final RawWebSocket answer, final int status, final String code)
    {
        assertEquals(status, answer.status, answer.body);
        assertEquals("application/problem+json", answer.headers.get("content-type"));
        final JsonNode problem = TestGateway.json(answer.body);
        assertEquals("urn:pulsar-proxy:problem:" + code, problem.path("type").asText(), answer.body);
        assertEquals(status, problem.path("status").asInt(), answer.body);
        assertFalse(problem.path("detail").asText().isBlank(), answer.body);
    }

    private static String head(final String... headers)
    {
        final StringBuilder sb = new StringBuilder("GET /v1/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (final String header : headers)
        {
            sb.append(header).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private static byte[] closePayload(final int code, final String reason)
    {
        final byte[] text = bytes(reason);
        final byte[] payload = new byte[2 + text.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
