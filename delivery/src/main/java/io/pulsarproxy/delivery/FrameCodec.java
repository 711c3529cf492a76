package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;

/**
 * How an {@link Outbound} queue encodes messages and gaps for one transport.
 * <p>
 * Messages queued together form one data run: {@link #dataOpen()}, messages joined by {@link #dataSeparator()},
 * {@link #dataClose()}. For WebSocket that is a JSON array sent as one frame; for SSE the three are empty and each
 * message is its own event.
 * <p>
 * <b>Note:</b> implementations are stateless and shared.
 */
interface FrameCodec
{
    /**
     * Bytes that open a data run.
     *
     * @return the bytes; never modified.
     */
    byte[] dataOpen();

    /**
     * Bytes between two messages of a data run.
     *
     * @return the bytes; never modified.
     */
    byte[] dataSeparator();

    /**
     * Bytes that close a data run.
     *
     * @return the bytes; never modified.
     */
    byte[] dataClose();

    /**
     * The exact length {@link #encode} will write.
     */
    int messageBytes(TopicState topic, long seq, long timestamp, byte[] src, int offset, int length);

    /**
     * Encodes one message at {@code at}.
     *
     * @return the offset just past what was written.
     */
    int encode(byte[] dst, int at, TopicState topic, long seq, long timestamp, byte[] src, int offset, int length);

    /**
     * Writes a control frame telling that seqs {@code from..to} of a topic will not be delivered.
     */
    void gap(JsonWriter w, TopicState topic, long from, long to, String reason);
}
