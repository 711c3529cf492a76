package io.pulsarproxy.delivery;

import java.util.Arrays;

/**
 * Parses the frames a client sends (RFC 6455 section 5): checks them, unmasks them in place, reassembles fragmented
 * messages and hands complete messages and control frames to a {@link Handler}.
 * <p>
 * The first protocol violation is reported once with the close code to send (1002 protocol error, 1007 invalid
 * UTF-8, 1009 message too big) and parsing stops for good, as it does after a close frame.
 * <p>
 * <b>Note:</b> one instance per connection, used on its IO thread only.
 */
final class WebSocketFrameReader
{
    /** RFC 6455 close code: protocol error. */
    static final int CLOSE_PROTOCOL_ERROR = 1002;
    /** RFC 6455 close code: a text message that is not UTF-8. */
    static final int CLOSE_INVALID_DATA = 1007;
    /** RFC 6455 close code: a message larger than the endpoint accepts. */
    static final int CLOSE_TOO_BIG = 1009;
    /** Close code when a close frame carried none. */
    static final int NO_CODE = -1;

    static final int OPCODE_CONTINUATION = 0;
    static final int OPCODE_TEXT = 1;
    static final int OPCODE_BINARY = 2;
    static final int OPCODE_CLOSE = 8;
    static final int OPCODE_PING = 9;
    static final int OPCODE_PONG = 10;

    private static final int MAX_CONTROL_PAYLOAD = 125;
    private static final int MASK_BYTES = 4;
    private static final int INITIAL_MESSAGE_CAPACITY = 256;

    /**
     * Receives what the reader finds, in order. Payload ranges are valid only during the call.
     */
    interface Handler
    {
        /**
         * A complete text message, valid UTF-8.
         */
        void onText(byte[] buffer, int offset, int length);

        /**
         * A complete binary message (its content is of no use to the gateway).
         */
        void onBinary();

        /**
         * A ping; answer it with a pong carrying the same payload.
         */
        void onPing(byte[] buffer, int offset, int length);

        /**
         * A pong.
         */
        void onPong();

        /**
         * A valid close frame; nothing more will be parsed.
         *
         * @param code the status code, or {@link #NO_CODE}.
         */
        void onClose(int code, byte[] buffer, int offset, int length);

        /**
         * A protocol violation; nothing more will be parsed.
         *
         * @param closeCode the close code to answer with.
         * @param reason    the close reason.
         */
        void onProtocolError(int closeCode, String reason);
    }

    private final Handler handler;
    private final int maxMessageBytes;
    private final String tooBigReason;
    private boolean stopped;
    private int needed;
    private int fragmentOpcode = -1;
    private byte[] message;
    private int messageLength;

    /**
     * Creates a reader.
     *
     * @param handler         receives messages and control frames.
     * @param maxMessageBytes the largest message accepted, summed over its fragments.
     */
    WebSocketFrameReader(final Handler handler, final int maxMessageBytes)
    {
        this.handler = handler;
        this.maxMessageBytes = maxMessageBytes;
        this.tooBigReason = "message larger than " + maxMessageBytes + " bytes";
    }

    /**
     * Length of the frame that {@link #parse} stopped in front of, for lack of bytes; the caller keeps at least that
     * much room. Bounded: a frame over the message limit is refused from its header.
     *
     * @return the whole frame's length, header included.
     */
    int needed()
    {
        return needed;
    }

    /**
     * Tells whether parsing has ended (close frame or protocol error).
     *
     * @return true once stopped.
     */
    boolean isStopped()
    {
        return stopped;
    }

    /**
     * Parses every complete frame in a range, unmasking payloads in place.
     *
     * @param b      the bytes read.
     * @param offset where they start.
     * @param length how many.
     * @return how many bytes were consumed; the rest is the beginning of an incomplete frame (or, once stopped,
     *     bytes to discard).
     */
    int parse(final byte[] b, final int offset, final int length)
    {
        final int end = offset + length;
        int p = offset;
        while (!stopped)
        {
            final int available = end - p;
            if (available < 2)
            {
                needed = 2;
                break;
            }
            final int b0 = b[p] & 0xFF;
            final int b1 = b[p + 1] & 0xFF;
            long payloadLength = b1 & 0x7F;
            int headerLength = 2;
            if (payloadLength == 126)
            {
                if (available < 4)
                {
                    needed = 4;
                    break;
                }
                payloadLength = (b[p + 2] & 0xFF) << 8 | b[p + 3] & 0xFF;
                headerLength = 4;
            }
            else if (payloadLength == 127)
            {
                if (available < 10)
                {
                    needed = 10;
                    break;
                }
                payloadLength = 0;
                for (int i = 2; i < 10; i++)
                {
                    payloadLength = payloadLength << 8 | b[p + i] & 0xFF;
                }
                headerLength = 10;
                if (payloadLength < 0)
                {
                    return fail(p - offset, CLOSE_PROTOCOL_ERROR, "frame length has its most significant bit set");
                }
            }
            // Everything that can be refused from the header is refused before waiting for the payload.
            final String violation = check(b0, b1, payloadLength);
            if (violation != null)
            {
                return fail(p - offset, violation == tooBigReason ? CLOSE_TOO_BIG : CLOSE_PROTOCOL_ERROR, violation);
            }
            final int frameLength = headerLength + MASK_BYTES + (int)payloadLength;
            if (available < frameLength)
            {
                needed = frameLength;
                break;
            }
            final int payload = p + headerLength + MASK_BYTES;
            unmask(b, payload - MASK_BYTES, payload, (int)payloadLength);
            p += frameLength;
            dispatch(b0, b, payload, (int)payloadLength);
        }
        return p - offset;
    }

