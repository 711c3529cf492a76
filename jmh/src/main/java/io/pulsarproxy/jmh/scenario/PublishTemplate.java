package io.pulsarproxy.jmh.scenario;

import java.nio.charset.StandardCharsets;

/**
 * Publish request bytes built once, whose per-message fields (the message index {@code i} and the publish time
 * {@code t}) are patched in place before each send, so that a publisher allocates nothing per request.
 * <p>
 * Every payload is the JSON object {@code {"i": <index>,"t": <nanos>,"p":"xxx..."}}; numbers are right-aligned in
 * fixed-width fields padded with spaces (JSON whitespace), which keeps the request length constant. Subscribers find
 * {@code "i":} and {@code "t":} with a byte scan and compute latency as {@link #clock()} minus {@code t}.
 * <p>
 * <b>Note:</b> not thread safe; one template per publisher thread.
 */
public final class PublishTemplate
{
    /** Width of the index field. */
    static final int INDEX_WIDTH = 10;
    /** Width of the time field. */
    static final int TIME_WIDTH = 19;

    private static final long BASE = System.nanoTime();

    private final byte[] bytes;
    private final int[] indexSlots;
    private final int[] timeSlots;

    private PublishTemplate(final byte[] bytes, final int[] indexSlots, final int[] timeSlots)
    {
        this.bytes = bytes;
        this.indexSlots = indexSlots;
        this.timeSlots = timeSlots;
    }

    /**
     * The clock written into {@code t}: nanoseconds, positive, shared by every thread of this process.
     *
     * @return the current time.
     */
    public static long clock()
    {
        return System.nanoTime() - BASE + 1;
    }

    /**
     * A request that publishes one message, whose body is the payload.
     *
     * @param path     the publish path.
     * @param host     the Host header.
     * @param padBytes length of the payload's filler string.
     * @return the template.
     */
    public static PublishTemplate single(final String path, final String host, final int padBytes)
    {
        final String body = payload(padBytes);
        final byte[] request = RawHttp.request("POST", path, host, "application/json",
            body.getBytes(StandardCharsets.US_ASCII));
        final int bodyStart = request.length - body.length();
        return new PublishTemplate(request,
            new int[] {bodyStart + body.indexOf("\"i\":") + 4},
            new int[] {bodyStart + body.indexOf("\"t\":") + 4});
    }

    /**
     * A request that publishes {@code count} messages to one topic through the batch API.
     *
     * @param path     the batch path.
     * @param host     the Host header.
     * @param topic    the topic of every message.
     * @param count    messages in the batch.
     * @param padBytes length of each payload's filler string.
     * @return the template.
     */
    public static PublishTemplate batch(
        final String path, final String host, final String topic, final int count, final int padBytes)
    {
        final String payload = payload(padBytes);
        final String element = "{\"topic\":\"" + topic + "\",\"payload\":" + payload + "}";
        final StringBuilder body = new StringBuilder(count * (element.length() + 1) + 2).append('[');
        final int[] index = new int[count];
        final int[] time = new int[count];
        for (int k = 0; k < count; k++)
        {
            if (k > 0)
            {
                body.append(',');
            }
            final int at = body.length();
            body.append(element);
            index[k] = at + element.indexOf("\"i\":") + 4;
            time[k] = at + element.indexOf("\"t\":") + 4;
        }
        body.append(']');
        final byte[] request = RawHttp.request("POST", path, host, "application/json",
            body.toString().getBytes(StandardCharsets.US_ASCII));
        final int bodyStart = request.length - body.length();
        for (int k = 0; k < count; k++)
        {
            index[k] += bodyStart;
            time[k] += bodyStart;
        }
        return new PublishTemplate(request, index, time);
    }

    private static String payload(final int padBytes)
    {
        return "{\"i\":" + " ".repeat(INDEX_WIDTH) + ",\"t\":" + " ".repeat(TIME_WIDTH) + ",\"p\":\"" +
            "x".repeat(Math.max(0, padBytes)) + "\"}";
    }

    /**
     * Writes the indexes {@code firstIndex, firstIndex + 1, ...} and the time {@code t} into the messages.
     *
     * @param firstIndex index of the first message.
     * @param t          the publish time, from {@link #clock()}.
     * @return the request bytes, ready to send.
     */
    public byte[] stamp(final long firstIndex, final long t)
    {
        for (int k = 0; k < indexSlots.length; k++)
        {
            putPadded(bytes, indexSlots[k], INDEX_WIDTH, firstIndex + k);
            putPadded(bytes, timeSlots[k], TIME_WIDTH, t);
        }
        return bytes;
    }

    /**
     * How many messages one request carries.
     *
     * @return the message count.
     */
    public int messages()
    {
        return indexSlots.length;
    }

    /**
     * The request bytes.
     *
     * @return the bytes (patched in place by {@link #stamp}).
     */
    public byte[] bytes()
    {
        return bytes;
    }

    static void putPadded(final byte[] dst, final int at, final int width, final long value)
    {
        long v = value;
        int p = at + width - 1;
        do
        {
            dst[p--] = (byte)('0' + (v % 10));
            v /= 10;
        }
        while (v > 0 && p >= at);
        while (p >= at)
        {
            dst[p--] = ' ';
        }
    }
}
