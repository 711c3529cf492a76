package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One selector thread of the WebSocket client: opens connections (at most {@code window} handshakes at once),
 * completes the handshakes, reads and parses server frames, and closes cleanly at the end.
 * <p>
 * Frames are parsed in place in a reused array; messages are found with byte scans for {@code "seq":}, {@code "i":}
 * and {@code "t":}, so a received message costs a few dozen nanoseconds and allocates nothing.
 * <p>
 * <b>Note:</b> every field not marked volatile belongs to this loop's thread.
 */
final class WsLoop implements Runnable, FrameReader.Events
{
    private static final byte[] CLOSE_FRAME = {(byte)0x88, (byte)0x82, 0x11, 0x22, 0x33, 0x44, 0x03 ^ 0x11, (byte)(0xE8 ^ 0x22)};

    private final InetSocketAddress address;
    private final byte[] handshake;
    /** The request line and headers around {@link WsClients#CONNECTION_INDEX}, when the path has one. */
    private final String[] perConnection;
    private final AtomicInteger connectionIndex;
    private final boolean gatewayFrames;
    private final int window;
    private final Recorder latency;
    private final Recorder connectLatency;
    private final Selector selector;
    private final List<WsConn> conns = new ArrayList<>();
    private final Thread thread;
    private final FrameReader reader;

    private byte[] work = new byte[1 << 20];
    private int toConnect;
    private int handshaking;

    volatile boolean closing;
    volatile boolean stopped;
    volatile long closeDeadline;
    volatile long subscribedCount;
    volatile long deliveredCount;
    volatile long framesCount;
    volatile long firstStartNanos;
    volatile long lastSubscribedNanos;
    volatile long lastDeliveryNanos;
    volatile int pendingConnects;

    long failedConnects;
    long unexpectedCloses;

