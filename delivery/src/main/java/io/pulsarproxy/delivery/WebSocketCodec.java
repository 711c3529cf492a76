package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonWriter;

import java.nio.charset.StandardCharsets;

/**
 * WebSocket frames: a data frame is a JSON array of {@code {"topic","seq","ts","payload"}} objects, the payload
 * copied verbatim; a gap is {@code {"type":"gap","topic","from","to","reason"}}.
 * <p>
 * A message object is the same for every subscriber it goes to, and the deliver stage hands a message to all of a
 * topic's recipients in turn: so the codec keeps the last message it encoded, and each further recipient costs one
 * copy of it instead of an encoding (two numbers formatted, five copies). One instance serves one endpoint.
 * <p>
 * <b>Note:</b> {@link #messageBytes} and {@link #encode} run on the deliver thread only (the stage thread, or the
 * one IO thread at a time that runs the stages inline), as every {@code Subscriber.on...} call does; the other
 * methods keep no state.
 */
final class WebSocketCodec implements FrameCodec
{
    private static final int INITIAL_ENVELOPE_BYTES = 256;

    private static final byte[] OPEN = {'['};
    private static final byte[] SEPARATOR = {','};
    private static final byte[] CLOSE = {']'};
    private static final byte[] TOPIC = ascii("{\"topic\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");

    // The message last encoded, and its object: a message is the same one when all six match (a topic's seq and
    // receive time name it; the source and offset make a replay from history encode again, which is rare).
    private TopicState lastTopic;
    private long lastSeq;
    private long lastTimestamp;
    private byte[] lastSrc;
    private int lastOffset;
    private int lastLength = -1;
    private byte[] envelope = new byte[INITIAL_ENVELOPE_BYTES];
    private int envelopeLength;

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
        return envelope(topic, seq, timestamp, src, offset, length);
    }

    @Override
    public int encode(
        final byte[] dst, final int at, final TopicState topic, final long seq, final long timestamp,
        final byte[] src, final int offset, final int length)
    {
        final int bytes = envelope(topic, seq, timestamp, src, offset, length);
        System.arraycopy(envelope, 0, dst, at, bytes);
        return at + bytes;
    }

    @Override
    public void gap(final JsonWriter w, final TopicState topic, final long from, final long to, final String reason)
    {
        writeGap(w, topic, from, to, reason);
    }

    /**
     * Writes a gap object; stateless, for the SSE codec too.
     */
    static void writeGap(
        final JsonWriter w, final TopicState topic, final long from, final long to, final String reason)
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
     * Encodes the message object into {@link #envelope} unless it holds it already.
     *
     * @return the object's length.
     */
    private int envelope(
        final TopicState topic, final long seq, final long timestamp, final byte[] src, final int offset,
        final int length)
    {
        if (seq != lastSeq || topic != lastTopic || timestamp != lastTimestamp || src != lastSrc ||
            offset != lastOffset || length != lastLength)
        {
            final int bytes = envelopeBytes(topic, seq, timestamp, length);
            if (envelope.length < bytes)
            {
                // Grows to the largest message object seen, which the payload limit bounds.
                envelope = new byte[Math.max(bytes, envelope.length << 1)];
            }
            envelopeLength = encodeEnvelope(envelope, 0, topic, seq, timestamp, src, offset, length);
            lastTopic = topic;
            lastSeq = seq;
            lastTimestamp = timestamp;
            lastSrc = src;
            lastOffset = offset;
            lastLength = length;
        }
        return envelopeLength;
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
