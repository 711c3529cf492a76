package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.util.Arrays;

/**
 * One connection's bounded queue of outgoing frames, filled by the deliver thread and drained by the IO thread.
 * <p>
 * Frames are encoded into a fill buffer as {@code [length:4][kind:1][bytes]}. Consecutive messages share one data
 * frame, a JSON array, so a burst becomes one frame. When the connection is free to write, the IO thread swaps the
 * fill buffer with a spare and writes what it took; the deliver thread goes on filling meanwhile. Bytes queued plus
 * bytes in flight never exceed the bound: a message that would pass it is handled by the {@link SlowConsumerPolicy}.
 * Under {@link SlowConsumerPolicy#DROP} every undelivered message in the fill buffer is discarded (control frames are
 * kept) and replaced by one {@code gap} frame per topic naming the exact seqs lost.
 * <p>
 * <b>Note:</b> methods are synchronized: the deliver thread and the IO thread meet here only for the few
 * instructions of an append or a swap. Buffers start empty and grow on demand, so an idle connection costs little.
 */
final class Outbound
{
    static final int HEADER = 5;
    static final byte DATA = 0;
    static final byte CONTROL = 1;

    /** The message was queued. */
    static final int QUEUED = 0;
    /** The message and older undelivered ones were dropped; a gap frame will tell. */
    static final int DROPPED = 1;
    /** The bound was hit under the disconnect policy (or by control frames alone): close the connection. */
    static final int OVERFLOW = 2;
    /** The queue is closed; nothing more is sent. */
    static final int CLOSED = 3;

    private static final byte[] EMPTY = new byte[0];
    private static final int INITIAL_CAPACITY = 512;
    private static final int RETAIN_CAPACITY = 64 * 1024;
    private static final byte[] TOPIC = ascii("{\"topic\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");

    private final int maxBytes;
    private final SlowConsumerPolicy policy;

    private byte[] fill = EMPTY;
    private int fillLength;
    private byte[] spare = EMPTY;
    private int inFlight;
    private boolean sending;
    private boolean closed;

    private int openData = -1;
    private final TopicRanges pending = new TopicRanges();
    private final TopicRanges gaps = new TopicRanges();
    private int gapStart = -1;
    private long droppedMessages;

    Outbound(final int maxBytes, final SlowConsumerPolicy policy)
    {
        this.maxBytes = maxBytes;
        this.policy = policy;
    }

    /**
     * Queues one message, opening a data frame or extending the open one.
     *
     * @return {@link #QUEUED}, {@link #DROPPED}, {@link #OVERFLOW} or {@link #CLOSED}.
     */
    synchronized int appendMessage(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length)
    {
        if (closed)
        {
            return CLOSED;
        }
        final byte[] name = topic.nameBytes();
        final int messageBytes = TOPIC.length + name.length + SEQ.length + JsonNumbers.lengthOf(seq) + TS.length +
            JsonNumbers.lengthOf(timestamp) + PAYLOAD.length + length + 1;
        // One separator, or a header, '[' and the ']' that closes the frame later.
        final int needed = messageBytes + (openData >= 0 ? 1 : HEADER + 2);
        int result = QUEUED;
        if (fillLength + inFlight + needed > maxBytes)
        {
            if (policy == SlowConsumerPolicy.DISCONNECT)
            {
                return OVERFLOW;
            }
            dropPending();
            result = DROPPED;
            if (fillLength + inFlight + messageBytes + HEADER + 2 > maxBytes)
            {
                // Even alone it does not fit beside what is in flight: it is lost too, and the gap says so.
                gaps.add(topic, seq);
                droppedMessages++;
                writeGaps();
                return DROPPED;
            }
        }

        if (openData < 0)
        {
            gapStart = -1;
            gaps.clear();
            ensure(HEADER + 2 + messageBytes);
            openData = fillLength;
            fill[fillLength + 4] = DATA;
            fill[fillLength + HEADER] = '[';
            fillLength += HEADER + 1;
        }
        else
        {
            ensure(1 + messageBytes + 1);
            fill[fillLength++] = ',';
        }
        int p = fillLength;
        final byte[] dst = fill;
        p = put(TOPIC, dst, p);
        p = put(name, dst, p);
        p = put(SEQ, dst, p);
        p = JsonNumbers.putLong(seq, dst, p);
        p = put(TS, dst, p);
        p = JsonNumbers.putLong(timestamp, dst, p);
        p = put(PAYLOAD, dst, p);
        System.arraycopy(src, offset, dst, p, length);
        p += length;
        dst[p++] = '}';
        fillLength = p;
        pending.add(topic, seq);
        return result;
    }