    WsLoop(
        final String name, final InetSocketAddress address, final String host, final String path,
        final boolean gatewayFrames, final int window, final Recorder latency, final Recorder connectLatency,
        final AtomicInteger connectionIndex)
        throws IOException
    {
        this.address = address;
        final String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        this.handshake = request.getBytes(StandardCharsets.US_ASCII);
        final int at = request.indexOf(WsClients.CONNECTION_INDEX);
        this.perConnection = at < 0 ? null :
            new String[] {request.substring(0, at), request.substring(at + WsClients.CONNECTION_INDEX.length())};
        this.connectionIndex = connectionIndex;
        this.gatewayFrames = gatewayFrames;
        this.window = Math.max(1, window);
        this.latency = latency;
        this.connectLatency = connectLatency;
        this.selector = Selector.open();
        this.reader = new FrameReader(gatewayFrames, latency, this);
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start(final int connections)
    {
        pendingConnects = connections;
        thread.start();
    }

    void join(final long millis) throws InterruptedException
    {
        thread.join(millis);
    }

    FrameReader reader()
    {
        return reader;
    }

    List<WsConn> conns()
    {
        return conns;
    }

    @Override
    public void run()
    {
        toConnect = pendingConnects;
        try
        {
            boolean closeSent = false;
            while (true)
            {
                if (closing && !closeSent)
                {
                    sendCloses();
                    closeSent = true;
                }
                if (closeSent && (openCount() == 0 || System.nanoTime() > closeDeadline))
                {
                    break;
                }
                if (!closeSent)
                {
                    startConnects();
                }
                selector.select(5);
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    final WsConn c = (WsConn)key.attachment();
                    if (!key.isValid())
                    {
                        continue;
                    }
                    if (key.isConnectable())
                    {
                        onConnectable(c, key);
                    }
                    else if (key.isReadable())
                    {
                        onReadable(c);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            System.err.println("ws client loop failed: " + ex);
        }
        finally
        {
            for (final WsConn c : conns)
            {
                if (c.state != WsConn.CLOSED)
                {
                    if (!closing)
                    {
                        unexpectedCloses++;
                    }
                    c.abort();
                }
            }
            try
            {
                selector.close();
            }
            catch (final IOException ignored)
            {
                // ending anyway
            }
            stopped = true;
        }
    }

    private int openCount()
    {
        int open = 0;
        for (final WsConn c : conns)
        {
            if (c.state != WsConn.CLOSED)
            {
                open++;
            }
        }
        return open;
    }

    private void startConnects() throws IOException
    {
        while (toConnect > 0 && handshaking < window)
        {
            toConnect--;
            handshaking++;
            final long now = System.nanoTime();
            if (firstStartNanos == 0)
            {
                firstStartNanos = now;
            }
            final SocketChannel ch = SocketChannel.open();
            final WsConn c = new WsConn(ch, now);
            conns.add(c);
            try
            {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (ch.connect(address))
                {
                    final SelectionKey key = ch.register(selector, 0, c);
                    onConnectable(c, key);
                }
                else
                {
                    ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
            }
            catch (final IOException ex)
            {
                failConnect(c);
            }
        }
    }

    private void onConnectable(final WsConn c, final SelectionKey key)
    {
        try
        {
            if (c.channel.isConnectionPending() && !c.channel.finishConnect())
            {
                return;
            }
            final ByteBuffer out = ByteBuffer.wrap(perConnection == null ? handshake :
                (perConnection[0] + connectionIndex.getAndIncrement() + perConnection[1])
                    .getBytes(StandardCharsets.US_ASCII));
            c.channel.write(out);
            if (out.hasRemaining())
            {
                throw new IOException("handshake request not written at once");
            }
            c.state = WsConn.HANDSHAKE;
            key.interestOps(SelectionKey.OP_READ);
        }
        catch (final IOException ex)
        {
            failConnect(c);
        }
    }

    private void failConnect(final WsConn c)
    {
        failedConnects++;
        handshaking--;
        c.abort();
    }

    private void onReadable(final WsConn c)
    {
        int length = 0;
        if (c.carryLength > 0)
        {
            ensureWork(c.carryLength * 2);
            System.arraycopy(c.carry, 0, work, 0, c.carryLength);
            length = c.carryLength;
            c.carryLength = 0;
        }
        final int n;
        try
        {
            n = c.channel.read(ByteBuffer.wrap(work, length, work.length - length));
        }
        catch (final IOException ex)
        {
            onEof(c);
            return;
        }
        if (n < 0)
        {
            onEof(c);
            return;
        }
        length += n;
        final long now = PublishTemplate.clock();
        int at = 0;
        if (c.state == WsConn.HANDSHAKE)
        {
            at = handshakeResponse(c, length, now);
            if (at <= 0)
            {
                if (at == 0)
                {
                    c.keep(work, 0, length);
                }
                return;
            }
        }
        at = reader.frames(c, work, at, length, now);
        if (reader.needed > work.length)
        {
            ensureWork(reader.needed);
        }
        if (reader.delivered > 0)
        {
            deliveredCount = deliveredCount + reader.delivered;
            framesCount = reader.dataFrames;
            lastDeliveryNanos = System.nanoTime();
        }
        if (c.state != WsConn.CLOSED)
        {
            c.keep(work, at, length);
        }
    }

    private void ensureWork(final int size)
    {
        if (work.length < size)
        {
            work = new byte[Integer.highestOneBit(size) << 1];
        }
    }

    /** Returns where frames start, 0 when the response is incomplete, -1 when it failed. */
    private int handshakeResponse(final WsConn c, final int length, final long now)
    {
        final byte[] w = work;
        for (int i = 3; i < length; i++)
        {
            if (w[i] == '\n' && w[i - 1] == '\r' && w[i - 2] == '\n' && w[i - 3] == '\r')
            {
                if (length < 12 || w[9] != '1' || w[10] != '0' || w[11] != '1')
                {
                    failConnect(c);
                    return -1;
                }
                c.state = WsConn.OPEN;
                if (!gatewayFrames)
                {
                    subscribed(c);
                }
                return i + 1;
            }
        }
        return 0;
    }

    @Override
    public void subscribed(final WsConn c)
    {
        if (c.subscribed)
        {
            return;
        }
        c.subscribed = true;
        handshaking--;
        final long nanos = System.nanoTime();
        connectLatency.recordValue(Math.min(FrameReader.MAX_LATENCY, nanos - c.startNanos));
        lastSubscribedNanos = nanos;
        subscribedCount = subscribedCount + 1;
    }

    @Override
    public void ping(final WsConn c, final byte[] w, final int start, final int length)
    {
        if (length > 125)
        {
            return;
        }
        final byte[] frame = new byte[6 + length];
        frame[0] = (byte)0x8A;
        frame[1] = (byte)(0x80 | length);
        System.arraycopy(w, start, frame, 6, length);
        if (!c.write(frame))
        {
            onEof(c);
        }
    }

    private void sendCloses()
    {
        toConnect = 0;
        for (final WsConn c : conns)
        {
            if (c.state == WsConn.OPEN)
            {
                c.state = WsConn.CLOSING;
                if (!c.write(CLOSE_FRAME))
                {
                    onEof(c);
                }
            }
            else if (c.state != WsConn.CLOSED && c.state != WsConn.CLOSING)
            {
                c.abort();
            }
        }
    }

    @Override
    public void serverClose(final WsConn c)
    {
        if (c.state == WsConn.CLOSING)
        {
            // Both close frames have been sent: the handshake is over, the client may close the socket.
            c.close(false);
            return;
        }
        if (!closing)
        {
            unexpectedCloses++;
        }
        c.state = WsConn.CLOSING;
        if (!c.write(CLOSE_FRAME))
                {
                    onEof(c);
                }
    }

    private void onEof(final WsConn c)
    {
        if (c.state != WsConn.CLOSING && !closing)
        {
            unexpectedCloses++;
        }
        if (c.state == WsConn.HANDSHAKE || c.state == WsConn.CONNECTING)
        {
            handshaking--;
        }
        c.close(false);
    }


}
