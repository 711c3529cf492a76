package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseTest
{
    @Test
    void shouldStreamMessagesWithSeqIdsAndResumeAfterLastEventId() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            for (int i = 1; i <= 3; i++)
            {
                assertEquals(202, gw.publish("news", "{\"n\":" + i + "}").statusCode());
            }
            try (SseStream stream = SseStream.open(gw, "/v1/topics/news/events", "1"))
            {
                assertEquals("text/event-stream; charset=UTF-8", stream.contentType);
                final Event subscribed = stream.next();
                assertEquals("subscribed", subscribed.event);
                assertEquals(3, TestGateway.json(subscribed.data).get("seq").asLong());
                // Resumes after id 1: seqs 2 and 3 from history, then live.
                final Event second = stream.next();
                assertEquals("message", second.event);
                assertEquals("2", second.id);
                assertEquals("{\"n\":2}", second.data);
                assertEquals("3", stream.next().id);
                assertEquals(202, gw.publish("news", "{\"n\": 4,\n \"text\":\"two\\nlines\"}").statusCode());
                final Event live = stream.next();
                assertEquals("4", live.id);
                assertEquals("{\"n\": 4,\n \"text\":\"two\\nlines\"}", live.data, "payload verbatim across data lines");
            }
        }
    }

    @Test
    void shouldSendGapEventWhenHistoryNoLongerHoldsTheResumePoint() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "5"))
        {
            for (int i = 1; i <= 12; i++)
            {
                assertEquals(202, gw.publish("g", Integer.toString(i)).statusCode());
            }
            try (SseStream stream = SseStream.open(gw, "/v1/topics/g/events?from=2", null))
            {
                assertEquals("subscribed", stream.next().event);
                final Event gap = stream.next();
                assertEquals("gap", gap.event);
                final JsonNode data = TestGateway.json(gap.data);
                assertEquals(2, data.get("from").asLong());
                assertEquals(7, data.get("to").asLong());
                assertEquals("history", data.get("reason").asText());
                for (int seq = 8; seq <= 12; seq++)
                {
                    final Event m = stream.next();
                    assertEquals(Long.toString(seq), m.id);
                    assertEquals(Integer.toString(seq), m.data);
                }
            }
        }
    }

    @Test
    void shouldStreamWildcardPatternsWithTopicInTheData() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            SseStream stream = SseStream.open(gw, "/v1/topics/orders.*/events", null))
        {
            final Event subscribed = stream.next();
            assertEquals("subscribed", subscribed.event);
            assertTrue(TestGateway.json(subscribed.data).get("pattern").asBoolean());
            assertEquals(202, gw.publish("orders.eu", "\"eu\"").statusCode());
            assertEquals(202, gw.publish("orders.eu.late", "\"not matched\"").statusCode());
            assertEquals(202, gw.publish("orders.us", "\"us\"").statusCode());
            final JsonNode first = TestGateway.json(stream.next().data);
            assertEquals("orders.eu", first.get("topic").asText());
            assertEquals(1, first.get("seq").asLong());
            assertEquals("eu", first.get("payload").asText());
            final JsonNode second = TestGateway.json(stream.next().data);
            assertEquals("orders.us", second.get("topic").asText());
        }
    }

    @Test
    void shouldSendHeartbeatsOnAQuietStream() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.SSE_HEARTBEAT_PROP_NAME, "200");
            SseStream stream = SseStream.open(gw, "/v1/topics/quiet/events", null))
        {
            assertEquals("subscribed", stream.next().event);
            assertEquals(": keepalive", stream.nextComment());
        }
    }

    @Test
    void shouldRefuseBadTopicAndBadResumePoint() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> badTopic = gw.get("/v1/topics/a..b/events");
            assertEquals(400, badTopic.statusCode());
            assertEquals("urn:pulsar-proxy:problem:invalid-topic", TestGateway.json(badTopic.body()).get("type").asText());
            final HttpResponse<String> badFrom = gw.get("/v1/topics/a/events?from=x");
            assertEquals(400, badFrom.statusCode());
            assertEquals("urn:pulsar-proxy:problem:invalid-resume", TestGateway.json(badFrom.body()).get("type").asText());
        }
    }

    @Test
    void shouldEndStreamsAfterDeliveringEverythingAcknowledgedAtShutdown() throws Exception
    {
        final TestGateway gw = TestGateway.start();
        try (SseStream stream = SseStream.open(gw, "/v1/topics/bye/events", null))
        {
            assertEquals("subscribed", stream.next().event);
            for (int i = 1; i <= 100; i++)
            {
                assertEquals(202, gw.publish("bye", Integer.toString(i)).statusCode());
            }
            gw.close();
            for (int i = 1; i <= 100; i++)
            {
                assertEquals(Long.toString(i), stream.next().id);
            }
            assertTrue(stream.awaitEnd(), "the stream did not end");
        }
        finally
        {
            gw.close();
        }
    }

    /** One server-sent event. */
    record Event(String id, String event, String data)
    {
    }

    /** A real HTTP client reading a text/event-stream response line by line. */
    static final class SseStream implements AutoCloseable
    {
        private static final String END = "\u0000end";
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> comments = new ArrayList<>();
        final String contentType;
        private final Stream<String> body;

        private SseStream(final HttpResponse<Stream<String>> response)
        {
            this.contentType = response.headers().firstValue("Content-Type").orElse("");
            this.body = response.body();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    final Iterator<String> it = body.iterator();
                    while (it.hasNext())
                    {
                        lines.add(it.next());
                    }
                }
                catch (final RuntimeException ex)
                {
                    // stream closed
                }
                lines.add(END);
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static SseStream open(final TestGateway gw, final String path, final String lastEventId) throws Exception
        {
            final HttpRequest.Builder request = HttpRequest.newBuilder(gw.uri(path)).timeout(Duration.ofMinutes(2))
                .header("Accept", "text/event-stream").GET();
            if (lastEventId != null)
            {
                request.header("Last-Event-ID", lastEventId);
            }
            final HttpResponse<Stream<String>> response = gw.http.send(request.build(),
                HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            return new SseStream(response);
        }

        Event next() throws InterruptedException
        {
            String id = null;
            String event = "message";
            final StringBuilder data = new StringBuilder();
            boolean any = false;
            while (true)
            {
                final String line = lines.poll(WsClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertNotNull(line, "no event within " + WsClient.TIMEOUT_SECONDS + " s");
                assertTrue(!END.equals(line), "the stream ended");
                if (line.isEmpty())
                {
                    if (any && data.length() > 0 || any && !"message".equals(event))
                    {
                        return new Event(id, event, data.toString());
                    }
                    continue;
                }
                if (line.startsWith(":"))
                {
                    comments.add(line);
                    continue;
                }
                any = true;
                final int colon = line.indexOf(':');
                final String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" "))
                {
                    value = value.substring(1);
                }
                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        event = value;
                        break;
                    case "data":
                        data.append(data.length() > 0 || !dataEmpty(data) ? "\n" : "").append(value);
                        break;
                    default:
                        break;
                }
            }
        }

        private static boolean dataEmpty(final StringBuilder data)
        {
            return data.length() == 0;
        }

        String nextComment() throws InterruptedException
        {
            while (true)
            {
                final String line = lines.poll(WsClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertNotNull(line, "no comment within " + WsClient.TIMEOUT_SECONDS + " s");
                if (line.startsWith(":"))
                {
                    return line;
                }
            }
        }

        boolean awaitEnd() throws InterruptedException
        {
            while (true)
            {
                final String line = lines.poll(WsClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (line == null)
                {
                    return false;
                }
                if (END.equals(line))
                {
                    return true;
                }
            }
        }

        @Override
        public void close()
        {
            body.close();
        }
    }
}
