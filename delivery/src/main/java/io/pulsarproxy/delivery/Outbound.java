package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One connection's bounded queue of outgoing frames, filled by the deliver thread and drained by the IO thread.
 * <p>
 * Frames are encoded into a fill buffer as {@code [length:4][kind:1][bytes]}. Consecutive messages share one data
 * run (for WebSocket a JSON array, so a burst becomes one frame; see {@link FrameCodec}). When the connection is
 * free to write, the IO thread swaps the
 * fill buffer with a spare and writes what it took; the deliver thread goes on filling meanwhile. Bytes queued plus
 * bytes in flight never exceed the bound: a message that would pass it triggers the slow-consumer policy of each
 * topic queued (the connection's default, or the one its subscription asked for):
 * <ul>
 * <li>{@link SlowConsumerPolicy#DROP}: the topic's undelivered messages are discarded;</li>
 * <li>{@link SlowConsumerPolicy#LATEST}: all but the newest are discarded;</li>
 * <li>{@link SlowConsumerPolicy#DISCONNECT}: the connection is to be closed.</li>
 * </ul>
 * Control frames are kept, in order, and one {@code gap} frame per topic names the exact seqs discarded. Gap frames
 * are the one thing written without the bound check (refusing them would turn a drop into a disconnect): the queue
 * may exceed its bound by at most one gap frame (about 100 bytes) per topic.
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
    /** Undelivered messages (maybe this one) were discarded; a gap frame will tell. */
    static final int DROPPED = 1;
    /** The bound was hit under the disconnect policy (or by control frames alone): close the connection. */
    static final int OVERFLOW = 2;
    /** The queue is closed; nothing more is sent. */
    static final int CLOSED = 3;

    private static final byte[] EMPTY = new byte[0];
    private static final int INITIAL_CAPACITY = 512;
    private static final int RETAIN_CAPACITY = 64 * 1024;

    private final FrameCodec codec;
    private final int maxBytes;
    private final OutboundBudget budget;
    private final PolicyTable policies;

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
    private long oldestQueuedMicros = -1;
    private long takenOldestMicros = -1;
    /** Queued plus in-flight bytes as last added to the budget. */
    private long reported;

    Outbound(final FrameCodec codec, final int maxBytes, final SlowConsumerPolicy defaultPolicy)
    {
        this(codec, maxBytes, defaultPolicy, OutboundBudget.UNLIMITED);
    }

    Outbound(
        final FrameCodec codec, final int maxBytes, final SlowConsumerPolicy defaultPolicy,
        final OutboundBudget budget)
    {
        this.codec = codec;
        this.maxBytes = maxBytes;
        this.budget = budget;
        this.policies = new PolicyTable(defaultPolicy);
    }

    /**
     * Sets the slow-consumer policy of one topic's subscription on this connection.
     */
    synchronized void policy(final TopicState topic, final SlowConsumerPolicy policy)
    {
        policies.put(topic, policy);
    }

    /**
     * Sets the slow-consumer policy of the topics a pattern subscription brings.
     */
    synchronized void policy(final TopicPattern pattern, final SlowConsumerPolicy policy)
    {
        policies.put(pattern, policy);
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
        final int result = append(topic, seq, timestamp, src, offset, length);
        report();
        return result;
    }

    private int append(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length)
    {
        if (closed)
        {
            return CLOSED;
        }
        final int messageBytes = codec.messageBytes(topic, seq, timestamp, src, offset, length);
        int result = QUEUED;
        if (!fits(messageBytes))
        {
            if (policyOf(topic) == SlowConsumerPolicy.DISCONNECT || anyPendingDisconnects())
            {
                return OVERFLOW;
            }
            result = DROPPED;
            discardPending(topic, false);
            if (!fits(messageBytes))
            {
                discardPending(topic, true);
            }
            if (!fits(messageBytes))
            {
                // Even alone it does not fit beside what is in flight: it is lost too, and the gap says so.
                gaps.add(topic, seq, 0, 0);
                droppedMessages++;
                writeGaps();
                return DROPPED;
            }
        }
        encode(topic, seq, timestamp, src, offset, length, messageBytes);
        return result;
    }

    /**
     * Queues a control frame (an object with a {@code type}) after everything queued so far.
     *
     * @return {@link #QUEUED}, {@link #OVERFLOW} when even control frames no longer fit, or {@link #CLOSED}.
     */
    synchronized int appendControl(final JsonWriter frame)
    {
        final int result = control(frame);
        report();
        return result;
    }

    private int control(final JsonWriter frame)
    {
        if (closed)
        {
            return CLOSED;
        }
        final int length = frame.length();
        if (fillLength + inFlight + HEADER + length + 1 > maxBytes)
        {
            if (anyPendingDisconnects())
            {
                return OVERFLOW;
            }
            discardPending(null, true);
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
        takenOldestMicros = oldestQueuedMicros;
        oldestQueuedMicros = -1;
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
     * Receipt time of the oldest message in what was last taken, for the write-latency histogram.
     *
     * @return microseconds since the epoch, or -1 when it held no message.
     */
    synchronized long takenOldestMicros()
    {
        return takenOldestMicros;
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
        // Buffers are kept for the next burst up to RETAIN_CAPACITY; while all queues together hold more than half
        // their bound, an idle buffer is given back whatever its size, so that memory goes where messages wait.
        final int retain = budget.underPressure() ? 0 : RETAIN_CAPACITY;
        if (spare.length > retain)
        {
            spare = EMPTY;
        }
        if (closed || fillLength == 0)
        {
            sending = false;
            if (fillLength == 0 && fill.length > retain)
            {
                fill = EMPTY;
            }
            report();
            return false;
        }
        report();
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
        report();
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

    /**
     * The memory this queue's buffers hold, as counted against the bound of all queues together.
     *
     * @return bytes of buffer capacity; 0 once closed.
     */
    synchronized long memoryBytes()
    {
        return capacity();
    }

    synchronized int queuedBytes()
    {
        return fillLength + inFlight;
    }

    /**
     * Whether a message of {@code messageBytes} fits this queue's bound, and the memory its buffer would have to grow
     * by fits the bound of all queues together.
     */
    private boolean fits(final int messageBytes)
    {
        final int bytes = messageBytes + separatorBytes();
        if (fillLength + inFlight + bytes > maxBytes)
        {
            return false;
        }
        final int required = fillLength + bytes;
        return required <= fill.length ||
            budget.fits(capacity() - reported, grownCapacity(fill.length, required) - fill.length);
    }

    /** The memory this queue holds: both buffers, whatever they hold. */
    private long capacity()
    {
        return closed ? 0 : (long)fill.length + spare.length;
    }

    /** Adds this queue's change of memory since the last report to the budget; a closed queue holds nothing. */
    private void report()
    {
        final long now = capacity();
        budget.add(now - reported);
        reported = now;
    }

    private static int grownCapacity(final int current, final int required)
    {
        int capacity = Math.max(INITIAL_CAPACITY, current);
        while (capacity < required)
        {
            capacity *= 2;
        }
        return capacity;
    }

    private int separatorBytes()
    {
        // A separator, or a header with the opening of a data run; either way the closing the run will need, which
        // fillLength does not hold until then.
        return (openData >= 0 ? codec.dataSeparator().length : HEADER + codec.dataOpen().length) +
            codec.dataClose().length;
    }

    private void openDataRun(final int messageBytes)
    {
        final byte[] open = codec.dataOpen();
        ensure(HEADER + open.length + messageBytes + codec.dataClose().length);
        openData = fillLength;
        fill[fillLength + 4] = DATA;
        fillLength += HEADER;
        fillLength = put(open, fill, fillLength);
    }

    private void separate(final int messageBytes)
    {
        final byte[] separator = codec.dataSeparator();
        ensure(separator.length + messageBytes + codec.dataClose().length);
        fillLength = put(separator, fill, fillLength);
    }

    private void encode(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length, final int messageBytes)
    {
        if (openData < 0)
        {
            // A gap region before this run stays open until a take or a control frame: a later overflow merges
            // into it (every message after it is still queued, so each topic's range stays contiguous) instead of
            // stacking one more gap frame per topic until gaps alone fill the queue.
            openDataRun(messageBytes);
        }
        else
        {
            separate(messageBytes);
        }
        final int start = fillLength;
        fillLength = codec.encode(fill, start, topic, seq, timestamp, src, offset, length);
        pending.add(topic, seq, start, fillLength - start);
        if (oldestQueuedMicros < 0)
        {
            oldestQueuedMicros = timestamp;
        }
    }

    private SlowConsumerPolicy policyOf(final TopicState topic)
    {
        return policies.of(topic);
    }

    private boolean anyPendingDisconnects()
    {
        for (int i = 0; i < pending.count; i++)
        {
            if (policyOf(pending.topics[i]) == SlowConsumerPolicy.DISCONNECT)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Discards undelivered messages: all of them when {@code all}, else all but the newest of each topic whose policy
     * is {@link SlowConsumerPolicy#LATEST} (and all of {@code incoming}'s topic, since a newer one is arriving).
     * Control frames are kept in order; gap frames for what went are written after them, then the kept messages.
     */
    private void discardPending(final TopicState incoming, final boolean all)
    {
        if (pending.count == 0)
        {
            return;
        }
        closeData();
        // Copy out the messages to keep before the buffer is compacted.
        final JsonWriter kept = new JsonWriter(256);
        final List<TopicState> keptTopics = new ArrayList<>();
        final List<long[]> keptSpans = new ArrayList<>();
        for (int i = 0; i < pending.count; i++)
        {
            final TopicState topic = pending.topics[i];
            final long first = pending.first[i];
            final long last = pending.last[i];
            if (!all && topic != incoming && policyOf(topic) == SlowConsumerPolicy.LATEST)
            {
                keptSpans.add(new long[]{last, kept.length(), pending.lastLength[i]});
                keptTopics.add(topic);
                kept.raw(fill, pending.lastOffset[i], pending.lastLength[i]);
                if (first < last)
                {
                    gaps.addRange(topic, first, last - 1);
                    droppedMessages += last - first;
                }
            }
            else
            {
                gaps.addRange(topic, first, last);
                droppedMessages += last - first + 1;
            }
        }
        pending.clear();

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
        gapStart = -1;
        writeGaps();

        if (!keptTopics.isEmpty())
        {
            for (int k = 0; k < keptTopics.size(); k++)
            {
                final long[] span = keptSpans.get(k);
                final int length = (int)span[2];
                if (openData < 0)
                {
                    openDataRun(length);
                }
                else
                {
                    separate(length);
                }
                System.arraycopy(kept.buffer(), (int)span[1], fill, fillLength, length);
                pending.add(keptTopics.get(k), span[0], fillLength, length);
                fillLength += length;
            }
        }
    }

    /** Rewrites the gap region from {@link #gaps}; nothing may follow it but discarded messages. */
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
            codec.gap(w.reset(), gaps.topics[i], gaps.first[i], gaps.last[i], "slow-consumer");
            appendFrame(CONTROL, w.buffer(), 0, w.length());
        }
    }

    private void closeData()
    {
        if (openData >= 0)
        {
            final byte[] close = codec.dataClose();
            ensure(close.length);
            fillLength = put(close, fill, fillLength);
            putInt(fill, openData, fillLength - openData - HEADER);
            openData = -1;
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
            fill = Arrays.copyOf(fill, grownCapacity(fill.length, required));
        }
    }

    /**
     * Counts the frames in a taken buffer.
     */
    static int frameCount(final byte[] buffer, final int taken)
    {
        int frames = 0;
        for (int at = 0; at < taken; at += HEADER + getInt(buffer, at))
        {
            frames++;
        }
        return frames;
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
}
