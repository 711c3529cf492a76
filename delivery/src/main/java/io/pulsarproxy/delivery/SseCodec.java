package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.nio.charset.StandardCharsets;

/**
 * Server-sent events. For a stream of one topic a message is {@code id: <seq>}, {@code event: message},
 * {@code data: <payload>}; for a pattern stream, which spans topics, there is no {@code id} and the data is the
 * WebSocket message object (topic, seq, ts, payload). A gap is {@code event: gap} with a JSON {@code data}.
 * <p>
 * SSE data cannot hold a line break, so a payload with line breaks (JSON whitespace only) is split into several
 * {@code data:} lines, which the client's EventSource joins back with {@code \n}.
 */
final class SseCodec implements FrameCodec
{
    static final SseCodec TOPIC_STREAM = new SseCodec(false);
    static final SseCodec PATTERN_STREAM = new SseCodec(true);

    private static final byte[] NONE = new byte[0];
    private static final byte[] ID = ascii("id: ");
    private static final byte[] EVENT_DATA = ascii("\nevent: message\ndata: ");
    private static final byte[] PATTERN_EVENT_DATA = ascii("event: message\ndata: ");
    private static final byte[] DATA_LINE = ascii("\ndata: ");
    private static final byte[] END = ascii("\n\n");

    private final boolean pattern;

    private SseCodec(final boolean pattern)
    {
        this.pattern = pattern;
    }

    @Override
    public byte[] dataOpen()
    {
        return NONE;
    }

    @Override
    public byte[] dataSeparator()
    {
        return NONE;
    }

    @Override
    public byte[] dataClose()
    {
        return NONE;
    }

    @Override
    public int messageBytes(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length)
    {
        final int breaks = lineBreaks(src, offset, length);
        if (pattern)
        {
            return PATTERN_EVENT_DATA.length + WebSocketCodec.envelopeBytes(topic, seq, timestamp, length) +
                breaks * DATA_LINE.length + END.length;
        }
        return ID.length + JsonNumbers.lengthOf(seq) + EVENT_DATA.length + length + breaks * DATA_LINE.length +
            END.length;
    }

    @Override
    public int encode(
        final byte[] dst, final int at, final TopicState topic, final long seq, final long timestamp,
        final byte[] src, final int offset, final int length)
    {
        int p = at;
        if (pattern)
        {
            p = put(PATTERN_EVENT_DATA, dst, p);
            final int start = p;
            p = WebSocketCodec.encodeEnvelope(dst, p, topic, seq, timestamp, src, offset, length);
            if (lineBreaks(src, offset, length) > 0)
            {
                // Rare: re-encode the envelope with its line breaks turned into data lines.
                final byte[] envelope = java.util.Arrays.copyOfRange(dst, start, p);
                p = splitLines(envelope, 0, envelope.length, dst, start);
            }
        }
        else
        {
            p = put(ID, dst, p);
            p = JsonNumbers.putLong(seq, dst, p);
            p = put(EVENT_DATA, dst, p);
            p = splitLines(src, offset, length, dst, p);
        }
        return put(END, dst, p);
    }

    @Override
    public void gap(final JsonWriter w, final TopicState topic, final long from, final long to, final String reason)
    {
        w.raw("event: gap\ndata: ");
        WebSocketCodec.writeGap(w, topic, from, to, reason);
        w.raw("\n\n");
    }

    /** Counts line breaks as SSE sees them: CR LF, CR, LF. */
    private static int lineBreaks(final byte[] src, final int offset, final int length)
    {
        int breaks = 0;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final byte b = src[i];
            if (b == '\n' || (b == '\r' && (i + 1 == end || src[i + 1] != '\n')))
            {
                breaks++;
            }
        }
        return breaks;
    }

    private static int splitLines(final byte[] src, final int offset, final int length, final byte[] dst, final int at)
    {
        int p = at;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final byte b = src[i];
            if (b == '\r' && i + 1 < end && src[i + 1] == '\n')
            {
                continue;
            }
            if (b == '\n' || b == '\r')
            {
                p = put(DATA_LINE, dst, p);
            }
            else
            {
                dst[p++] = b;
            }
        }
        return p;
    }

    private static int put(final byte[] src, final byte[] dst, final int at)
    {
        System.arraycopy(src, 0, dst, at, src.length);
        return at + src.length;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
