package io.pulsarproxy.gateway;

import io.pulsarproxy.ingest.Problem;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.TopicName;
import io.pulsarproxy.pipeline.TopicQuery;
import io.pulsarproxy.pipeline.json.JsonWriter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The operations endpoints: {@code /healthz}, {@code /readyz}, {@code /v1/topics}, {@code /v1/topics/{topic}},
 * and the 404 and 405 answers.
 * <p>
 * Topic statistics are asked of the pipeline by a query that travels the ring, so they are read by the threads that
 * own them and the answer is consistent; the HTTP reply is written on the exchange's IO thread.
 */
final class OpsHandlers
{
    private final Pipeline pipeline;
    private final BooleanSupplier ready;

    OpsHandlers(final Pipeline pipeline, final BooleanSupplier ready)
    {
        this.pipeline = pipeline;
        this.ready = ready;
    }

    HttpHandler health()
    {
        return exchange -> json(exchange, 200, "{\"status\":\"up\"}");
    }

    HttpHandler readiness()
    {
        return exchange ->
        {
            if (ready.getAsBoolean())
            {
                json(exchange, 200, "{\"status\":\"ready\"}");
            }
            else
            {
                Problem.send(exchange, 503, "not-ready", "Not ready",
                    "the gateway is starting, draining, or cannot reach its engine (Redis); do not send traffic", -1, 1);
            }
        };
    }

    HttpHandler topics()
    {
        return exchange ->
        {
            final Deque<String> limits = exchange.getQueryParameters().get("limit");
            final String limit = limits == null ? null : limits.peekFirst();
            final int max = limit == null ? Integer.MAX_VALUE : parseLimit(limit);
            if (max < 1)
            {
                Problem.send(exchange, 400, "invalid-limit", "Invalid limit",
                    "limit must be a whole number from 1 to " + Integer.MAX_VALUE + ", not \"" + limit + "\"");
                return;
            }
            query(exchange, null, max);
        };
    }

    HttpHandler topic()
    {
        return exchange ->
        {
            final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
            final byte[] name = match.getParameters().get("topic").getBytes(StandardCharsets.UTF_8);
            final int code = TopicName.validateTopic(name, 0, name.length);
            if (code != TopicName.VALID)
            {
                Problem.send(exchange, 400, "invalid-topic", "Invalid topic", TopicName.describe(code));
                return;
            }
            query(exchange, name, 1);
        };
    }

    private static int parseLimit(final String text)
    {
        try
        {
            return Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    static HttpHandler notFound()
    {
        return exchange -> Problem.send(exchange, 404, "not-found", "Not found",
            "no endpoint at " + exchange.getRequestMethod() + " " + exchange.getRequestPath());
    }

    static HttpHandler methodNotAllowed()
    {
        return exchange ->
        {
            final String allow = allowedMethods(exchange.getRequestPath());
            exchange.getResponseHeaders().put(Headers.ALLOW, allow);
            Problem.send(exchange, 405, "method-not-allowed", "Method not allowed",
                exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestPath() + "; use " + allow);
        };
    }

    private static String allowedMethods(final String path)
    {
        if (path.startsWith("/v1/topics/"))
        {
            return "GET, POST";
        }
        if (path.equals("/v1/publish"))
        {
            return "POST";
        }
        return "GET";
    }

    /**
     * Asks the stages about one topic, or about all of them ({@code topic} null), and answers with at most
     * {@code limit} of them, the first by name.
     */
    private void query(final HttpServerExchange exchange, final byte[] topic, final int limit)
    {
        final TopicQuery query = new TopicQuery(topic)
        {
            @Override
            protected void onAnswered(final List<TopicStats> topics)
            {
                if (topic != null)
                {
                    exchange.getIoThread().execute(() -> answer(exchange, topic, topics, 1));
                    return;
                }
                // Every topic: sorting and rendering 10,000 of them (1.2 MB of JSON) took 10-20 ms, during which
                // an IO thread would write to none of its connections. A worker thread holds up nobody.
                final Runnable render = () ->
                {
                    final List<TopicStats> sorted = new ArrayList<>(topics);
                    sorted.sort(TopicQuery.BY_NAME);
                    answer(exchange, null, sorted, limit);
                };
                try
                {
                    exchange.getConnection().getWorker().execute(render);
                }
                catch (final RejectedExecutionException ex)
                {
                    exchange.getIoThread().execute(render); // the workers are stopping: answer all the same
                }
            }
        };
        exchange.dispatch(SameThreadExecutor.INSTANCE, () ->
        {
            if (!pipeline.tryQuery(query))
            {
                Problem.send(exchange, 503, "ring-full", "Gateway busy",
                    "the ring has no room for the query right now; retry shortly", -1, 1);
            }
        });
    }

    private static void answer(
        final HttpServerExchange exchange, final byte[] topic, final List<TopicQuery.TopicStats> stats,
        final int limit)
    {
        final int shown = Math.min(limit, stats.size());
        final JsonWriter w = new JsonWriter(topic != null ? 256 : listingBytes(stats, shown));
        if (topic != null)
        {
            if (stats.isEmpty())
            {
                Problem.send(exchange, 404, "unknown-topic", "Unknown topic",
                    "no message was published to and no subscriber asked for " +
                        new String(topic, StandardCharsets.UTF_8));
                return;
            }
            write(w, stats.get(0));
        }
        else
        {
            w.raw("{\"topics\":[");
            for (int i = 0; i < shown; i++)
            {
                if (i > 0)
                {
                    w.raw(",");
                }
                write(w, stats.get(i));
            }
            w.raw("],\"total\":").number(stats.size()).raw("}");
        }
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(w.buffer(), 0, w.length()));
    }

    /**
     * About the size of the listing: growing a buffer to a megabyte by doubling (10,000 topics) copied it a dozen
     * times and zeroed as many fresh arrays. An entry is its name, its epoch and up to 128 bytes of keys and numbers.
     */
    private static int listingBytes(final List<TopicQuery.TopicStats> stats, final int shown)
    {
        long bytes = 48;
        for (int i = 0; i < shown; i++)
        {
            final TopicQuery.TopicStats t = stats.get(i);
            bytes += 128 + t.name().length() + t.epoch().length();
        }
        return (int)Math.min(bytes, Integer.MAX_VALUE - 16);
    }

    private static void write(final JsonWriter w, final TopicQuery.TopicStats t)
    {
        w.raw("{\"topic\":").string(t.name())
            .raw(",\"epoch\":").string(t.epoch())
            .raw(",\"seq\":").number(t.seq())
            .raw(",\"subscribers\":").number(t.subscribers())
            .raw(",\"history\":{\"first\":").number(t.historyFirst())
            .raw(",\"last\":").number(t.historyLast())
            .raw(",\"count\":").number(Math.max(0, t.historyLast() - t.historyFirst() + 1))
            .raw(",\"bytes\":").number(t.historyBytes())
            .raw("}}");
    }

    private static void json(final HttpServerExchange exchange, final int status, final String body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(body, StandardCharsets.UTF_8);
    }
}
