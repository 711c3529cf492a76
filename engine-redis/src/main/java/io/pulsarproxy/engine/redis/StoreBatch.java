package io.pulsarproxy.engine.redis;

import io.pulsarproxy.pipeline.MessageEvent;
import io.pulsarproxy.pipeline.PublishRequest;
import io.pulsarproxy.pipeline.TopicState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of one Disruptor batch, grouped by topic in order of first appearance: one store script per topic,
 * all sent in one pipelined round trip.
 * <p>
 * <b>Note:</b> filled on the route thread; each {@link Part} is handed to a Lettuce callback once sent and not
 * touched by route again.
 */
final class StoreBatch
{
    private static final byte[] NO_ID = new byte[0];

    private final Map<TopicState, Part> byTopic = new IdentityHashMap<>();
    private final List<Part> parts = new ArrayList<>();
    private int messages;

    void add(final MessageEvent event, final PublishRequest request, final TopicState topic)
    {
        Part part = byTopic.get(topic);
        if (part == null)
        {
            part = new Part(topic);
            byTopic.put(topic, part);
            parts.add(part);
        }
        final byte[] data = event.data();
        final byte[] id = event.idLength() == 0 ? NO_ID :
            java.util.Arrays.copyOfRange(data, event.idOffset(), event.idOffset() + event.idLength());
        final byte[] payload =
            java.util.Arrays.copyOfRange(data, event.payloadOffset(), event.payloadOffset() + event.payloadLength());
        part.add(Long.toString(event.receivedMicros()).getBytes(StandardCharsets.US_ASCII), id, payload,
            request, event.index());
        messages++;
    }


    boolean isEmpty()
    {
        return parts.isEmpty();
    }

    int messages()
    {
        return messages;
    }

    List<Part> parts()
    {
        return parts;
    }

    void clear()
    {
        byTopic.clear();
        parts.clear();
        messages = 0;
    }

    /** One topic's messages in the batch, and the requests they belong to. */
    static final class Part
    {
        final TopicState topic;
        final List<byte[]> args = new ArrayList<>();
        final List<PublishRequest> requests = new ArrayList<>();
        final List<PublishRequest> messageRequests = new ArrayList<>();
        int[] indexes = new int[8];
        int count;

        Part(final TopicState topic)
        {
            this.topic = topic;
        }

        void add(final byte[] ts, final byte[] id, final byte[] payload, final PublishRequest request, final int index)
        {
            args.add(ts);
            args.add(id);
            args.add(payload);
            if (requests.isEmpty() || requests.get(requests.size() - 1) != request)
            {
                // A request's messages are contiguous in the ring, so a new request never repeats an earlier one.
                request.retain();
                requests.add(request);
            }
            messageRequests.add(request);
            if (count == indexes.length)
            {
                indexes = java.util.Arrays.copyOf(indexes, count * 2);
            }
            indexes[count++] = index;
        }
    }
}
