package io.pulsarproxy.gateway;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 keep-alive client over one socket, for tests that send many requests: java.net.http costs
 * several hundred microseconds per request here, which would make the client, not the gateway, the thing tested.
 * <p>
 * Handles exactly what the gateway sends: a status line, headers, and a Content-Length body.
 */
final class RawHttpConnection implements AutoCloseable
{
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;

    RawHttpConnection(final int port) throws IOException
    {
        this(port, null);
    }

    /**
     * Connects from a chosen local address, e.g. {@code 127.0.0.2}: to the gateway, another client address.
     */
    RawHttpConnection(final int port, final InetAddress localAddress) throws IOException
    {
        socket = new Socket(InetAddress.getByName("127.0.0.1"), port, localAddress, 0);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        host = "127.0.0.1:" + port;
    }

    /** A response: status, body, and headers by lower-case name (the last value of a repeated one). */
    record Response(int status, String body, Map<String, String> headers)
    {
        String header(final String name)
        {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    Response post(final String path, final String contentType, final String body) throws IOException
    {
        return post(path, contentType, body, new String[0]);
    }

    /**
     * Posts with extra headers given as alternating names and values.
     */
    Response post(final String path, final String contentType, final String body, final String... headers)
        throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final StringBuilder extra = new StringBuilder();
        for (int i = 0; i < headers.length; i += 2)
        {
            extra.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        final String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType +
            "\r\n" + extra + "Content-Length: " + bytes.length + "\r\n\r\n";
        final byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[headBytes.length + bytes.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(bytes, 0, request, headBytes.length, bytes.length);
        out.write(request);
        out.flush();
        return read();
    }

    /**
     * Sends a POST without waiting for its answer: {@link #read()} it later.
     */
    void send(final String path, final String contentType, final String body) throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType +
            "\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends a POST's head, waits, then sends its body, without waiting for the answer: {@link #read()} it later.
     */
    void sendHeadThenBody(final String path, final String contentType, final String body, final long pauseMillis)
        throws IOException, InterruptedException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType +
            "\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(pauseMillis);
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends a POST's head announcing {@code contentLength} body bytes, and no body: {@link #sendBytes} sends it.
     */
    void sendHead(final String path, final String contentType, final int contentLength) throws IOException
    {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType +
            "\r\nContent-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Sends bytes as they are: part of a body announced by {@link #sendHead}.
     */
    void sendBytes(final byte[] bytes, final int offset, final int length) throws IOException
    {
        out.write(bytes, offset, length);
        out.flush();
    }

    /**
     * Reads the next response.
     */
    Response read() throws IOException
    {
        final String statusLine = line();
        final int status = Integer.parseInt(statusLine.substring(9, 12));
        int length = 0;
        final Map<String, String> headers = new HashMap<>();
        String header;
        while (!(header = line()).isEmpty())
        {
            final int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            if (header.substring(0, colon).equalsIgnoreCase("Content-Length"))
            {
                length = Integer.parseInt(header.substring(colon + 1).trim());
            }
        }
        final byte[] body = in.readNBytes(length);
        if (body.length != length)
        {
            throw new IOException("connection closed mid-body");
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8), headers);
    }

    private String line() throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n')
        {
            if (c < 0)
            {
                throw new IOException("connection closed");
            }
            if (c != '\r')
            {
                sb.append((char)c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
