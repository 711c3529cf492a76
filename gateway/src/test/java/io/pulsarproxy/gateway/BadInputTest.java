package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad publish input gets its status and problem details, and publishes nothing.
 * <p>
 * Each test subscribes to the topics its bad requests name before sending them, and ends by publishing one good
 * sentinel message per topic: the first messages the subscriber receives must be the sentinels with seq 1, and the
 * topic table must hold those topics at seq 1 and nothing else.
 */
class BadInputTest
{
    private static final String TOPIC = "orders";
    private static final String OTHER = "orders.eu";
    private static final String SINGLE = "/v1/topics/" + TOPIC;
    private static final String BATCH = "/v1/publish";
    private static final String JSON = "application/json";
    private static final String NDJSON = "application/x-ndjson";
    private static final String OK_MESSAGE = "{\"topic\":\"" + TOPIC + "\",\"payload\":1}";
    private static final String OK_OTHER = "{\"topic\":\"" + OTHER + "\",\"payload\":2}";

    private static final int MAX_DEPTH = 8;
    private static final int MAX_PAYLOAD = 1024;
    private static final int MAX_MESSAGES = 10;
    private static final int MAX_BODY = 4096;
    private static final String[] LIMITS = {
        GatewayConfiguration.MAX_JSON_DEPTH_PROP_NAME, Integer.toString(MAX_DEPTH),
        GatewayConfiguration.MAX_PAYLOAD_PROP_NAME, Integer.toString(MAX_PAYLOAD),
        GatewayConfiguration.MAX_BATCH_MESSAGES_PROP_NAME, Integer.toString(MAX_MESSAGES),
        GatewayConfiguration.MAX_BATCH_BYTES_PROP_NAME, Integer.toString(MAX_BODY)};

    private static final int LOAD_THREADS = 8;
    private static final int LOAD_BATCH = 8;
    private static final int LOAD_MAX_REQUESTS = 3_000;
    private static final int LOAD_ENOUGH_REFUSALS = 20;
    private static final int LOAD_ENOUGH_ACCEPTED = 200;

    @Test
    void shouldRejectMalformedJsonOnBothEndpoints() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            for (final String body : List.of(
                "{\"a\":", "[1,2", "{\"topic\":\"t\",\"payload\":}", "tru", "{'a':1}", "\"unterminated",
                "{\"a\":\"\\x\"}", "{\"a\" 1}", "01", "[1,]", "{\"a\":1,}", "nul"))
            {
                assertProblem(gw.post(SINGLE, JSON, body), 400, "malformed-json", SINGLE, -1);
            }

