package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.nio.charset.StandardCharsets;

/**
 * WebSocket frames: a data frame is a JSON array of {@code {"topic","seq","ts","payload"}} objects, the payload
 * copied verbatim; a gap is {@code {"type":"gap","topic","from","to","reason"}}.
 */
final class WebSocketCodec implements FrameCodec
{
    static final WebSocketCodec INSTANCE = new WebSocketCodec();

    private static final byte[] OPEN = {'['};
    private static final byte[] SEPARATOR = {','};
    private static final byte[] CLOSE = {']'};
    private static final byte[] TOPIC = ascii("{\"topic\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");

    private WebSocketCodec()
    {
    }

    @Override
    public byte[] dataOpen()
    {
        return OPEN;
    }

    @Override
    public byte[] dataSeparator()
    {
        return SEPARATOR;
    }

    @Override
    public byte[] dataClose()
    {
        return CLOSE;
    }

    @Override
    public int messageBytes(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length)
    {
        return envelopeBytes(topic, seq, timestamp, length);
    }

    @Override
    public int encode(
        final byte[] dst, final int at, final TopicState topic, final long seq, final long timestamp,
        final byte[] src, final int offset, final int length)
    {
        return encodeEnvelope(dst, at, topic, seq, timestamp, src, offset, length);
    }

    @Override
    public void gap(final JsonWriter w, final TopicState topic, final long from, final long to, final String reason)
    {
        w.raw("{\"type\":\"gap\",\"topic\":").string(topic.name())
            .raw(",\"from\":").number(from)
            .raw(",\"to\":").number(to)
            .raw(",\"reason\":").string(reason);
        if ("epoch".equals(reason))
        {
            w.raw(",\"epoch\":").string(topic.epoch());
        }
        w.raw("}");
    }

    /**
     * Length of the message object {@code {"topic":...,"payload":...}}.
     */
    static int envelopeBytes(final TopicState topic, final long seq, final long timestamp, final int length)
    {
        return TOPIC.length + topic.nameBytes().length + SEQ.length + JsonNumbers.lengthOf(seq) + TS.length +
            JsonNumbers.lengthOf(timestamp) + PAYLOAD.length + length + 1;
    }

    /**
     * Writes the message object {@code {"topic":...,"seq":...,"ts":...,"payload":...}}.
     */
    static int encodeEnvelope(
        final byte[] dst, final int at, final TopicState topic, final long seq, final long timestamp,
        final byte[] src, final int offset, final int length)
    {
        int p = at;
        p = put(TOPIC, dst, p);
        p = put(topic.nameBytes(), dst, p);
        p = put(SEQ, dst, p);
        p = JsonNumbers.putLong(seq, dst, p);
        p = put(TS, dst, p);
        p = JsonNumbers.putLong(timestamp, dst, p);
        p = put(PAYLOAD, dst, p);
        System.arraycopy(src, offset, dst, p, length);
        p += length;
        dst[p++] = '}';
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
