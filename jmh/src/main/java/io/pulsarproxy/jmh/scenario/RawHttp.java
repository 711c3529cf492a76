package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A lean HTTP/1.1 keep-alive client over one blocking socket: the caller hands it complete request bytes, built once
 * and patched in place, and it reads one response (status line, headers, a Content-Length or chunked body) into a
 * reused buffer. Nothing is allocated per request.
 * <p>
 * java.net.http costs about 400 us per request on this machine, which would make the client, not the server, the
 * thing measured.
 * <p>
 * <b>Note:</b> not thread safe: one thread per connection, one request at a time.
 */
public final class RawHttp implements AutoCloseable
{
    private static final int READ_TIMEOUT_MILLIS = 15_000;
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "transfer-encoding: chunked".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private byte[] buf = new byte[64 * 1024];
    private int len;
    private int bodyOffset;
    private int bodyLength;

    /**
     * Connects to a loopback server.
     *
     * @param host the host (a loopback address).
     * @param port the port.
     * @throws IOException when the connection fails.
     */
    public RawHttp(final String host, final int port) throws IOException
    {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MILLIS);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    /**
     * Builds request bytes.
     *
     * @param method      the method.
     * @param path        the path and query.
     * @param host        the Host header value.
     * @param contentType the Content-Type, or null for none.
     * @param body        the body, or null for none.
     * @return the request bytes.
     */
    public static byte[] request(
        final String method, final String path, final String host, final String contentType, final byte[] body)
    {
        final StringBuilder head = new StringBuilder(128)
            .append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        if (contentType != null)
        {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (body != null)
        {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        final byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[headBytes.length + (body == null ? 0 : body.length)];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        if (body != null)
        {
            System.arraycopy(body, 0, request, headBytes.length, body.length);
        }
        return request;
    }

    /**
     * Sends a request and reads its response.
     *
     * @param request the request bytes.
     * @param length  how many of them.
     * @return the response status.
     * @throws IOException when the connection fails or closes.
     */
    public int exchange(final byte[] request, final int length) throws IOException
    {
        out.write(request, 0, length);
        return readResponse();
    }

    /**
     * Sends a whole request array and reads its response.
     *
     * @param request the request bytes.
     * @return the response status.
     * @throws IOException when the connection fails or closes.
     */
    public int exchange(final byte[] request) throws IOException
    {
        return exchange(request, request.length);
    }

    /**
     * The last response body as text (allocates; for set-up and checks only).
     *
     * @return the body.
     */
    public String body()
    {
        return new String(buf, bodyOffset, bodyLength, StandardCharsets.UTF_8);
    }

    private int readResponse() throws IOException
    {
        len = 0;
        int headerEnd;
        while ((headerEnd = indexOfHeaderEnd()) < 0)
        {
            fill();
        }
        final int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
        final int contentLength = contentLength(headerEnd);
        if (contentLength >= 0)
        {
            while (len < headerEnd + contentLength)
            {
                fill();
            }
            bodyOffset = headerEnd;
            bodyLength = contentLength;
        }
        else if (indexOfIgnoreCase(CHUNKED, 0, headerEnd) >= 0)
        {
            readChunked(headerEnd);
        }
        else
        {
            bodyOffset = headerEnd;
            bodyLength = 0;
        }
        return status;
    }

    private void readChunked(final int start) throws IOException
    {
        int at = start;
        int write = start;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = indexOfCrlf(at)) < 0)
            {
                fill();
            }
            int size = 0;
            for (int i = at; i < lineEnd; i++)
            {
                final int d = Character.digit(buf[i], 16);
                if (d < 0)
                {
                    break;
                }
                size = size * 16 + d;
            }
            at = lineEnd + 2;
            while (len < at + size + 2)
            {
                fill();
            }
            System.arraycopy(buf, at, buf, write, size);
            write += size;
            at += size + 2;
            if (size == 0)
            {
                break;
            }
        }
        bodyOffset = start;
        bodyLength = write - start;
    }

    private void fill() throws IOException
    {
        if (len == buf.length)
        {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        final int n = in.read(buf, len, buf.length - len);
        if (n < 0)
        {
            throw new IOException("connection closed by the server");
        }
        len += n;
    }

    private int indexOfHeaderEnd()
    {
        for (int i = 3; i < len; i++)
        {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            {
                return i + 1;
            }
        }
        return -1;
    }

    private int indexOfCrlf(final int from)
    {
        for (int i = from + 1; i < len; i++)
        {
            if (buf[i] == '\n' && buf[i - 1] == '\r')
            {
                return i - 1;
            }
        }
        return -1;
    }

    private int contentLength(final int headerEnd)
    {
        final int at = indexOfIgnoreCase(CONTENT_LENGTH, 0, headerEnd);
        if (at < 0)
        {
            return -1;
        }
        int i = at + CONTENT_LENGTH.length;
        while (buf[i] == ' ')
        {
            i++;
        }
        int value = 0;
        while (buf[i] >= '0' && buf[i] <= '9')
        {
            value = value * 10 + buf[i++] - '0';
        }
        return value;
    }

    private int indexOfIgnoreCase(final byte[] lowerPattern, final int from, final int to)
    {
        outer:
        for (int i = from, end = to - lowerPattern.length; i <= end; i++)
        {
            for (int j = 0; j < lowerPattern.length; j++)
            {
                int c = buf[i + j];
                if (c >= 'A' && c <= 'Z')
                {
                    c += 'a' - 'A';
                }
                if (c != lowerPattern[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignored)
        {
            // closing anyway
        }
    }
}