            assertProblem(gw.post(BATCH, JSON, "{\"a\":"), 400, "malformed-json", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":}"),
                400, "malformed-json", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":1,}"),
                400, "malformed-json", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\" \"payload\":1}"),
                400, "malformed-json", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "nul"), 400, "malformed-json", BATCH, -1);
            // A batch is checked element by element; here element 0 is the first problem: it is no object.
            assertProblem(gw.post(BATCH, JSON, "[1,2"), 400, "invalid-message", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER.replace("2}", "[1,2}]")),
                400, "malformed-json", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER.replace("2}", "}") + "]"),
                400, "malformed-json", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER), 400, "malformed-json", BATCH, 2);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE), 400, "malformed-json", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + ",]"), 400, "malformed-json", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + " " + OK_OTHER + "]"),
                400, "malformed-json", BATCH, 1);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectTrailingGarbageAndEmptyBodies() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            for (final String body : List.of("{\"a\":1} x", "1 2", "{\"a\":1}}", "[1]]", "\"s\"\"t\""))
            {
                assertProblem(gw.post(SINGLE, JSON, body), 400, "malformed-json", SINGLE, -1);
            }
            for (final String body : List.of(
                OK_MESSAGE + " x", OK_MESSAGE + OK_OTHER, "[" + OK_MESSAGE + "] []", "[" + OK_MESSAGE + "]]",
                "[] x", "42 43"))
            {
                assertProblem(gw.post(BATCH, JSON, body), 400, "malformed-json", BATCH, -1);
            }

            for (final String body : List.of("", " ", "\r\n\t "))
            {
                assertProblem(gw.post(SINGLE, JSON, body), 400, "empty-body", SINGLE, -1);
                assertProblem(gw.post(BATCH, JSON, body), 400, "empty-body", BATCH, -1);
            }
            assertProblem(gw.post(BATCH, JSON, "[]"), 400, "empty-batch", BATCH, -1);
            assertProblem(gw.post(BATCH, JSON, " [ \n ] "), 400, "empty-batch", BATCH, -1);
            assertProblem(gw.post(BATCH, NDJSON, ""), 400, "empty-batch", BATCH, -1);
            assertProblem(gw.post(BATCH, NDJSON, "\n\n  \r\n\t\n"), 400, "empty-batch", BATCH, -1);

            // Valid JSON that is neither a message nor an array of them.
            for (final String body : List.of("42", "\"" + TOPIC + "\"", "null", "true"))
            {
                assertProblem(gw.post(BATCH, JSON, body), 400, "invalid-batch", BATCH, -1);
            }

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectMessagesOfTheWrongShapeWithTheIndexOfTheBadElement() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            assertProblem(gw.post(BATCH, JSON, "{\"payload\":1}"), 400, "missing-topic", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\"}"), 400, "missing-payload", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{}"), 400, "missing-topic", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":1,\"extra\":2}"),
                400, "invalid-message", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":1,\"payload\":2}"),
                400, "invalid-message", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"topic\":\"" + OTHER + "\",\"payload\":1}"),
                400, "invalid-message", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":1,\"payload\":1}"), 400, "invalid-topic", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":1,\"id\":\"\"}"),
                400, "invalid-id", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":1,\"id\":7}"),
                400, "invalid-id", BATCH, 0);

            // Elements 0 and 1 are good; the bad element 2 rejects the whole request.
            for (final String bad : List.of("3", "\"x\"", "null", "[" + OK_MESSAGE + "]", "true"))
            {
                assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER + "," + bad + "]"),
                    400, "invalid-message", BATCH, 2);
            }
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + ",{\"payload\":2}]"), 400, "missing-topic", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER + ",{\"topic\":\"" + TOPIC + "\"}]"),
                400, "missing-payload", BATCH, 2);
            assertProblem(gw.post(BATCH, JSON,
                "[" + OK_MESSAGE + ",{\"topic\":\"" + OTHER + "\",\"payload\":2,\"id\":\"a\",\"id\":\"b\"}]"),
                400, "invalid-message", BATCH, 1);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + ",{\"topic\":\"" + OTHER + "\",\"payload\":2,\"x\":0}]"),
                400, "invalid-message", BATCH, 1);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectBadTopicNamesInThePathAndInBatches() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            final String tooLong = "a".repeat(201);
            final String[][] pathCases = {
                {"/v1/topics/a..b", "/v1/topics/a..b"},
                {"/v1/topics/a%20b", "/v1/topics/a b"},
                {"/v1/topics/a.*", "/v1/topics/a.*"},
                {"/v1/topics/" + TOPIC + ".%3E", "/v1/topics/" + TOPIC + ".>"},
                {"/v1/topics/" + TOPIC + ".", "/v1/topics/" + TOPIC + "."},
                {"/v1/topics/." + TOPIC, "/v1/topics/." + TOPIC},
                {"/v1/topics/caf%C3%A9", "/v1/topics/caf\u00e9"},
                {"/v1/topics/" + tooLong, "/v1/topics/" + tooLong},
            };
            for (final String[] c : pathCases)
            {
                assertProblem(gw.post(c[0], JSON, "{\"valid\":true}"), 400, "invalid-topic", c[1], -1);
            }

            for (final String topic : List.of("a..b", "a b", "a.*", TOPIC + ".>", "", ".x", "x.", tooLong, "caf\u00e9"))
            {
                final String bad = "{\"topic\":\"" + topic + "\",\"payload\":3}";
                assertProblem(gw.post(BATCH, JSON, bad), 400, "invalid-topic", BATCH, 0);
                assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + OK_OTHER + "," + bad + "]"),
                    400, "invalid-topic", BATCH, 2);
                assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n" + bad + "\n"), 400, "invalid-topic", BATCH, 1);
            }

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectInvalidUtf8AndNestingDeeperThanTheLimit() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            final byte[][] badStrings = {
                {(byte)0xC3, 0x28},                         // lead byte followed by no continuation
                {(byte)0x80},                               // lone continuation byte
                {(byte)0xC0, (byte)0xAF},                   // overlong '/'
                {(byte)0xED, (byte)0xA0, (byte)0x80},       // UTF-16 surrogate
                {(byte)0xF4, (byte)0x90, (byte)0x80, (byte)0x80}, // above U+10FFFF
                {(byte)0xE2, (byte)0x82},                   // truncated sequence
            };
            for (final byte[] bad : badStrings)
            {
                assertProblem(gw.post(SINGLE, JSON, concat("\"", bad, "\"")), 400, "malformed-json", SINGLE, -1);
                assertProblem(gw.post(SINGLE, JSON, concat("{\"k\":\"a", bad, "b\"}")), 400, "malformed-json", SINGLE, -1);
                assertProblem(gw.post(BATCH, JSON, concat("{\"topic\":\"" + TOPIC + "\",\"payload\":\"", bad, "\"}")),
                    400, "malformed-json", BATCH, 0);
                assertProblem(gw.post(BATCH, JSON,
                    concat("[" + OK_MESSAGE + ",{\"topic\":\"" + OTHER + "\",\"payload\":{\"", bad, "\":1}}]")),
                    400, "malformed-json", BATCH, 1);
                assertProblem(gw.post(BATCH, NDJSON,
                    concat(OK_MESSAGE + "\n" + OK_OTHER + "\n{\"topic\":\"" + TOPIC + "\",\"payload\":\"", bad, "\"}\n")),
                    400, "malformed-json", BATCH, 2);
            }

            final String tooDeepArray = nested(MAX_DEPTH + 1, "[", "]");
            final String tooDeepObject = nested(MAX_DEPTH + 1, "{\"a\":", "}");
            for (final String deep : List.of(tooDeepArray, tooDeepObject, "{\"a\":" + nested(MAX_DEPTH, "[", "]") + "}"))
            {
                assertProblem(gw.post(SINGLE, JSON, deep), 400, "malformed-json", SINGLE, -1);
                assertProblem(gw.post(BATCH, JSON, "{\"topic\":\"" + TOPIC + "\",\"payload\":" + deep + "}"),
                    400, "malformed-json", BATCH, 0);
                assertProblem(gw.post(BATCH, JSON,
                    "[" + OK_MESSAGE + ",{\"topic\":\"" + OTHER + "\",\"payload\":" + deep + "}]"),
                    400, "malformed-json", BATCH, 1);
            }

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectOversizedPayloadsBatchesAndBodiesWith413() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            final String bigPayload = jsonString(MAX_PAYLOAD + 1);
            assertProblem(gw.post(SINGLE, JSON, bigPayload), 413, "payload-too-large", SINGLE, -1);
            assertProblem(gw.post(SINGLE, JSON, jsonString(10 * 1024)), 413, "payload-too-large", SINGLE, -1);
            assertProblem(postChunked(gw, SINGLE, JSON, jsonString(10 * 1024)), 413, "payload-too-large", SINGLE, -1);

            final String bigMessage = "{\"topic\":\"" + OTHER + "\",\"payload\":" + bigPayload + "}";
            assertProblem(gw.post(BATCH, JSON, bigMessage), 413, "payload-too-large", BATCH, 0);
            assertProblem(gw.post(BATCH, JSON, "[" + OK_MESSAGE + "," + bigMessage + "]"),
                413, "payload-too-large", BATCH, 1);
            assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n" + OK_OTHER + "\n" + bigMessage + "\n"),
                413, "payload-too-large", BATCH, 2);

            final List<String> tooMany = new ArrayList<>();
            for (int i = 0; i <= MAX_MESSAGES; i++)
            {
                tooMany.add(i % 2 == 0 ? OK_MESSAGE : OK_OTHER);
            }
            assertProblem(gw.post(BATCH, JSON, "[" + String.join(",", tooMany) + "]"),
                413, "batch-too-large", BATCH, MAX_MESSAGES);
            assertProblem(gw.post(BATCH, NDJSON, String.join("\n", tooMany)), 413, "batch-too-large", BATCH, MAX_MESSAGES);

            // Ten messages of 1000-byte payloads: every message and the count are within limits, the body is not.
            final List<String> large = new ArrayList<>();
            for (int i = 0; i < MAX_MESSAGES; i++)
            {
                large.add("{\"topic\":\"" + TOPIC + "\",\"payload\":" + jsonString(1000) + "}");
            }
            final String bigBody = "[" + String.join(",", large) + "]";
            assertTrue(bigBody.length() > 10 * 1000, "test body must be over 10 KB");
            assertProblem(gw.post(BATCH, JSON, bigBody), 413, "batch-too-large", BATCH, -1);
            assertProblem(postChunked(gw, BATCH, JSON, bigBody), 413, "batch-too-large", BATCH, -1);
            assertProblem(gw.post(BATCH, NDJSON, String.join("\n", large)), 413, "batch-too-large", BATCH, -1);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectWrongContentTypesWith415() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            for (final String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                "text/json", "application/jsonx"))
            {
                assertProblem(gw.post(SINGLE, type, "{\"a\":1}"), 415, "unsupported-media-type", SINGLE, -1);
                assertProblem(gw.post(BATCH, type, OK_MESSAGE), 415, "unsupported-media-type", BATCH, -1);
            }
            assertProblem(gw.post(SINGLE, NDJSON, "{\"a\":1}"), 415, "unsupported-media-type", SINGLE, -1);
            assertProblem(gw.post(SINGLE, "application/x-ndjson; charset=utf-8", "{\"a\":1}"),
                415, "unsupported-media-type", SINGLE, -1);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectNdjsonWithABadLineNamingTheElementIndex() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            final JsonNode notJson = assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n" + OK_OTHER + "\nnot json\n"),
                400, "invalid-message", BATCH, 2);
            assertTrue(notJson.path("detail").asText().contains("line 3"), notJson.toString());

            // Blank lines are skipped: the bad line is line 4 but element 1.
            final JsonNode afterBlank = assertProblem(gw.post(BATCH, NDJSON,
                OK_MESSAGE + "\n\n  \n{\"topic\":\"" + OTHER + "\",\"payload\":}\n"), 400, "malformed-json", BATCH, 1);
            assertTrue(afterBlank.path("detail").asText().length() > 0, afterBlank.toString());

            assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n" + OK_OTHER + " trailing\n"),
                400, "malformed-json", BATCH, 1);
            assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\r\n[" + OK_OTHER + "]\r\n"),
                400, "invalid-message", BATCH, 1);
            assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n" + OK_OTHER + "\n{\"payload\":1}"),
                400, "missing-topic", BATCH, 2);
            assertProblem(gw.post(BATCH, NDJSON, OK_MESSAGE + "\n{\"topic\":\"" + TOPIC + "\",\"payload\":1,\"y\":1}"),
                400, "invalid-message", BATCH, 1);
            assertProblem(gw.post(BATCH, NDJSON, "{\"topic\":\"" + TOPIC + "\",\n\"payload\":1}\n"),
                400, "malformed-json", BATCH, 0);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    @Test
    void shouldRejectWrongMethodsWith405AndUnknownPathsWith404() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            assertMethodNotAllowed(request(gw, "PUT", BATCH, OK_MESSAGE), BATCH, "POST");
            assertMethodNotAllowed(request(gw, "GET", BATCH, null), BATCH, "POST");
            assertMethodNotAllowed(request(gw, "DELETE", SINGLE, null), SINGLE, "GET", "POST");
            assertMethodNotAllowed(request(gw, "DELETE", "/v1/topics/x", null), "/v1/topics/x", "GET", "POST");
            assertMethodNotAllowed(request(gw, "PUT", SINGLE, "{\"a\":1}"), SINGLE, "GET", "POST");
            assertMethodNotAllowed(request(gw, "PATCH", SINGLE, "{\"a\":1}"), SINGLE, "GET", "POST");
            assertMethodNotAllowed(request(gw, "POST", "/healthz", "{}"), "/healthz", "GET");

            assertProblem(gw.get("/nope"), 404, "not-found", "/nope", -1);
            assertProblem(gw.post("/nope", JSON, OK_MESSAGE), 404, "not-found", "/nope", -1);
            assertProblem(gw.post(SINGLE + "/extra", JSON, "{\"a\":1}"), 404, "not-found", SINGLE + "/extra", -1);
            assertProblem(gw.post("/v1/publish/" + TOPIC, JSON, OK_MESSAGE), 404, "not-found", "/v1/publish/" + TOPIC, -1);

            assertOnlySentinelsArrive(gw, subscriber);
        }
    }

    /**
     * The other tests are only meaningful if the same limits let good input through: each limit is exact.
     */
    @Test
    void shouldAcceptInputsExactlyAtTheLimits() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS))
        {
            assertAccepted(gw.post(SINGLE, JSON, jsonString(MAX_PAYLOAD)), 1);
            assertAccepted(gw.post(SINGLE, JSON, nested(MAX_DEPTH, "[", "]")), 1);
            assertAccepted(gw.post("/v1/topics/" + "b".repeat(200), JSON, "1"), 1);
            assertAccepted(gw.post(SINGLE, "application/json; charset=utf-8", "2"), 1);
            assertAccepted(gw.post(SINGLE, "application/vnd.example+json", "3"), 1);
            assertAccepted(gw.post(SINGLE, null, "4"), 1);
            assertAccepted(gw.post(SINGLE, JSON, "\"\u00e9\u20ac\ud83d\ude00\""), 1);

            final List<String> ten = new ArrayList<>();
            for (int i = 0; i < MAX_MESSAGES; i++)
            {
                ten.add(OK_MESSAGE);
            }
            assertAccepted(gw.post(BATCH, JSON, "[" + String.join(",", ten) + "]"), MAX_MESSAGES);
            assertAccepted(gw.post(BATCH, NDJSON, String.join("\n", ten) + "\n"), MAX_MESSAGES);
            assertAccepted(gw.post(BATCH, JSON, "{\"topic\":\"" + OTHER + "\",\"payload\":" +
                nested(MAX_DEPTH, "{\"a\":", "}") + ",\"id\":\"k-1\"}"), 1);

            final String prefix = "{\"topic\":\"" + TOPIC + "\",\"payload\":";
            final String exactBody = prefix + jsonString(MAX_PAYLOAD) + "}" + " ".repeat(MAX_BODY - prefix.length() -
                MAX_PAYLOAD - 1);
            assertEquals(MAX_BODY, exactBody.length());
            assertAccepted(gw.post(BATCH, JSON, exactBody), 1);
        }
    }

    /**
     * A body that arrives after the request head is read by Undertow in a later callback; the exchange must still be
     * answered by the pipeline's 202 receipt, not ended early with an empty 200 while the messages are in flight.
     */
    @Test
    void shouldAnswerWithTheReceiptWhenTheBodyArrivesAfterTheHead() throws Exception
    {
        try (TestGateway gw = TestGateway.start(LIMITS); WsClient subscriber = gw.subscribe(TOPIC, OTHER))
        {
            final String single = rawPost(gw, SINGLE, "{\"late\":1}");
            assertTrue(single.startsWith("HTTP/1.1 202 "), single);
            assertEquals(1, TestGateway.json(single.substring(single.indexOf("\r\n\r\n") + 4))
                .path("topics").path(0).path("first").asLong(), single);

            final String batch = rawPost(gw, BATCH, "[" + OK_MESSAGE + "," + OK_OTHER + "]");
            assertTrue(batch.startsWith("HTTP/1.1 202 "), batch);
            assertEquals(2, TestGateway.json(batch.substring(batch.indexOf("\r\n\r\n") + 4)).path("accepted").asInt(),
                batch);

            final JsonNode first = subscriber.nextMessage();
            assertEquals(TOPIC, first.path("topic").asText(), first.toString());
            assertEquals(1, first.path("seq").asLong(), first.toString());
            assertEquals(1, first.path("payload").path("late").asInt(), first.toString());
            assertEquals(2, subscriber.nextMessage().path("seq").asLong());
            assertEquals(1, subscriber.nextMessage().path("seq").asLong());
        }
    }

    /**
     * With a ring of 8 slots and batches of 8, batches compete for the whole ring: some must be refused with 503, and
     * a refused batch publishes nothing while accepted ones are sequenced contiguously.
     * <p>
     * With a stage thread: then a batch holds the ring until that thread wakes up and runs it, so the next batch
     * finds it full whichever IO threads the clients' connections landed on. With inline stages (the default) a
     * batch holds the ring only while its own IO thread runs it, and a fresh-clone CI run once saw no 503 in 3,000
     * requests, most likely with every connection on the same IO thread.
     */
    @Test
    void shouldRefuseWholeBatchesWith503AndRetryAfterWhenTheRingIsFull() throws Exception
    {
        final String topic = "load";
        try (TestGateway gw = TestGateway.start(
                GatewayConfiguration.STAGE_THREADS_PROP_NAME, "1",
                GatewayConfiguration.RING_SIZE_PROP_NAME, "8",
                GatewayConfiguration.MAX_BATCH_MESSAGES_PROP_NAME, Integer.toString(LOAD_BATCH),
                GatewayConfiguration.OUTBOUND_MAX_PROP_NAME, "64m");
             WsClient subscriber = gw.subscribe(topic))
        {
            final List<String> messages = new ArrayList<>();
            for (int i = 0; i < LOAD_BATCH; i++)
            {
                messages.add("{\"topic\":\"" + topic + "\",\"payload\":{\"n\":" + i + "}}");
            }
            final String batch = "[" + String.join(",", messages) + "]";

            final AtomicInteger requests = new AtomicInteger();
            final AtomicInteger refused = new AtomicInteger();
            final Queue<long[]> ranges = new ConcurrentLinkedQueue<>();
            final Queue<String> failures = new ConcurrentLinkedQueue<>();
            final ExecutorService pool = Executors.newFixedThreadPool(LOAD_THREADS);
            try
            {
                for (int t = 0; t < LOAD_THREADS; t++)
                {
                    pool.execute(() ->
                    {
                        while (failures.isEmpty() &&
                            (refused.get() < LOAD_ENOUGH_REFUSALS || ranges.size() < LOAD_ENOUGH_ACCEPTED) &&
                            requests.incrementAndGet() <= LOAD_MAX_REQUESTS)
                        {
                            try
                            {
                                final HttpResponse<String> response = gw.post(BATCH, JSON, batch);
                                if (response.statusCode() == 202)
                                {
                                    ranges.add(checkReceipt(gw, response, topic));
                                }
                                else if (response.statusCode() == 503)
                                {
                                    checkRingFull(response);
                                    refused.incrementAndGet();
                                }
                                else
                                {
                                    failures.add("unexpected " + response.statusCode() + ": " + response.body());
                                }
                            }
                            catch (final Exception | AssertionError ex)
                            {
                                failures.add(ex.toString());
                            }
                        }
                    });
                }
            }
            finally
            {
                pool.shutdown();
                assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "load threads did not finish");
            }

            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            assertTrue(refused.get() > 0, "no 503 ring-full answer in " + Math.min(requests.get(), LOAD_MAX_REQUESTS) +
                " batch requests to a ring of 8 slots; the ring-full path was not exercised");

            // The receipts' ranges are disjoint and cover 1..N exactly.
            final List<long[]> sorted = new ArrayList<>(ranges);
            sorted.sort(Comparator.comparingLong(r -> r[0]));
            final int total = sorted.size() * LOAD_BATCH;
            for (int i = 0; i < sorted.size(); i++)
            {
                assertEquals((long)i * LOAD_BATCH + 1, sorted.get(i)[0], "receipt " + i + " first");
                assertEquals((long)(i + 1) * LOAD_BATCH, sorted.get(i)[1], "receipt " + i + " last");
            }

            // The subscriber gets exactly the accepted messages, contiguous, each batch in its order.
            for (int i = 0; i < total; i++)
            {
                final JsonNode message = subscriber.nextMessage();
                assertEquals(topic, message.path("topic").asText(), message.toString());
                assertEquals(i + 1, message.path("seq").asLong(), message.toString());
                assertEquals(i % LOAD_BATCH, message.path("payload").path("n").asInt(-1), message.toString());
            }
            subscriber.ping();
            assertTrue(subscriber.messages.isEmpty(), () -> "messages beyond the accepted " + total + ": " +
                subscriber.messages);
            assertTrue(subscriber.controls.isEmpty(), () -> "unexpected control frames: " + subscriber.controls);

            final JsonNode stats = TestGateway.json(gw.get("/v1/topics/" + topic).body());
            assertEquals(total, stats.path("seq").asLong(), stats.toString());
        }
    }

    private static long[] checkReceipt(final TestGateway gw, final HttpResponse<String> response, final String topic)
    {
        final JsonNode receipt = TestGateway.json(response.body());
        assertEquals(LOAD_BATCH, receipt.path("accepted").asInt(), response.body());
        assertEquals(1, receipt.path("topics").size(), response.body());
        final JsonNode entry = receipt.path("topics").get(0);
        assertEquals(topic, entry.path("topic").asText(), response.body());
        assertEquals(gw.gateway.config().epoch(), entry.path("epoch").asText(), response.body());
        final long first = entry.path("first").asLong();
        final long last = entry.path("last").asLong();
        assertEquals(LOAD_BATCH - 1, last - first, response.body());
        return new long[] {first, last};
    }

    private static void checkRingFull(final HttpResponse<String> response)
    {
        final String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter.trim()) > 0,
            "503 without a positive Retry-After: " + response.headers().map());
        assertProblem(response, 503, "ring-full", BATCH, -1);
    }

    /**
     * Publishes one sentinel per topic in one batch, then checks they are the first messages the subscriber sees,
     * with seq 1, and that the topic table holds only those two topics at seq 1.
     */
    private static void assertOnlySentinelsArrive(final TestGateway gw, final WsClient subscriber) throws Exception
    {
        final HttpResponse<String> sentinel = gw.post(BATCH, JSON,
            "[{\"topic\":\"" + TOPIC + "\",\"payload\":{\"sentinel\":1}}," +
                "{\"topic\":\"" + OTHER + "\",\"payload\":{\"sentinel\":2}}]");
        assertEquals(202, sentinel.statusCode(), sentinel.body());
        final JsonNode receipt = TestGateway.json(sentinel.body());
        assertEquals(2, receipt.path("accepted").asInt(), sentinel.body());
        assertEquals(TOPIC, receipt.path("topics").path(0).path("topic").asText(), sentinel.body());
        assertEquals(1, receipt.path("topics").path(0).path("first").asLong(), sentinel.body());
        assertEquals(OTHER, receipt.path("topics").path(1).path("topic").asText(), sentinel.body());
        assertEquals(1, receipt.path("topics").path(1).path("first").asLong(), sentinel.body());

        final JsonNode first = subscriber.nextMessage();
        assertEquals(TOPIC, first.path("topic").asText(), "first message must be the sentinel: " + first);
        assertEquals(1, first.path("seq").asLong(), "first message must be the sentinel: " + first);
        assertEquals(1, first.path("payload").path("sentinel").asInt(), "first message must be the sentinel: " + first);
        final JsonNode second = subscriber.nextMessage();
        assertEquals(OTHER, second.path("topic").asText(), "second message must be the sentinel: " + second);
        assertEquals(1, second.path("seq").asLong(), "second message must be the sentinel: " + second);
        assertEquals(2, second.path("payload").path("sentinel").asInt(), "second message must be the sentinel: " + second);
        subscriber.ping();
        assertTrue(subscriber.messages.isEmpty(), () -> "unexpected messages: " + subscriber.messages);
        assertTrue(subscriber.controls.isEmpty(), () -> "unexpected control frames: " + subscriber.controls);

        for (final String topic : List.of(TOPIC, OTHER))
        {
            final HttpResponse<String> one = gw.get("/v1/topics/" + topic);
            assertEquals(200, one.statusCode(), one.body());
            assertEquals(1, TestGateway.json(one.body()).path("seq").asLong(), one.body());
        }
        final HttpResponse<String> all = gw.get("/v1/topics");
        final JsonNode topics = TestGateway.json(all.body()).path("topics");
        assertEquals(2, topics.size(), "a bad request created a topic: " + all.body());
        assertEquals(TOPIC, topics.path(0).path("topic").asText(), all.body());
        assertEquals(OTHER, topics.path(1).path("topic").asText(), all.body());
    }

    /**
     * Checks status, media type and every problem member; {@code index} -1 means the member must be absent.
     */
    static JsonNode assertProblem(
        final HttpResponse<String> response, final int status, final String code, final String instance,
        final int index)
    {
        final String context = response.request().method() + " " + response.uri() + " -> " +
            response.statusCode() + " " + response.body();
        assertEquals(status, response.statusCode(), context);
        final String contentType = response.headers().firstValue("Content-Type").orElse("");
        assertTrue(contentType.startsWith("application/problem+json"), "Content-Type " + contentType + ": " + context);
        final JsonNode problem = TestGateway.json(response.body());
        assertEquals("urn:pulsar-proxy:problem:" + code, problem.path("type").asText(), context);
        assertTrue(problem.path("title").isTextual() && !problem.path("title").asText().isBlank(), context);
        assertTrue(problem.path("status").isInt(), context);
        assertEquals(status, problem.path("status").asInt(), context);
        assertTrue(problem.path("detail").isTextual() && !problem.path("detail").asText().isBlank(), context);
        assertEquals(instance, problem.path("instance").asText(), context);
        if (index < 0)
        {
            assertTrue(problem.path("index").isMissingNode(), "no index expected: " + context);
        }
        else
        {
            assertTrue(problem.path("index").isInt(), "index expected: " + context);
            assertEquals(index, problem.path("index").asInt(), "index: " + context);
        }
        return problem;
    }

    private static void assertMethodNotAllowed(
        final HttpResponse<String> response, final String path, final String... allowed)
    {
        assertProblem(response, 405, "method-not-allowed", path, -1);
        final String allow = response.headers().firstValue("Allow").orElse(null);
        assertTrue(allow != null, "405 without Allow: " + response.headers().map());
        final List<String> methods = new ArrayList<>();
        for (final String method : allow.split(","))
        {
            methods.add(method.trim());
        }
        assertEquals(List.of(allowed), methods, "Allow of " + path);
        assertFalse(methods.contains(response.request().method()), "Allow names the refused method");
    }

    private static void assertAccepted(final HttpResponse<String> response, final int count)
    {
        assertEquals(202, response.statusCode(), response.body());
        assertEquals(count, TestGateway.json(response.body()).path("accepted").asInt(), response.body());
    }

    private static HttpResponse<String> request(
        final TestGateway gw, final String method, final String path, final String body) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(gw.uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null)
        {
            request.header("Content-Type", JSON);
        }
        return gw.http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * Sends a POST over a plain socket: the head first, then, after a pause that lets the server read the head on
     * its own, the body; returns the whole response (the connection is closed after it).
     */
    private static String rawPost(final TestGateway gw, final String path, final String body) throws Exception
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port()))
        {
            socket.setSoTimeout(30_000);
            final OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200);
            out.write(bytes);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Posts without a Content-Length (chunked), so only the body reader can enforce the size limit. */
    private static HttpResponse<String> postChunked(
        final TestGateway gw, final String path, final String contentType, final String body) throws Exception
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final HttpRequest request = HttpRequest.newBuilder(gw.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
            .build();
        return gw.http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static byte[] concat(final String before, final byte[] middle, final String after)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String nested(final int depth, final String open, final String close)
    {
        return open.repeat(depth) + "1" + close.repeat(depth);
    }

    /** A JSON string value of exactly {@code length} bytes, quotes included. */
    private static String jsonString(final int length)
    {
        return "\"" + "x".repeat(length - 2) + "\"";
    }
}