    /**
     * Queues a control frame (an object with a {@code type}) after everything queued so far.
     *
     * @return {@link #QUEUED}, {@link #OVERFLOW} when even control frames no longer fit, or {@link #CLOSED}.
     */
    synchronized int appendControl(final JsonWriter frame)
    {
        if (closed)
        {
            return CLOSED;
        }
        final int length = frame.length();
        if (fillLength + inFlight + HEADER + length + 1 > maxBytes)
        {
            if (policy == SlowConsumerPolicy.DISCONNECT)
            {
                return OVERFLOW;
            }
            dropPending();
            if (fillLength + inFlight + HEADER + length + 1 > maxBytes)
            {
                return OVERFLOW;
            }
        }
        closeData();
        gapStart = -1;
        gaps.clear();
        appendFrame(CONTROL, frame.buffer(), 0, length);
        return QUEUED;
    }

    /**
     * Tells whether a send should be started: something is queued and nothing is in flight. Marks the send started.
     */
    synchronized boolean beginSend()
    {
        if (closed || sending || fillLength == 0)
        {
            return false;
        }
        sending = true;
        return true;
    }

    /**
     * Takes everything queued for writing; the caller writes it and then calls {@link #completeSend()}.
     *
     * @return the number of bytes taken, framed as described above; 0 if nothing is queued.
     */
    synchronized int take()
    {
        closeData();
        final int taken = fillLength;
        final byte[] t = fill;
        fill = spare;
        spare = t;
        fillLength = 0;
        inFlight = taken;
        pending.clear();
        gaps.clear();
        gapStart = -1;
        if (taken == 0)
        {
            sending = false;
        }
        return taken;
    }

    /**
     * The buffer last taken, valid until {@link #completeSend()}.
     */
    synchronized byte[] taken()
    {
        return spare;
    }

    /**
     * Marks the taken bytes as written.
     *
     * @return true when more is queued and the caller should take again at once.
     */
    synchronized boolean completeSend()
    {
        inFlight = 0;
        if (spare.length > RETAIN_CAPACITY)
        {
            spare = EMPTY;
        }
        if (closed || fillLength == 0)
        {
            sending = false;
            if (fillLength == 0 && fill.length > RETAIN_CAPACITY)
            {
                fill = EMPTY;
            }
            return false;
        }
        return true;
    }

    /**
     * Stops queuing for good and frees the buffers.
     */
    synchronized void close()
    {
        closed = true;
        fill = EMPTY;
        fillLength = 0;
        openData = -1;
        pending.clear();
        gaps.clear();
    }

    synchronized boolean isIdle()
    {
        return !sending && fillLength == 0;
    }

    synchronized boolean isClosed()
    {
        return closed;
    }

    synchronized long droppedMessages()
    {
        return droppedMessages;
    }

    synchronized int queuedBytes()
    {
        return fillLength + inFlight;
    }

    private void closeData()
    {
        if (openData >= 0)
        {
            ensure(1);
            fill[fillLength++] = ']';
            putInt(fill, openData, fillLength - openData - HEADER);
            openData = -1;
        }
    }

