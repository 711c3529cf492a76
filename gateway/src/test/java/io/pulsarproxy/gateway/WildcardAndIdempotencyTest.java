package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WildcardAndIdempotencyTest
{
    @Test
    void shouldDeliverOnceThroughOverlappingPatternsAndKeepOthersAfterUnsubscribe() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient sub = gw.connect("topic=orders.*&topic=orders.%3E&topic=orders.eu"))
        {
            for (int i = 0; i < 3; i++)
            {
                assertEquals("subscribed", sub.nextControl().get("type").asText());
            }
            assertEquals(202, gw.publish("orders.eu", "1").statusCode());
            assertEquals(202, gw.publish("orders.eu.paris", "2").statusCode());
            assertEquals(202, gw.publish("orders", "\"not matched\"").statusCode());
            assertEquals(202, gw.publish("trades.eu", "\"not matched\"").statusCode());

            final JsonNode first = sub.nextMessage();
            assertEquals("orders.eu", first.get("topic").asText());
            final JsonNode second = sub.nextMessage();
            assertEquals("orders.eu.paris", second.get("topic").asText());
            sub.ping();
            assertTrue(sub.messages.isEmpty(), "delivered twice or matched wrongly: " + sub.messages);

            sub.send("{\"op\":\"unsubscribe\",\"topic\":\"orders.>\"}");
            assertEquals("unsubscribed", sub.nextControl().get("type").asText());
            assertEquals(202, gw.publish("orders.eu.paris", "3").statusCode());
            assertEquals(202, gw.publish("orders.eu", "4").statusCode());
            final JsonNode third = sub.nextMessage();
            assertEquals("orders.eu", third.get("topic").asText(), "orders.eu.paris was only covered by orders.>");
            assertEquals(4, third.get("payload").asInt());

            sub.send("{\"op\":\"unsubscribe\",\"topic\":\"orders.*\"}");
            assertEquals("unsubscribed", sub.nextControl().get("type").asText());
            assertEquals(202, gw.publish("orders.us", "5").statusCode());
            assertEquals(202, gw.publish("orders.eu", "6").statusCode());
            assertEquals(6, sub.nextMessage().get("payload").asInt(), "orders.eu is still subscribed exactly");
            sub.ping();
            assertTrue(sub.messages.isEmpty(), "orders.us arrived after its pattern was dropped");
        }
    }

    @Test
    void shouldCoverTopicsCreatedAfterThePatternSubscription() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient sub = gw.connect("topic=sensors.*.temp"))
        {
            final JsonNode subscribed = sub.nextControl();
            assertEquals("sensors.*.temp", subscribed.get("topic").asText());
            assertTrue(subscribed.get("pattern").asBoolean());
            assertEquals(202, gw.publish("sensors.k1.temp", "21.5").statusCode());
            assertEquals(202, gw.publish("sensors.k1.humidity", "40").statusCode());
            assertEquals(202, gw.publish("sensors.k2.temp", "19").statusCode());
            assertEquals("sensors.k1.temp", sub.nextMessage().get("topic").asText());
            assertEquals("sensors.k2.temp", sub.nextMessage().get("topic").asText());
        }
    }

    @Test
    void shouldAnswerRetriedIdWithOriginalSeqAndDeliverOnce() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient sub = gw.subscribe("pay"))
        {
            final String message = "{\"topic\":\"pay\",\"payload\":{\"amount\":10},\"id\":\"order-17\"}";
            final HttpResponse<String> first = gw.post("/v1/publish", "application/json", message);
            assertEquals(202, first.statusCode());
            final JsonNode firstReceipt = TestGateway.json(first.body());
            assertEquals(1, firstReceipt.get("topics").get(0).get("first").asLong());
            assertFalse(firstReceipt.has("duplicates"));

            final HttpResponse<String> retry = gw.post("/v1/publish", "application/json", message);
            assertEquals(202, retry.statusCode());
            final JsonNode retryReceipt = TestGateway.json(retry.body());
            assertEquals(0, retryReceipt.get("topics").size(), "nothing new was sequenced");
            final JsonNode duplicate = retryReceipt.get("duplicates").get(0);
            assertEquals(0, duplicate.get("index").asInt());
            assertEquals("pay", duplicate.get("topic").asText());
            assertEquals(1, duplicate.get("seq").asLong());

            // A batch with the same id again plus a new one: only the new one is published.
            final HttpResponse<String> batch = gw.post("/v1/publish", "application/json", "[" + message +
                ",{\"topic\":\"pay\",\"payload\":{\"amount\":20},\"id\":\"order-18\"}]");
            final JsonNode batchReceipt = TestGateway.json(batch.body());
            assertEquals(2, batchReceipt.get("topics").get(0).get("first").asLong());
            assertEquals(0, batchReceipt.get("duplicates").get(0).get("index").asInt());

            assertEquals(10, sub.nextMessage().get("payload").get("amount").asInt());
            final JsonNode next = sub.nextMessage();
            assertEquals(2, next.get("seq").asLong());
            assertEquals(20, next.get("payload").get("amount").asInt());
            sub.ping();
            assertTrue(sub.messages.isEmpty(), "a duplicate was delivered: " + sub.messages);
        }
    }

    @Test
    void shouldRefuseNewTopicsBeyondTheLimitWholeAndSayWhy() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.MAX_TOPICS_PROP_NAME, "3"))
        {
            assertEquals(202, gw.publish("t1", "1").statusCode());
            assertEquals(202, gw.publish("t2", "1").statusCode());
            final HttpResponse<String> refused = gw.post("/v1/publish", "application/json",
                "[{\"topic\":\"t1\",\"payload\":2},{\"topic\":\"t3\",\"payload\":1},{\"topic\":\"t4\",\"payload\":1}]");
            assertEquals(503, refused.statusCode());
            assertEquals("urn:pulsar-proxy:problem:too-many-topics", TestGateway.json(refused.body()).get("type").asText());
            assertEquals(1, TestGateway.json(gw.get("/v1/topics/t1").body()).get("seq").asLong(),
                "nothing of the refused batch was published");
            try (WsClient sub = gw.connect("topic=t5&topic=t3"))
            {
                final JsonNode first = sub.nextControl();
                // t5 takes the last free place, so t3 is refused.
                assertEquals("subscribed", first.get("type").asText());
                final JsonNode second = sub.nextControl();
                assertEquals("error", second.get("type").asText());
                assertEquals("too-many-topics", second.get("code").asText());
            }
        }
    }
}
