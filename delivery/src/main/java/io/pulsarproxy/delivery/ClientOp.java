package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.TopicName;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonObjectCursor;
import io.pulsarproxy.pipeline.json.JsonScanner;

import java.nio.charset.StandardCharsets;

/**
 * Parses one client frame, {@code {"op":"subscribe","topic":"a","from":123}}, into fields over its bytes.
 * <p>
 * On failure {@link #errorCode()} and {@link #errorMessage()} say what to put in the {@code error} frame.
 * <p>
 * <b>Note:</b> reusable; one instance per connection's IO thread use.
 */
final class ClientOp
{
    static final int NONE = 0;
    static final int SUBSCRIBE = 1;
    static final int UNSUBSCRIBE = 2;
    static final int PING = 3;

    private static final byte[] OP = ascii("op");
    private static final byte[] TOPIC = ascii("topic");
    private static final byte[] FROM = ascii("from");
    private static final byte[] EPOCH = ascii("epoch");
    private static final byte[] POLICY = ascii("policy");
    private static final byte[] ID = ascii("id");

    private final JsonScanner scanner;
    private final JsonObjectCursor cursor;

    private byte[] buf;
    int op;
    String opName;
    int topicOffset;
    int topicLength;
    long from;
    boolean hasFrom;
    String errorCode;
    String errorMessage;

    ClientOp(final int maxDepth)
    {
        this.scanner = new JsonScanner(maxDepth);
        this.cursor = new JsonObjectCursor(scanner);
    }

    byte[] buffer()
    {
        return buf;
    }

    String errorCode()
    {
        return errorCode;
    }

    String errorMessage()
    {
        return errorMessage;
    }

    /**
     * Parses a frame.
     *
     * @return true when the frame is a well-formed op.
     */
    boolean parse(final byte[] frame)
    {
        buf = frame;
        op = NONE;
        opName = null;
        topicOffset = 0;
        topicLength = -1;
        hasFrom = false;
        from = 0;
        errorCode = null;
        errorMessage = null;

        final int limit = frame.length;
        final int start = JsonScanner.skipWhitespace(frame, 0, limit);
        if (scanner.validateDocument(frame, 0, limit) == JsonScanner.FAILED)
        {
            return fail("bad-frame", "frame is not valid JSON: " + scanner.errorMessage() + " at offset " +
                scanner.errorOffset());
        }
        if (frame[start] != '{')
        {
            return fail("bad-frame", "frame must be a JSON object with an \"op\"");
        }
        cursor.open(frame, start, limit);
        int r;
        while ((r = cursor.next()) == JsonObjectCursor.MEMBER)
        {
            if (cursor.keyEquals(OP))
            {
                if (!cursor.valueIsString())
                {
                    return fail("bad-op", "\"op\" must be a string");
                }
                opName = new String(frame, cursor.valueOffset() + 1, cursor.valueLength() - 2, StandardCharsets.UTF_8);
            }
            else if (cursor.keyEquals(TOPIC))
            {
                if (!cursor.valueIsString())
                {
                    return fail("bad-topic", "\"topic\" must be a string");
                }
                topicOffset = cursor.valueOffset() + 1;
                topicLength = cursor.valueLength() - 2;
            }
            else if (cursor.keyEquals(FROM))
            {
                from = JsonNumbers.parseNonNegativeLong(frame, cursor.valueOffset(), cursor.valueLength());
                if (from == JsonNumbers.NOT_A_NUMBER)
                {
                    return fail("bad-from", "\"from\" must be a non-negative integer seq");
                }
                hasFrom = true;
            }
            else if (!cursor.keyEquals(EPOCH) && !cursor.keyEquals(POLICY) && !cursor.keyEquals(ID))
            {
                return fail("bad-op", "unknown member \"" +
                    new String(frame, cursor.keyOffset(), cursor.keyLength(), StandardCharsets.UTF_8) +
                    "\" (allowed: op, topic, from, epoch, policy, id)");
            }
        }
        if (r == JsonScanner.FAILED)
        {
            return fail("bad-frame", "frame is not valid JSON");
        }
        if (opName == null)
        {
            return fail("bad-op", "frame has no \"op\" (one of subscribe, unsubscribe, ping)");
        }
        switch (opName)
        {
            case "subscribe":
                op = SUBSCRIBE;
                return requireTopic();
            case "unsubscribe":
                op = UNSUBSCRIBE;
                return requireTopic();
            case "ping":
                op = PING;
                return true;
            default:
                return fail("bad-op", "unknown op \"" + opName + "\" (one of subscribe, unsubscribe, ping)");
        }
    }

    private boolean requireTopic()
    {
        if (topicLength < 0)
        {
            return fail("bad-topic", "\"" + opName + "\" needs a \"topic\"");
        }
        final int code = TopicName.validatePattern(buf, topicOffset, topicLength);
        if (code != TopicName.VALID)
        {
            return fail("bad-topic", TopicName.describe(code));
        }
        if (TopicName.isWildcard(buf, topicOffset, topicLength))
        {
            return fail("unsupported", "wildcard subscriptions are not supported by this version");
        }
        return true;
    }

    private boolean fail(final String code, final String message)
    {
        errorCode = code;
        errorMessage = message;
        return false;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
