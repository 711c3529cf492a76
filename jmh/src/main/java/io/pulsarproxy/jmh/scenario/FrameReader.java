package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Recorder;

/**
 * Parses server WebSocket frames in place and accounts for every message they carry.
 * <p>
 * Gateway data frames are JSON arrays of {@code {"topic","seq","ts","payload"}}; gateway control frames are objects
 * with a {@code type}. A peer without such framing (Nchan) sends each payload as one text frame. Either way the
 * message index {@code "i":} and publish time {@code "t":} are found with byte scans in the payload, the latency is
 * recorded, and index and seq contiguity are checked by the connection.
 * <p>
 * <b>Note:</b> used by one loop thread only.
 */
final class FrameReader
{
    /** Largest latency recorded, in nanoseconds; larger values are clamped. */
    static final long MAX_LATENCY = 3_600_000_000_000L;

    /**
     * What the reader tells its loop.
     */
    interface Events
    {
        /**
         * The connection is subscribed.
         *
         * @param c the connection.
         */
        void subscribed(WsConn c);

        /**
         * The server sent a close frame.
         *
         * @param c the connection.
         */
        void serverClose(WsConn c);

        /**
         * The server sent a ping.
         *
         * @param c      the connection.
         * @param w      the bytes.
         * @param start  where the ping payload starts.
         * @param length its length.
         */
        void ping(WsConn c, byte[] w, int start, int length);
    }

    private final boolean gatewayFrames;
    private final Recorder latency;
    private final Events events;
    private final Scan scan = new Scan();

    /** Messages found by the last {@link #frames} call. */
    long delivered;
    /** Bytes needed to hold the incomplete frame the last call stopped at, or 0. */
    int needed;
    long dataFrames;
    long gapFrames;
    long errorFrames;

    FrameReader(final boolean gatewayFrames, final Recorder latency, final Events events)
    {
        this.gatewayFrames = gatewayFrames;
        this.latency = latency;
        this.events = events;
    }

    /**
     * Parses the complete frames in {@code w[from, length)}.
     *
     * @return where the first incomplete frame starts.
     */
    int frames(final WsConn c, final byte[] w, final int from, final int length, final long now)
    {
        int p = from;
        long delivered = 0;
        needed = 0;
        while (length - p >= 2)
        {
            final int op = w[p] & 0x0F;
            long payload = w[p + 1] & 0x7F;
            int header = 2;
            if (payload == 126)
            {
                if (length - p < 4)
                {
                    break;
                }
                payload = (w[p + 2] & 0xFF) << 8 | (w[p + 3] & 0xFF);
                header = 4;
            }
            else if (payload == 127)
            {
                if (length - p < 10)
                {
                    break;
                }
                payload = 0;
                for (int k = 2; k < 10; k++)
                {
                    payload = payload << 8 | (w[p + k] & 0xFF);
                }
                header = 10;
            }
            final long total = header + payload;
            if (length - p < total)
            {
                needed = (int)Math.min(Integer.MAX_VALUE / 2, total) * 2;
                break;
            }
            final int start = p + header;
            final int end = start + (int)payload;
            switch (op)
            {
                case 0x0:
                case 0x1:
                    delivered += text(c, w, start, end, now);
                    break;
                case 0x8:
                    events.serverClose(c);
                    this.delivered = delivered;
                    return p;
                case 0x9:
                    events.ping(c, w, start, (int)payload);
                    break;
                default:
                    break;
            }
            p += (int)total;
        }
        this.delivered = delivered;
        return p;
    }

    private int text(final WsConn c, final byte[] w, final int start, final int end, final long now)
    {
        if (start >= end)
        {
            return 0;
        }
        if (gatewayFrames && w[start] == '{')
        {
            control(c, w, start, end);
            return 0;
        }
        dataFrames++;
        int count = 0;
        int p = start;
        while (p < end)
        {
            long seq = -1;
            if (gatewayFrames)
            {
                final int s = Scan.indexOf(Scan.SEQ, w, p, end);
                if (s < 0)
                {
                    break;
                }
                p = s + Scan.SEQ.length;
                seq = scan.number(w, p, end);
                p = scan.last;
            }
            final int i = Scan.indexOf(Scan.INDEX, w, p, end);
            if (i < 0)
            {
                break;
            }
            final long index = scan.number(w, i + Scan.INDEX.length, end);
            final int t = Scan.indexOf(Scan.TIME, w, scan.last, end);
            if (t < 0)
            {
                break;
            }
            final long sent = scan.number(w, t + Scan.TIME.length, end);
            p = scan.last;
            c.onMessage(seq, index);
            latency.recordValue(Math.max(0, Math.min(MAX_LATENCY, now - sent)));
            count++;
        }
        return count;
    }

    private void control(final WsConn c, final byte[] w, final int start, final int end)
    {
        final int t = Scan.indexOf(Scan.TYPE, w, start, end);
        if (t < 0)
        {
            return;
        }
        final byte kind = w[t + Scan.TYPE.length];
        if (kind == 's')
        {
            final int s = Scan.indexOf(Scan.SEQ, w, t, end);
            c.nextSeq = s < 0 ? -1 : scan.number(w, s + Scan.SEQ.length, end) + 1;
            events.subscribed(c);
        }
        else if (kind == 'g')
        {
            gapFrames++;
        }
        else if (kind == 'e')
        {
            errorFrames++;
        }
    }

}
