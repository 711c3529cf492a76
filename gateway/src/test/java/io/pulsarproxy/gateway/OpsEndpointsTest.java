package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations endpoints against a running gateway: health, readiness, and the topic statistics, checked to the
 * exact number after known publishes and subscriptions.
 */
class OpsEndpointsTest
{
    @Test
    void shouldReportHealthAndReadinessWhileRunning() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> health = gw.get("/healthz");
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(""));
            assertEquals(TestGateway.json("{\"status\":\"up\"}"), TestGateway.json(health.body()));

            final HttpResponse<String> ready = gw.get("/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("application/json", ready.headers().firstValue("Content-Type").orElse(""));
            assertEquals(TestGateway.json("{\"status\":\"ready\"}"), TestGateway.json(ready.body()));
        }
    }

    @Test
    void shouldListTopicsSortedByNameWithSeqSubscribersEpochAndHistory() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> empty = gw.get("/v1/topics");
            assertEquals(200, empty.statusCode(), empty.body());
            assertEquals(TestGateway.json("{\"topics\":[],\"total\":0}"), TestGateway.json(empty.body()));

            try (WsClient both = gw.connect("topic=gamma.one&topic=alpha"); WsClient other = gw.subscribe("alpha"))
            {
                final JsonNode gammaSubscribed = both.nextControl();
                final JsonNode alphaSubscribed = both.nextControl();
                assertEquals("gamma.one", gammaSubscribed.path("topic").asText(), gammaSubscribed.toString());
                assertEquals("alpha", alphaSubscribed.path("topic").asText(), alphaSubscribed.toString());
                final String epoch = alphaSubscribed.path("epoch").asText();
                assertFalse(epoch.isEmpty(), alphaSubscribed.toString());
                assertEquals(epoch, gammaSubscribed.path("epoch").asText(), gammaSubscribed.toString());

                // beta: 3 messages of 1 + 4 + 10 payload bytes; alpha: 2 messages of 7 + 7 bytes.
                final HttpResponse<String> batch = gw.post("/v1/publish", "application/json",
                    "[{\"topic\":\"beta\",\"payload\":1},{\"topic\":\"beta\",\"payload\":\"xy\"}," +
                        "{\"topic\":\"beta\",\"payload\":{\"k\":true}}]");
                assertEquals(202, batch.statusCode(), batch.body());
                assertEquals(TestGateway.json("{\"accepted\":3,\"topics\":[{\"topic\":\"beta\",\"epoch\":\"" + epoch +
                    "\",\"first\":1,\"last\":3}]}"), TestGateway.json(batch.body()));
                assertEquals(202, gw.publish("alpha", "{\"a\":1}").statusCode());
                final HttpResponse<String> alpha = gw.publish("alpha", "[1,2,3]");
                assertEquals(202, alpha.statusCode(), alpha.body());
                final JsonNode receipt = TestGateway.json(alpha.body()).path("topics").path(0);
                assertEquals(epoch, receipt.path("epoch").asText(), "receipt epoch vs subscribed epoch");
                assertEquals(2, receipt.path("first").asLong(), alpha.body());
                assertEquals(1, other.nextMessage().path("seq").asLong());
                assertEquals(2, other.nextMessage().path("seq").asLong());

                final HttpResponse<String> list = gw.get("/v1/topics");
                assertEquals(200, list.statusCode(), list.body());
                assertEquals("application/json", list.headers().firstValue("Content-Type").orElse(""));
                final JsonNode expectedAlpha = stats("alpha", epoch, 2, 2, 1, 2, 2, 14);
                final JsonNode expectedBeta = stats("beta", epoch, 3, 0, 1, 3, 3, 15);
                final JsonNode expectedGamma = stats("gamma.one", epoch, 0, 1, 1, 0, 0, 0);
                final JsonNode topics = TestGateway.json(list.body()).path("topics");
                assertEquals(3, topics.size(), list.body());
                assertEquals(3, TestGateway.json(list.body()).path("total").asInt(), list.body());
                assertEquals(expectedAlpha, topics.get(0), list.body());
                assertEquals(expectedBeta, topics.get(1), list.body());
                assertEquals(expectedGamma, topics.get(2), list.body());
                assertEquals(gw.gateway.config().epoch(), epoch, "the epoch is the process's");

                final HttpResponse<String> one = gw.get("/v1/topics/beta");
                assertEquals(200, one.statusCode(), one.body());
                assertEquals(expectedBeta, TestGateway.json(one.body()));
                assertEquals(expectedGamma, TestGateway.json(gw.get("/v1/topics/gamma.one").body()));
            }
        }
    }

    /**
     * The stages answer in the topic table's order and the listing is sorted where it is rendered: many topics,
     * created in a shuffled order, come back sorted by name.
     */
    @Test
    void shouldListManyTopicsInNameOrderWhateverOrderTheyWereCreatedIn() throws Exception
    {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            names.add("t" + i + (i % 3 == 0 ? ".x" : ""));
        }
        final List<String> created = new ArrayList<>(names);
        Collections.shuffle(created, new Random(42));
        final StringBuilder batch = new StringBuilder("[");
        for (final String name : created)
        {
            batch.append(batch.length() > 1 ? "," : "")
                .append("{\"topic\":\"").append(name).append("\",\"payload\":1}");
        }
        try (TestGateway gw = TestGateway.start())
        {
            final HttpResponse<String> published =
                gw.post("/v1/publish", "application/json", batch.append("]").toString());
            assertEquals(202, published.statusCode(), published.body());

            final HttpResponse<String> list = gw.get("/v1/topics");
            assertEquals(200, list.statusCode(), list.body());
            final List<String> listed = new ArrayList<>();
            TestGateway.json(list.body()).path("topics").forEach(t -> listed.add(t.path("topic").asText()));
            Collections.sort(names);
            assertEquals(names, listed);
            assertEquals(names.size(), TestGateway.json(list.body()).path("total").asInt());

            // A limit keeps the first by name and still counts them all.
            final HttpResponse<String> first = gw.get("/v1/topics?limit=25");
            assertEquals(200, first.statusCode(), first.body());
            final List<String> firstListed = new ArrayList<>();
            TestGateway.json(first.body()).path("topics").forEach(t -> firstListed.add(t.path("topic").asText()));
            assertEquals(names.subList(0, 25), firstListed);
            assertEquals(names.size(), TestGateway.json(first.body()).path("total").asInt());
            assertEquals(names.size(), TestGateway.json(gw.get("/v1/topics?limit=1000").body()).path("topics").size());
        }
    }

    @Test
    void shouldRefuseALimitThatIsNotAPositiveWholeNumber() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            for (final String limit : List.of("0", "-3", "ten", "1.5", "99999999999", ""))
            {
                assertProblem(gw.get("/v1/topics?limit=" + limit), 400, "invalid-limit", "/v1/topics");
            }
        }
    }

    @Test
    void shouldAnswerProblemsForUnknownAndInvalidTopics() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            assertEquals(202, gw.publish("known", "1").statusCode());
            assertProblem(gw.get("/v1/topics/unknown"), 404, "unknown-topic", "/v1/topics/unknown");
            assertProblem(gw.get("/v1/topics/known.child"), 404, "unknown-topic", "/v1/topics/known.child");
            assertProblem(gw.get("/v1/topics/a..b"), 400, "invalid-topic", "/v1/topics/a..b");
            assertProblem(gw.get("/v1/topics/a.*"), 400, "invalid-topic", "/v1/topics/a.*");
            assertProblem(gw.get("/v1/topics/a%20b"), 400, "invalid-topic", "/v1/topics/a b");
            assertProblem(gw.get("/v1/topics/" + "k".repeat(201)), 400, "invalid-topic", "/v1/topics/" + "k".repeat(201));
            assertEquals(1, TestGateway.json(gw.get("/v1/topics/known").body()).path("seq").asLong());
        }
    }

    @Test
    void shouldKeepOnlyTheNewestMessagesInHistory() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "5"))
        {
            for (int i = 1; i <= 12; i++)
            {
                final HttpResponse<String> response = gw.publish("hist", Integer.toString(i));
                assertEquals(202, response.statusCode(), response.body());
            }
            final HttpResponse<String> one = gw.get("/v1/topics/hist");
            assertEquals(200, one.statusCode(), one.body());
            // Seqs 8..12 remain, payloads "8", "9", "10", "11", "12": 1 + 1 + 2 + 2 + 2 bytes.
            assertEquals(stats("hist", gw.gateway.config().epoch(), 12, 0, 8, 12, 5, 8), TestGateway.json(one.body()));
        }
    }

    private static JsonNode stats(
        final String topic, final String epoch, final long seq, final int subscribers, final long first,
        final long last, final long count, final long bytes)
    {
        return TestGateway.json("{\"topic\":\"" + topic + "\",\"epoch\":\"" + epoch + "\",\"seq\":" + seq +
            ",\"subscribers\":" + subscribers + ",\"history\":{\"first\":" + first + ",\"last\":" + last +
            ",\"count\":" + count + ",\"bytes\":" + bytes + "}}");
    }

    private static void assertProblem(
        final HttpResponse<String> response, final int status, final String code, final String instance)
    {
        final String context = response.uri() + " -> " + response.statusCode() + " " + response.body();
        assertEquals(status, response.statusCode(), context);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
            context);
        final JsonNode problem = TestGateway.json(response.body());
        assertEquals("urn:pulsar-proxy:problem:" + code, problem.path("type").asText(), context);
        assertEquals(status, problem.path("status").asInt(), context);
        assertFalse(problem.path("title").asText().isBlank(), context);
        assertFalse(problem.path("detail").asText().isBlank(), context);
        assertEquals(instance, problem.path("instance").asText(), context);
        assertTrue(problem.path("index").isMissingNode(), context);
    }
}
