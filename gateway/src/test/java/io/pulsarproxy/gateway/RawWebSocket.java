package io.pulsarproxy.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client done by hand over a plain socket: it writes the upgrade request itself and reads frames only
 * when asked, so a test can play a client that never reads, never answers pings, or vanishes without a close, and
 * can hold thousands of connections without a thread each.
 * <p>
 * When the handshake is refused, {@link #status}, {@link #headers} and {@link #body} hold the HTTP answer.
 */
final class RawWebSocket implements AutoCloseable
{
    static final int OPCODE_TEXT = 1;
    static final int OPCODE_CLOSE = 8;
    static final int OPCODE_PING = 9;
    static final int OPCODE_PONG = 10;
    static final int READ_TIMEOUT_MILLIS = 20_000;

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    final Socket socket;
    int status;
    final Map<String, String> headers = new HashMap<>();
    String body = "";
    private final InputStream in;
    private final OutputStream out;
    private final String key;
    private final String host;
    private boolean verifyAccept = true;

    /** A frame from the server. */
    record Frame(int opcode, byte[] payload)
    {
        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode()
        {
            return payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : -1;
        }
    }

    private RawWebSocket(final int port, final InetAddress localAddress) throws IOException
    {
        this(new Socket(InetAddress.getByName("127.0.0.1"), port, localAddress, 0), port);
    }

    private RawWebSocket(final Socket socket, final int port) throws IOException
    {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        in = new BufferedInputStream(socket.getInputStream(), 1024);
        out = socket.getOutputStream();
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        key = Base64.getEncoder().encodeToString(nonce);
        host = "127.0.0.1:" + port;
    }

    /**
     * Connects, sends the upgrade request for {@code pathAndQuery} with extra headers (alternating names and values)
     * and reads the answer; check {@link #status} for 101.
     */
    static RawWebSocket open(final int port, final String pathAndQuery, final String... extraHeaders)
        throws IOException
    {
        final RawWebSocket ws = new RawWebSocket(port, null);
        ws.sendHandshake(pathAndQuery, extraHeaders);
        ws.readHandshake();
        return ws;
    }

    /**
     * Opens over a socket made by the caller (e.g. a TLS socket, or one with a small receive buffer), already
     * connected to {@code port}: sends the upgrade request and reads the answer.
     */
    static RawWebSocket openOver(final Socket socket, final int port, final String pathAndQuery) throws IOException
    {
        final RawWebSocket ws = new RawWebSocket(socket, port);
        ws.sendHandshake(pathAndQuery);
        ws.readHandshake();
        return ws;
    }

    /**
     * Sends a request head exactly as given (e.g. a handshake with a header missing) and reads the answer into
     * {@link #status}, {@link #headers} and {@link #body}.
     */
    static RawWebSocket request(final int port, final String head) throws IOException
    {
        final RawWebSocket ws = new RawWebSocket(port, null);
        ws.verifyAccept = false; // the key is the caller's, in the head; the caller checks the accept value
        ws.out.write(head.getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        ws.readHandshake();
        return ws;
    }

    /**
     * Connects and sends the upgrade request without reading the answer: call {@link #readHandshake()} later.
     */
    static RawWebSocket start(final int port, final String pathAndQuery, final String... extraHeaders)
        throws IOException
    {
        return startFrom(null, port, pathAndQuery, extraHeaders);
    }

    /**
     * As {@link #start}, from a chosen local address (e.g. {@code 127.0.0.2}: to the gateway, another client).
     */
    static RawWebSocket startFrom(
        final InetAddress localAddress, final int port, final String pathAndQuery, final String... extraHeaders)
        throws IOException
    {
        final RawWebSocket ws = new RawWebSocket(port, localAddress);
        ws.sendHandshake(pathAndQuery, extraHeaders);
        return ws;
    }

    private void sendHandshake(final String pathAndQuery, final String... extraHeaders) throws IOException
    {
        final StringBuilder request = new StringBuilder()
            .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
            .append("Host: ").append(host).append("\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        for (int i = 0; i < extraHeaders.length; i += 2)
        {
            request.append(extraHeaders[i]).append(": ").append(extraHeaders[i + 1]).append("\r\n");
        }
        request.append("\r\n");
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Reads the handshake answer; for a 101 checks {@code Sec-WebSocket-Accept}, otherwise reads the body.
     */
    void readHandshake() throws IOException
    {
        final String statusLine = line();
        status = Integer.parseInt(statusLine.substring(9, 12));
        String header;
        while (!(header = line()).isEmpty())
        {
            final int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        if (status == 101 && verifyAccept)
        {
            final String expected = accept(key);
            if (!expected.equals(headers.get("sec-websocket-accept")))
            {
                throw new IOException("bad Sec-WebSocket-Accept " + headers.get("sec-websocket-accept") +
                    ", expected " + expected);
            }
            return;
        }
        final String length = headers.get("content-length");
        if (length != null)
        {
            final int n = Integer.parseInt(length);
            final byte[] bytes = in.readNBytes(n);
            body = new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads the next frame, or returns null at the end of the stream.
     */
    Frame nextFrame() throws IOException
    {
        final int b0 = in.read();
        if (b0 < 0)
        {
            return null;
        }
        final int b1 = read();
        final boolean masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        if (length == 126)
        {
            length = (long)read() << 8 | read();
        }
        else if (length == 127)
        {
            length = 0;
            for (int i = 0; i < 8; i++)
            {
                length = length << 8 | read();
            }
        }
        final byte[] mask = masked ? in.readNBytes(4) : null;
        final byte[] payload = in.readNBytes((int)length);
        if (payload.length != length)
        {
            throw new EOFException("stream ended inside a frame");
        }
        if (mask != null)
        {
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] ^= mask[i & 3];
            }
        }
        return new Frame(b0 & 0x0F, payload);
    }

    /**
     * Vanishes: closes the socket with a TCP reset (linger 0), no close frame; the server's next write fails.
     */
    void reset() throws IOException
    {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Bytes that can be read without blocking: what the server has already written and the kernel has delivered.
     */
    int available() throws IOException
    {
        return in.available();
    }

    /**
     * Reads the next text frame, passing over pings (unanswered) and pongs.
     *
     * @throws IOException when the stream ends or the server closes first.
     */
    String nextText() throws IOException
    {
        while (true)
        {
            final Frame frame = nextFrame();
            if (frame == null)
            {
                throw new EOFException("the server closed the connection");
            }
            if (frame.opcode() == OPCODE_CLOSE)
            {
                throw new EOFException("close frame " + frame.closeCode() + " " +
                    new String(frame.payload(), 2, Math.max(0, frame.payload().length - 2), StandardCharsets.UTF_8));
            }
            if (frame.opcode() == OPCODE_TEXT)
            {
                return frame.text();
            }
        }
    }

    /**
     * Reads until the server ends the connection (end of stream, reset, or a close frame followed by the end).
     *
     * @return true when it ended, false when nothing ended it within the read timeout.
     */
    boolean awaitEnd() throws IOException
    {
        try
        {
            while (nextFrame() != null)
            {
                // passes over whatever is still queued
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final SocketException | EOFException ex)
        {
            return true;
        }
    }

    /**
     * Sends a masked text frame, as clients must.
     */
    void sendText(final String text) throws IOException
    {
        sendFrame(OPCODE_TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    private void sendFrame(final int opcode, final byte[] payload) throws IOException
    {
        sendFrame(0x80 | opcode, payload, true);
    }

    /**
     * Sends any frame, well-formed or not: {@code firstByte} holds FIN, the reserved bits and the opcode as they
     * go on the wire; the payload is masked only when {@code masked}.
     */
    void sendFrame(final int firstByte, final byte[] payload, final boolean masked) throws IOException
    {
        out.write(frame(firstByte, payload, masked));
        out.flush();
    }

    /**
     * Encodes a frame as {@link #sendFrame(int, byte[], boolean)} sends it, for tests that send several at once.
     */
    static byte[] frame(final int firstByte, final byte[] payload, final boolean masked)
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        final int maskBit = masked ? 0x80 : 0;
        frame.write(firstByte);
        if (payload.length < 126)
        {
            frame.write(maskBit | payload.length);
        }
        else if (payload.length < 65536)
        {
            frame.write(maskBit | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        else
        {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                frame.write((int)((long)payload.length >>> shift) & 0xFF);
            }
        }
        final byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        if (masked)
        {
            frame.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
        }
        return frame.toByteArray();
    }

    /**
     * Writes raw bytes (e.g. several frames in one TCP segment).
     */
    void sendBytes(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    private int read() throws IOException
    {
        final int b = in.read();
        if (b < 0)
        {
            throw new EOFException("stream ended inside a frame");
        }
        return b;
    }

    private String line() throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n')
        {
            if (c < 0)
            {
                throw new EOFException("connection closed after: " + sb);
            }
            if (c != '\r')
            {
                sb.append((char)c);
            }
        }
        return sb.toString();
    }

    private static String accept(final String key)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-1")
                .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
