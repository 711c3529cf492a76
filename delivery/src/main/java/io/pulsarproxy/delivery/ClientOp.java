package io.pulsarproxy.delivery;

import io.pulsarproxy.pipeline.MessageEvent;
import io.pulsarproxy.pipeline.TopicName;
import io.pulsarproxy.pipeline.json.JsonNumbers;
import io.pulsarproxy.pipeline.json.JsonObjectCursor;
import io.pulsarproxy.pipeline.json.JsonScanner;

import java.nio.charset.StandardCharsets;

/**
 * Parses one client frame, {@code {"op":"subscribe","topic":"a","from":123,"epoch":"...","policy":"latest"}}, into
 * fields over its bytes.
 * <p>
 * On failure {@link #errorCode()} and {@link #errorMessage()} say what to put in the {@code error} frame.
 * <p>
 * <b>Note:</b> reusable; one instance per connection, used on its IO thread.
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

    private final JsonScanner scanner;
    private final JsonObjectCursor cursor;

    private byte[] buf;
    int op;
    String opName;
    int topicOffset;
    int topicLength;
    boolean wildcard;
    long from;
    String epoch;
    SlowConsumerPolicy policy;
    String errorCode;
    String errorMessage;

    ClientOp(final int maxDepth)
    {
        this.scanner = new JsonScanner(maxDepth);
        this.cursor = new JsonObjectCursor(scanner);
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
     * Parses a frame; topic offsets then refer to {@code frame}.
     *
     * @param frame  the bytes holding the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return true when the frame is a well-formed op.
     */
    boolean parse(final byte[] frame, final int offset, final int length)
    {
        buf = frame;
        op = NONE;
        opName = null;
        topicOffset = 0;
        topicLength = -1;
        wildcard = false;
        from = MessageEvent.NO_FROM;
        epoch = null;
        policy = null;
        errorCode = null;
        errorMessage = null;

        final int limit = offset + length;
        final int start = JsonScanner.skipWhitespace(frame, offset, limit);
        if (scanner.validateDocument(frame, offset, limit) == JsonScanner.FAILED)
        {
            return fail("bad-frame", "frame is not valid JSON: " + scanner.errorMessage() + " at offset " +
                (scanner.errorOffset() - offset));
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
                opName = string();
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
            }
            else if (cursor.keyEquals(EPOCH))
            {
                if (!cursor.valueIsString())
                {
                    return fail("bad-epoch", "\"epoch\" must be a string");
                }
                epoch = string();
            }
            else if (cursor.keyEquals(POLICY))
            {
                if (!cursor.valueIsString())
                {
                    return fail("bad-policy", "\"policy\" must be one of drop, disconnect, latest");
                }
                try
                {
                    policy = SlowConsumerPolicy.parse(string());
                }
                catch (final IllegalArgumentException ex)
                {
                    return fail("bad-policy", "\"policy\" " + ex.getMessage());
                }
            }
            else
            {
                return fail("bad-op", "unknown member \"" +
                    new String(frame, cursor.keyOffset(), cursor.keyLength(), StandardCharsets.UTF_8) +
                    "\" (allowed: op, topic, from, epoch, policy)");
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
                return checkSubscription(buf, topicOffset, topicLength);
            case "unsubscribe":
                op = UNSUBSCRIBE;
                return checkSubscription(buf, topicOffset, topicLength);
            case "ping":
                op = PING;
                return true;
            default:
                return fail("bad-op", "unknown op \"" + opName + "\" (one of subscribe, unsubscribe, ping)");
        }
    }

    /**
     * Checks a topic or pattern with this op's {@code from}, for frames and for the query string alike.
     *
     * @return true when valid; else the error fields are set.
     */
    boolean checkSubscription(final byte[] topic, final int offset, final int length)
    {
        if (length < 0)
        {
            return fail("bad-topic", "\"" + opName + "\" needs a \"topic\"");
        }
        final int code = TopicName.validatePattern(topic, offset, length);
        if (code != TopicName.VALID)
        {
            return fail("bad-topic", TopicName.describe(code));
        }
        wildcard = TopicName.isWildcard(topic, offset, length);
        if (wildcard && from != MessageEvent.NO_FROM)
        {
            return fail("bad-from", "\"from\" resumes one topic's sequence; it cannot be used with a wildcard pattern");
        }
        return true;
    }

    /**
     * Prepares for a subscription taken from the query string rather than a frame.
     */
    void resetForQuery(final long queryFrom, final String queryEpoch, final SlowConsumerPolicy queryPolicy)
    {
        op = SUBSCRIBE;
        opName = "subscribe";
        from = queryFrom;
        epoch = queryEpoch;
        policy = queryPolicy;
        errorCode = null;
        errorMessage = null;
    }

    boolean fail(final String code, final String message)
    {
        errorCode = code;
        errorMessage = message;
        return false;
    }

    private String string()
    {
        return new String(buf, cursor.valueOffset() + 1, cursor.valueLength() - 2, StandardCharsets.UTF_8);
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
