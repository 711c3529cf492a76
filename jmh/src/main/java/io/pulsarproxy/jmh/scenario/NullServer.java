package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The do-nothing server the runner measures its own ceiling against: one NIO thread that speaks just enough of the
 * gateway's API. {@code POST /v1/topics/{t}} hands the body, as a gateway data frame, to the topic's subscribers and
 * answers a fixed 202; {@code POST /v1/publish} answers a fixed 202 without parsing; {@code GET /v1/subscribe?topic=}
 * upgrades to WebSocket and sends a {@code subscribed} frame; {@code GET /readyz} answers 200.
 * <p>
 * Replies go out before the fan-out, and each loop iteration writes one pending frame, then selects again: a
 * publisher's next request is read between any two frame writes, and messages that reach a subscriber before its
 * frame is written share that frame, as in the gateway under load. (It used to write up to 64 frames per iteration:
 * each frame then carried one message of a sequential publisher, and the broadcast ceiling was a quarter of what the
 * same client receives now; see BENCHMARKS.md.)
 * Run as its own process: {@code java -cp benchmarks.jar io.pulsarproxy.jmh.scenario.NullServer PORT}; it stops
 * when the process that started it is gone, and after four hours at most.
 * <p>
 * <b>Note:</b> single threaded; for measuring clients only.
 */
