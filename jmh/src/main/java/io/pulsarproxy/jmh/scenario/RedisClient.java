package io.pulsarproxy.jmh.scenario;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Just enough of the redis protocol (RESP2) for the cluster scenario to look at its redis-server: {@code PING} to see
 * that it is up and to time a bare round trip, {@code INFO} to read its version, process id and per-command counters.
 * It never writes data.
 * <p>
 * <b>Note:</b> one blocking socket with a read timeout; not thread safe.
 */
final class RedisClient implements AutoCloseable
{
    private static final int TIMEOUT_MILLIS = 5_000;
    private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RedisClient(final String host, final int port) throws IOException
    {
        socket = new Socket();
        try
        {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * Sends {@code PING} and reads the answer.
     *
     * @return true when it answered {@code +PONG}.
     * @throws IOException when the connection fails.
     */
    boolean ping() throws IOException
    {
        out.write(PING);
        out.flush();
        return "PONG".equals(reply());
    }

    /**
     * {@code INFO section}.
     *
     * @param section e.g. {@code server}, {@code commandstats}.
     * @return the {@code key:value} lines as a map.
     * @throws IOException when the connection fails or redis answers an error.
     */
    Map<String, String> info(final String section) throws IOException
    {
        out.write(command("INFO", section));
        out.flush();
        final Map<String, String> map = new LinkedHashMap<>();
        for (final String line : reply().split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#"))
            {
                map.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return map;
    }

    /**
     * Calls and server-side microseconds per command since the server started, from {@code INFO commandstats}.
     *
     * @return command name to {calls, usec}.
     * @throws IOException when the connection fails.
     */
    Map<String, long[]> commandStats() throws IOException
    {
        final Map<String, long[]> stats = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : info("commandstats").entrySet())
        {
            if (!e.getKey().startsWith("cmdstat_"))
            {
                continue;
            }
            long calls = 0;
            long usec = 0;
            for (final String field : e.getValue().split(","))
            {
                if (field.startsWith("calls="))
                {
                    calls = Long.parseLong(field.substring(6));
                }
                else if (field.startsWith("usec="))
                {
                    usec = Long.parseLong(field.substring(5));
                }
            }
            stats.put(e.getKey().substring(8), new long[] {calls, usec});
        }
        return stats;
    }

    private static byte[] command(final String... args)
    {
        final StringBuilder sb = new StringBuilder(64).append('*').append(args.length).append("\r\n");
        for (final String a : args)
        {
            sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one simple string, integer or bulk string reply; an error reply becomes an IOException. */
    private String reply() throws IOException
    {
        final int type = in.read();
        final String line = line();
        switch (type)
        {
            case '+':
            case ':':
                return line;
            case '-':
                throw new IOException("redis: " + line);
            case '$':
            {
                final int length = Integer.parseInt(line);
                if (length < 0)
                {
                    return null;
                }
                final byte[] bytes = in.readNBytes(length + 2);
                if (bytes.length < length + 2)
                {
                    throw new IOException("redis: connection closed");
                }
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case -1:
                throw new IOException("redis: connection closed");
            default:
                throw new IOException("redis: unexpected reply type " + (char)type);
        }
    }

    private String line() throws IOException
    {
        final StringBuilder sb = new StringBuilder(32);
        int b;
        while ((b = in.read()) != -1)
        {
            if (b == '\r')
            {
                in.read();
                return sb.toString();
            }
            sb.append((char)b);
            if (sb.length() > 1024)
            {
                throw new IOException("redis: reply line too long");
            }
        }
        throw new IOException("redis: connection closed");
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