    /**
     * Discards every queued message (keeping control frames, in order) and writes gap frames for what went.
     */
    private void dropPending()
    {
        if (pending.count == 0)
        {
            return;
        }
        for (int i = 0; i < pending.count; i++)
        {
            gaps.addRange(pending.topics[i], pending.first[i], pending.last[i]);
            droppedMessages += pending.last[i] - pending.first[i] + 1;
        }
        pending.clear();
        closeData();

        // Compact: keep control frames except an old trailing gap region, which is rewritten below.
        final int keepUntil = gapStart >= 0 ? gapStart : fillLength;
        int read = 0;
        int write = 0;
        while (read < keepUntil)
        {
            final int length = getInt(fill, read);
            final int frame = HEADER + length;
            if (fill[read + 4] == CONTROL)
            {
                if (read != write)
                {
                    System.arraycopy(fill, read, fill, write, frame);
                }
                write += frame;
            }
            read += frame;
        }
        fillLength = write;
        writeGaps();
    }

    /** Rewrites the trailing gap region from {@link #gaps}. */
    private void writeGaps()
    {
        closeData();
        if (gapStart >= 0)
        {
            fillLength = gapStart;
        }
        gapStart = fillLength;
        final JsonWriter w = new JsonWriter(96);
        for (int i = 0; i < gaps.count; i++)
        {
            w.reset()
                .raw("{\"type\":\"gap\",\"topic\":").string(gaps.topics[i].name())
                .raw(",\"from\":").number(gaps.first[i])
                .raw(",\"to\":").number(gaps.last[i])
                .raw(",\"reason\":\"slow-consumer\"}");
            appendFrame(CONTROL, w.buffer(), 0, w.length());
        }
    }

    private void appendFrame(final byte kind, final byte[] src, final int offset, final int length)
    {
        ensure(HEADER + length);
        putInt(fill, fillLength, length);
        fill[fillLength + 4] = kind;
        System.arraycopy(src, offset, fill, fillLength + HEADER, length);
        fillLength += HEADER + length;
    }

    private void ensure(final int extra)
    {
        final int required = fillLength + extra;
        if (required > fill.length)
        {
            int capacity = Math.max(INITIAL_CAPACITY, fill.length);
            while (capacity < required)
            {
                capacity *= 2;
            }
            fill = Arrays.copyOf(fill, capacity);
        }
    }

    static int getInt(final byte[] b, final int at)
    {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static void putInt(final byte[] b, final int at, final int v)
    {
        b[at] = (byte)(v >>> 24);
        b[at + 1] = (byte)(v >>> 16);
        b[at + 2] = (byte)(v >>> 8);
        b[at + 3] = (byte)v;
    }

    private static int put(final byte[] src, final byte[] dst, final int at)
    {
        System.arraycopy(src, 0, dst, at, src.length);
        return at + src.length;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Per-topic seq ranges, first to last; few topics per connection, so a linear list with a last-hit check. */
    static final class TopicRanges
    {
        TopicState[] topics = new TopicState[4];
        long[] first = new long[4];
        long[] last = new long[4];
        int count;

        void add(final TopicState topic, final long seq)
        {
            addRange(topic, seq, seq);
        }

        void addRange(final TopicState topic, final long from, final long to)
        {
            if (count > 0 && topics[count - 1] == topic)
            {
                last[count - 1] = to;
                return;
            }
            for (int i = 0; i < count; i++)
            {
                if (topics[i] == topic)
                {
                    last[i] = to;
                    return;
                }
            }
            if (count == topics.length)
            {
                topics = Arrays.copyOf(topics, count * 2);
                first = Arrays.copyOf(first, count * 2);
                last = Arrays.copyOf(last, count * 2);
            }
            topics[count] = topic;
            first[count] = from;
            last[count] = to;
            count++;
        }

        void clear()
        {
            Arrays.fill(topics, 0, count, null);
            count = 0;
        }
    }
}