    private String check(final int b0, final int b1, final long payloadLength)
    {
        final boolean fin = (b0 & 0x80) != 0;
        final int opcode = b0 & 0x0F;
        if ((b0 & 0x70) != 0)
        {
            return "reserved bits set, and no extension was negotiated";
        }
        if ((b1 & 0x80) == 0)
        {
            return "client frames must be masked";
        }
        if (opcode >= OPCODE_CLOSE)
        {
            if (opcode > OPCODE_PONG)
            {
                return "reserved control opcode " + opcode;
            }
            if (!fin)
            {
                return "fragmented control frame";
            }
            if (payloadLength > MAX_CONTROL_PAYLOAD)
            {
                return "control frame payload over 125 bytes";
            }
            if (opcode == OPCODE_CLOSE && payloadLength == 1)
            {
                return "close frame payload of 1 byte";
            }
            return null;
        }
        if (opcode > OPCODE_BINARY)
        {
            return "reserved data opcode " + opcode;
        }
        if (opcode == OPCODE_CONTINUATION && fragmentOpcode < 0)
        {
            return "continuation frame outside a fragmented message";
        }
        if (opcode != OPCODE_CONTINUATION && fragmentOpcode >= 0)
        {
            return "new message inside a fragmented message";
        }
        final long total = (opcode == OPCODE_CONTINUATION ? messageLength : 0) + payloadLength;
        return total > maxMessageBytes ? tooBigReason : null;
    }

    private void dispatch(final int b0, final byte[] b, final int payload, final int length)
    {
        final boolean fin = (b0 & 0x80) != 0;
        final int opcode = b0 & 0x0F;
        switch (opcode)
        {
            case OPCODE_TEXT:
            case OPCODE_BINARY:
                if (fin)
                {
                    deliver(opcode, b, payload, length);
                }
                else
                {
                    fragmentOpcode = opcode;
                    append(b, payload, length);
                }
                break;
            case OPCODE_CONTINUATION:
                append(b, payload, length);
                if (fin)
                {
                    final int messageOpcode = fragmentOpcode;
                    fragmentOpcode = -1;
                    final int total = messageLength;
                    messageLength = 0;
                    deliver(messageOpcode, message, 0, total);
                    if (message.length > INITIAL_MESSAGE_CAPACITY * 16)
                    {
                        message = null; // a large message came once; an idle connection should not keep its buffer
                    }
                }
                break;
            case OPCODE_PING:
                handler.onPing(b, payload, length);
                break;
            case OPCODE_PONG:
                handler.onPong();
                break;
            default:
                close(b, payload, length);
                break;
        }
    }

    private void deliver(final int opcode, final byte[] b, final int offset, final int length)
    {
        if (opcode == OPCODE_BINARY)
        {
            handler.onBinary();
        }
        else if (!Utf8.isValid(b, offset, length))
        {
            fail(0, CLOSE_INVALID_DATA, "text message is not valid UTF-8");
        }
        else
        {
            handler.onText(b, offset, length);
        }
    }

    private void close(final byte[] b, final int payload, final int length)
    {
        if (length == 0)
        {
            stopped = true;
            handler.onClose(NO_CODE, b, payload, 0);
            return;
        }
        final int code = (b[payload] & 0xFF) << 8 | b[payload + 1] & 0xFF;
        if (!isValidCloseCode(code))
        {
            fail(0, CLOSE_PROTOCOL_ERROR, "invalid close code " + code);
            return;
        }
        if (!Utf8.isValid(b, payload + 2, length - 2))
        {
            fail(0, CLOSE_INVALID_DATA, "close reason is not valid UTF-8");
            return;
        }
        stopped = true;
        handler.onClose(code, b, payload + 2, length - 2);
    }

    /**
     * Codes a peer may send (RFC 6455 section 7.4 and the IANA registry); 1005, 1006 and 1015 are never sent.
     */
    static boolean isValidCloseCode(final int code)
    {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private void append(final byte[] b, final int offset, final int length)
    {
        final int required = messageLength + length;
        if (message == null || message.length < required)
        {
            int capacity = message == null ? INITIAL_MESSAGE_CAPACITY : message.length;
            while (capacity < required)
            {
                capacity *= 2;
            }
            message = message == null ? new byte[capacity] : Arrays.copyOf(message, capacity);
        }
        System.arraycopy(b, offset, message, messageLength, length);
        messageLength = required;
    }

    private int fail(final int consumed, final int code, final String reason)
    {
        stopped = true;
        message = null;
        handler.onProtocolError(code, reason);
        return consumed;
    }

    private static void unmask(final byte[] b, final int maskAt, final int payload, final int length)
    {
        final byte m0 = b[maskAt];
        final byte m1 = b[maskAt + 1];
        final byte m2 = b[maskAt + 2];
        final byte m3 = b[maskAt + 3];
        final int end = payload + length;
        int i = payload;
        for (; i + 3 < end; i += 4)
        {
            b[i] ^= m0;
            b[i + 1] ^= m1;
            b[i + 2] ^= m2;
            b[i + 3] ^= m3;
        }
        for (int k = 0; i < end; i++, k++)
        {
            b[i] ^= k == 0 ? m0 : k == 1 ? m1 : m2;
        }
    }
}