public final class NullServer
{
    private static final byte[] ACCEPTED = ascii("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n" +
        "Content-Length: 14\r\n\r\n{\"accepted\":1}");
    private static final byte[] READY = ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
        "Content-Length: 18\r\n\r\n{\"status\":\"ready\"}");
    private static final byte[] NOT_FOUND = ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] CLOSE = {(byte)0x88, 0x02, 0x03, (byte)0xE8};
    /** Frames written per loop iteration: one, so the selector runs between any two writes. */
    private static final int FLUSH_BUDGET = 1;
    private static final long MAX_LIFETIME_NANOS = 4L * 3600 * 1_000_000_000L;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final Selector selector;
    private final Map<String, NullTopic> topics = new HashMap<>();
    private final java.util.ArrayDeque<NullConn> dirty = new java.util.ArrayDeque<>();
    private final List<NullConn> replies = new ArrayList<>();
    private final MessageDigest sha1;

    private NullServer() throws IOException, NoSuchAlgorithmException
    {
        selector = Selector.open();
        sha1 = MessageDigest.getInstance("SHA-1");
    }

    /**
     * Serves on 127.0.0.1:PORT until killed.
     *
     * @param args the port.
     * @throws Exception when the port cannot be bound.
     */
    public static void main(final String[] args) throws Exception
    {
        new NullServer().serve(Integer.parseInt(args[0]));
    }

    private void serve(final int port) throws IOException
    {
        final ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("null server listening on 127.0.0.1:" + port);
        final long deadline = System.nanoTime() + MAX_LIFETIME_NANOS;
        final ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        long checkedAt = System.nanoTime();
        while (true)
        {
            if (System.nanoTime() - checkedAt > 1_000_000_000L)
            {
                // Bounded: gone with the runner that started it, and never older than MAX_LIFETIME_NANOS.
                checkedAt = System.nanoTime();
                if (checkedAt > deadline || (parent != null && !parent.isAlive()))
                {
                    System.out.println("null server stopping");
                    return;
                }
            }
            if (dirty.isEmpty())
            {
                selector.select(1000);
            }
            else
            {
                selector.selectNow();
            }
            final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext())
            {
                final SelectionKey key = keys.next();
                keys.remove();
                if (!key.isValid())
                {
                    continue;
                }
                if (key.isAcceptable())
                {
                    accept(server);
                    continue;
                }
                final NullConn c = (NullConn)key.attachment();
                if (key.isWritable())
                {
                    c.flush();
                }
                if (key.isValid() && key.isReadable())
                {
                    read(c);
                }
            }
            // Replies first, then FLUSH_BUDGET frames: like the gateway, the server does not make the publisher wait
            // for the fan-out, and messages that arrive meanwhile join the frames still pending.
            for (final NullConn c : replies)
            {
                c.queue(ACCEPTED);
            }
            replies.clear();
            for (int i = 0; i < FLUSH_BUDGET && !dirty.isEmpty(); i++)
            {
                dirty.poll().flushFrame();
            }
        }
    }

    private void accept(final ServerSocketChannel server) throws IOException
    {
        SocketChannel ch;
        while ((ch = server.accept()) != null)
        {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            final NullConn c = new NullConn(ch);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
        }
    }

    private void read(final NullConn c)
    {
        try
        {
            if (c.in.length - c.inLength < 4096)
            {
                c.in = java.util.Arrays.copyOf(c.in, c.in.length * 2);
            }
            final int n = c.channel.read(ByteBuffer.wrap(c.in, c.inLength, c.in.length - c.inLength));
            if (n < 0)
            {
                close(c);
                return;
            }
            c.inLength += n;
            final int used = c.ws ? clientFrames(c) : requests(c);
            if (used > 0)
            {
                System.arraycopy(c.in, used, c.in, 0, c.inLength - used);
                c.inLength -= used;
            }
        }
        catch (final IOException ex)
        {
            close(c);
        }
    }

    private int requests(final NullConn c) throws IOException
    {
        int at = 0;
        while (!c.ws)
        {
            final int headerEnd = NullConn.indexOf(c.in, at, c.inLength, "\r\n\r\n");
            if (headerEnd < 0)
            {
                return at;
            }
            final String head = new String(c.in, at, headerEnd - at, StandardCharsets.ISO_8859_1);
            final int bodyStart = headerEnd + 4;
            final int bodyLength = Math.max(0, (int)header(head, "content-length", 0));
            if (c.inLength < bodyStart + bodyLength)
            {
                return at;
            }
            handle(c, head, bodyStart, bodyLength);
            at = bodyStart + bodyLength;
        }
        return at;
    }

    private void handle(final NullConn c, final String head, final int bodyStart, final int bodyLength)
        throws IOException
    {
        final int sp = head.indexOf(' ');
        final String method = head.substring(0, sp);
        final String path = head.substring(sp + 1, head.indexOf(' ', sp + 1));
        if (method.equals("POST") && path.startsWith("/v1/topics/"))
        {
            publish(path.substring(11), c.in, bodyStart, bodyLength);
            replies.add(c);
        }
        else if (method.equals("POST") && path.equals("/v1/publish"))
        {
            replies.add(c);
        }
        else if (path.startsWith("/v1/subscribe"))
        {
            upgrade(c, head, path);
        }
        else if (path.equals("/readyz") || path.equals("/healthz"))
        {
            c.queue(READY);
        }
        else
        {
            c.queue(NOT_FOUND);
        }
    }

    private void publish(final String name, final byte[] body, final int offset, final int length)
    {
        final NullTopic topic = topics.computeIfAbsent(name, NullTopic::new);
        final long seq = ++topic.seq;
        if (topic.subscribers.isEmpty())
        {
            return;
        }
        final byte[] element = ascii("{\"topic\":\"" + name + "\",\"seq\":" + seq + ",\"ts\":" +
            System.currentTimeMillis() * 1000 + ",\"payload\":");
        for (final NullConn s : topic.subscribers)
        {
            if (s.appendMessage(element, body, offset, length))
            {
                dirty.add(s);
            }
        }
    }

    private void upgrade(final NullConn c, final String head, final String path) throws IOException
    {
        final String key = headerText(head, "sec-websocket-key");
        if (key == null)
        {
            c.queue(NOT_FOUND);
            return;
        }
        final String accept = Base64.getEncoder().encodeToString(
            sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        c.queue(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: " + accept + "\r\n\r\n"));
        c.ws = true;
        final int q = path.indexOf('?');
        for (final String param : q < 0 ? new String[0] : path.substring(q + 1).split("&"))
        {
            if (param.startsWith("topic="))
            {
                final NullTopic topic = topics.computeIfAbsent(param.substring(6), NullTopic::new);
                topic.subscribers.add(c);
                c.topics.add(topic);
                c.queueFrame(ascii("{\"type\":\"subscribed\",\"topic\":\"" + topic.name + "\",\"seq\":" + topic.seq +
                    ",\"epoch\":\"ceiling\"}"));
            }
        }
    }

    private int clientFrames(final NullConn c) throws IOException
    {
        int p = 0;
        while (c.inLength - p >= 6)
        {
            final int op = c.in[p] & 0x0F;
            int length = c.in[p + 1] & 0x7F;
            int header = 6;
            if (length == 126)
            {
                length = (c.in[p + 2] & 0xFF) << 8 | (c.in[p + 3] & 0xFF);
                header = 8;
            }
            if (c.inLength - p < header + length)
            {
                break;
            }
            p += header + length;
            if (op == 0x8)
            {
                unsubscribe(c);
                c.closeAfterFlush = true;
                c.queue(CLOSE);
                return p;
            }
        }
        return p;
    }

    private void close(final NullConn c)
    {
        unsubscribe(c);
        c.close();
    }

    private static void unsubscribe(final NullConn c)
    {
        for (final NullTopic topic : c.topics)
        {
            topic.subscribers.remove(c);
        }
        c.topics.clear();
    }

    private static long header(final String head, final String name, final long missing)
    {
        final String value = headerText(head, name);
        return value == null ? missing : Long.parseLong(value);
    }

    private static String headerText(final String head, final String name)
    {
        for (final String line : head.split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name))
            {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A topic of the null server: its seq and its subscribers. */
    static final class NullTopic
    {
        final String name;
        final List<NullConn> subscribers = new ArrayList<>();
        long seq;

        NullTopic(final String name)
        {
            this.name = name;
        }
    }
}
