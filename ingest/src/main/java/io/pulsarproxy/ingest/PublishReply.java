package io.pulsarproxy.ingest;

import io.pulsarproxy.pipeline.MessageEvent;
import io.pulsarproxy.pipeline.PublishRequest;
import io.pulsarproxy.pipeline.TopicState;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;

/**
 * A publish request waiting for the pipeline, which answers it with 202 and the assigned seqs once every message is
 * sequenced and handed to the subscribers.
 * <p>
 * The pipeline completes it on the deliver thread; the reply is written on the exchange's own IO thread.
 */
final class PublishReply extends PublishRequest implements Runnable
{
    private final HttpServerExchange exchange;
    private final IngestCounters counters;

    PublishReply(final HttpServerExchange exchange, final int messageCount, final IngestCounters counters)
    {
        super(messageCount);
        this.exchange = exchange;
        this.counters = counters;
    }

    @Override
    protected void onPublished()
    {
        exchange.getIoThread().execute(this);
    }

    @Override
    public void run()
    {
        switch (status())
        {
            case MessageEvent.STATUS_OK:
                accepted();
                break;
            case MessageEvent.STATUS_TOO_MANY_TOPICS:
                counters.rejected.incrementAndGet();
                Problem.send(exchange, 503, "too-many-topics", "Too many topics",
                    "the gateway holds its maximum number of topics; nothing of this request was published", -1, 5);
                break;
            case MessageEvent.STATUS_ENGINE_UNAVAILABLE:
                counters.engineUnavailable.incrementAndGet();
                Problem.send(exchange, 503, "engine-unavailable", "Engine unavailable",
                    "the gateway could not store this request in Redis; nothing of it was acknowledged. Retry; with " +
                    "an \"id\" per message a retry cannot publish twice", -1, 1);
                break;
            default:
                counters.rejected.incrementAndGet();
                Problem.send(exchange, 500, "internal-error", "Internal error",
                    "the pipeline failed on this request; see the gateway log", -1, 0);
                break;
        }
    }

    private void accepted()
    {
        final int topics = topicCount();
        final JsonWriter w = new JsonWriter(64 + (topics + duplicateCount()) * 96)
            .raw("{\"accepted\":").number(messageCount())
            .raw(",\"topics\":[");
        boolean firstEntry = true;
        for (int i = 0; i < topics; i++)
        {
            final TopicState topic = topic(i);
            if (firstSeq(i) == 0)
            {
                // Every message of this topic was a duplicate: listed below, not here.
                continue;
            }
            if (!firstEntry)
            {
                w.raw(",");
            }
            firstEntry = false;
            w.raw("{\"topic\":").string(topic.name())
                .raw(",\"epoch\":").string(epoch(i))
                .raw(",\"first\":").number(firstSeq(i))
                .raw(",\"last\":").number(lastSeq(i))
                .raw("}");
        }
        w.raw("]");
        final int duplicates = duplicateCount();
        if (duplicates > 0)
        {
            // Messages whose id was already accepted: not published again, answered with the original seq.
            w.raw(",\"duplicates\":[");
            for (int i = 0; i < duplicates; i++)
            {
                if (i > 0)
                {
                    w.raw(",");
                }
                w.raw("{\"index\":").number(duplicateIndex(i))
                    .raw(",\"topic\":").string(duplicateTopic(i).name())
                    .raw(",\"epoch\":").string(duplicateEpoch(i))
                    .raw(",\"seq\":").number(duplicateSeq(i))
                    .raw("}");
            }
            w.raw("]");
        }
        w.raw("}");
        exchange.setStatusCode(202);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(w.buffer(), 0, w.length()));
        counters.accepted.addAndGet(messageCount());
        counters.batch(messageCount());
    }
}
