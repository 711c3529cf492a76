package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublishSubscribeTest
{
    private TestGateway gw;

    @BeforeEach
    void start()
    {
        gw = TestGateway.start();
    }

    @AfterEach
    void stop()
    {
        gw.close();
    }

    @Test
    void shouldDeliverSingleMessageWithSeqTimestampAndPayloadVerbatim() throws Exception
    {
        try (WsClient sub = gw.subscribe("demo"))
        {
            final String payload = "{ \"nested\" : {\"list\":[1, 2.5e3, -0, true, null, \"x\"]}, " +
                "\"unicode\":\"h\u00e9llo \u4e16\u754c \ud83d\ude80\", \"escaped\":\"say \\\"hi\\\" \\\\ \\u00e9\\n\" }";
            final long before = System.currentTimeMillis() * 1000 - 1_000_000;
            final HttpResponse<String> reply = gw.publish("demo", "  " + payload + "\n");
            final long after = System.currentTimeMillis() * 1000 + 1_000_000;
            assertEquals(202, reply.statusCode(), reply.body());

            String frame = sub.rawFrames.poll(WsClient.TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            while (frame != null && !frame.startsWith("["))
            {
                frame = sub.rawFrames.poll(WsClient.TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            }
            final JsonNode message = sub.nextMessage();
            assertEquals("demo", message.get("topic").asText());
            assertEquals(1, message.get("seq").asLong());
            final long ts = message.get("ts").asLong();
            assertTrue(ts >= before && ts <= after, "ts " + ts + " is not the receive time in microseconds");
            // Byte for byte: the frame is exactly the envelope around the posted value.
            assertEquals("[{\"topic\":\"demo\",\"seq\":1,\"ts\":" + ts + ",\"payload\":" + payload + "}]", frame);
        }
    }

    @Test
    void shouldDeliverOneMebibytePayloadIntact() throws Exception
    {
        try (WsClient sub = gw.subscribe("big"))
        {
            final StringBuilder sb = new StringBuilder(1 << 20);
            sb.append('"');
            for (int i = 0; sb.length() < (1 << 20) - 1; i++)
            {
                sb.append((char)('a' + i % 26));
            }
            sb.append('"');
            final String payload = sb.toString();
            assertEquals(1 << 20, payload.length());

            final HttpResponse<String> reply = gw.publish("big", payload);
            assertEquals(202, reply.statusCode(), reply.body());
            final JsonNode message = sub.nextMessage();
            assertEquals(1, message.get("seq").asLong());
            assertEquals(payload.substring(1, payload.length() - 1), message.get("payload").asText());
        }
    }

    @Test
    void shouldDeliverBatchInOrderWithContiguousSeqsAndReportThem() throws Exception
    {
        final String[] topics = {"orders", "trades", "quotes"};
        try (WsClient sub = gw.subscribe(topics))
        {
            final StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 50; i++)
            {
                batch.append(i == 0 ? "" : ",")
                    .append("{\"topic\":\"").append(topics[i % 3]).append("\",\"payload\":{\"i\":").append(i).append("}}");
            }
            batch.append(']');
            final HttpResponse<String> reply = gw.post("/v1/publish", "application/json", batch.toString());
            assertEquals(202, reply.statusCode(), reply.body());

            final JsonNode receipt = TestGateway.json(reply.body());
            assertEquals(50, receipt.get("accepted").asInt());
            final Map<String, long[]> ranges = new HashMap<>();
            for (final JsonNode t : receipt.get("topics"))
            {
                ranges.put(t.get("topic").asText(), new long[]{t.get("first").asLong(), t.get("last").asLong()});
                assertTrue(t.get("epoch").asText().length() > 0);
            }
            assertEquals(1, ranges.get("orders")[0]);
            assertEquals(17, ranges.get("orders")[1]);
            assertEquals(1, ranges.get("trades")[0]);
            assertEquals(17, ranges.get("trades")[1]);
            assertEquals(1, ranges.get("quotes")[0]);
            assertEquals(16, ranges.get("quotes")[1]);

            final List<JsonNode> received = sub.nextMessages(50);
            final Map<String, Long> lastSeq = new HashMap<>();
            for (int i = 0; i < 50; i++)
            {
                final JsonNode m = received.get(i);
                assertEquals(topics[i % 3], m.get("topic").asText(), "message " + i + " out of order");
                assertEquals(i, m.get("payload").get("i").asInt());
                final long expected = lastSeq.getOrDefault(m.get("topic").asText(), 0L) + 1;
                assertEquals(expected, m.get("seq").asLong());
                lastSeq.put(m.get("topic").asText(), expected);
            }
        }
    }

    @Test
    void shouldAcceptSingleObjectAndNdjsonOnPublish() throws Exception
    {
        try (WsClient sub = gw.subscribe("nd"))
        {
            assertEquals(202, gw.post("/v1/publish", "application/json",
                "{\"topic\":\"nd\",\"payload\":\"one\",\"id\":\"k1\"}").statusCode());
            final HttpResponse<String> reply = gw.post("/v1/publish", "application/x-ndjson",
                "{\"topic\":\"nd\",\"payload\":\"two\"}\r\n\n{\"topic\":\"nd\",\"payload\":[\"three\"]}\n");
            assertEquals(202, reply.statusCode(), reply.body());
            assertEquals(2, TestGateway.json(reply.body()).get("accepted").asInt());

            final List<JsonNode> received = sub.nextMessages(3);
            assertEquals("one", received.get(0).get("payload").asText());
            assertEquals("two", received.get(1).get("payload").asText());
            assertEquals("three", received.get(2).get("payload").get(0).asText());
            assertEquals(3, received.get(2).get("seq").asLong());
        }
    }

    @Test
    void shouldFanOutToEverySubscriberAndKeepTopicsApart() throws Exception
    {
        final List<WsClient> fans = new ArrayList<>();
        try (WsClient other = gw.subscribe("other"))
        {
            for (int i = 0; i < 5; i++)
            {
                fans.add(gw.subscribe("news"));
            }
            for (int i = 1; i <= 10; i++)
            {
                assertEquals(202, gw.publish("news", "{\"n\":" + i + "}").statusCode());
            }
            assertEquals(202, gw.publish("other", "\"only-for-other\"").statusCode());

            for (final WsClient fan : fans)
            {
                final List<JsonNode> got = fan.nextMessages(10);
                for (int i = 0; i < 10; i++)
                {
                    assertEquals("news", got.get(i).get("topic").asText());
                    assertEquals(i + 1, got.get(i).get("payload").get("n").asInt());
                }
            }
            final JsonNode first = other.nextMessage();
            assertEquals("other", first.get("topic").asText());
            assertEquals("only-for-other", first.get("payload").asText());
            other.ping();
            assertTrue(other.messages.isEmpty(), "other saw messages of news: " + other.messages);
            for (final WsClient fan : fans)
            {
                fan.ping();
                assertTrue(fan.messages.isEmpty(), "a news subscriber saw another topic: " + fan.messages);
            }
        }
        finally
        {
            fans.forEach(WsClient::close);
        }
    }

    @Test
    void shouldStopDeliveryAfterUnsubscribeAndAfterClose() throws Exception
    {
        try (WsClient stays = gw.subscribe("t");
            WsClient leaves = gw.subscribe("t", "u");
            WsClient closes = gw.subscribe("t"))
        {
            assertEquals(3, subscribers("t"));
            leaves.send("{\"op\":\"unsubscribe\",\"topic\":\"t\"}");
            final JsonNode unsubscribed = leaves.nextControl();
            assertEquals("unsubscribed", unsubscribed.get("type").asText());
            assertEquals("t", unsubscribed.get("topic").asText());

            closes.socket().sendClose(1000, "done").get();
            assertEquals(1000, closes.awaitClose());
            awaitSubscribers("t", 1);

            assertEquals(202, gw.publish("t", "1").statusCode());
            assertEquals(202, gw.publish("u", "2").statusCode());
            assertEquals("t", stays.nextMessage().get("topic").asText());
            final JsonNode fromU = leaves.nextMessage();
            assertEquals("u", fromU.get("topic").asText());
            leaves.ping();
            assertTrue(leaves.messages.isEmpty(), "unsubscribed topic still delivered: " + leaves.messages);
            assertTrue(closes.messages.isEmpty());
        }
    }

    private int subscribers(final String topic) throws Exception
    {
        final HttpResponse<String> info = gw.get("/v1/topics/" + topic);
        assertEquals(200, info.statusCode(), info.body());
        return TestGateway.json(info.body()).get("subscribers").asInt();
    }

    private void awaitSubscribers(final String topic, final int expected) throws Exception
    {
        // The close travels the ring as a detach; poll until route has applied it, without asserting on time.
        final long deadline = System.nanoTime() + WsClient.TIMEOUT_SECONDS * 1_000_000_000L;
        int seen = subscribers(topic);
        while (seen != expected && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
            seen = subscribers(topic);
        }
        assertEquals(expected, seen);
    }
}
