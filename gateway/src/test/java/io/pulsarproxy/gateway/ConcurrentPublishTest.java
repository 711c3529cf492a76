package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrentPublishTest
{
    private static final int PUBLISHERS = 8;
    private static final int MESSAGES_PER_PUBLISHER = 10_000;
    private static final int SUBSCRIBERS = 4;
    private static final String[] TOPICS = {"c0", "c1", "c2", "c3"};

    @Test
    void shouldDeliverEveryMessageExactlyOnceInPerTopicOrderUnderConcurrentPublishers() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            final List<WsClient> subscribers = new ArrayList<>();
            for (int i = 0; i < SUBSCRIBERS; i++)
            {
                subscribers.add(gw.subscribe(TOPICS));
            }

            final ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++)
            {
                final int publisher = p;
                results.add(pool.submit(() ->
                {
                    int accepted = 0;
                    try (RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
                    {
                        for (int i = 0; i < MESSAGES_PER_PUBLISHER; i++)
                        {
                            final String topic = TOPICS[(publisher + i) % TOPICS.length];
                            final RawHttpConnection.Response reply = http.post("/v1/topics/" + topic,
                                "application/json", "{\"p\":" + publisher + ",\"i\":" + i + "}");
                            if (reply.status() != 202)
                            {
                                throw new AssertionError("publisher " + publisher + " message " + i + ": " +
                                    reply.status() + " " + reply.body());
                            }
                            accepted++;
                        }
                    }
                    return accepted;
                }));
            }
            int total = 0;
            for (final Future<Integer> result : results)
            {
                total += result.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertEquals(PUBLISHERS * MESSAGES_PER_PUBLISHER, total);

            for (final WsClient subscriber : subscribers)
            {
                final Map<String, Long> lastSeq = new HashMap<>();
                final int[][] lastIndex = new int[PUBLISHERS][TOPICS.length];
                for (final int[] row : lastIndex)
                {
                    java.util.Arrays.fill(row, -1);
                }
                for (int n = 0; n < total; n++)
                {
                    final JsonNode m = subscriber.nextMessage();
                    final String topic = m.get("topic").asText();
                    final long seq = m.get("seq").asLong();
                    final long expected = lastSeq.getOrDefault(topic, 0L) + 1;
                    assertEquals(expected, seq, "seq gap or duplicate on " + topic);
                    lastSeq.put(topic, seq);

                    final int p = m.get("payload").get("p").asInt();
                    final int i = m.get("payload").get("i").asInt();
                    final int t = Integer.parseInt(topic.substring(1));
                    assertTrue(i > lastIndex[p][t], "publisher " + p + " reordered on " + topic);
                    lastIndex[p][t] = i;
                }
                long sum = 0;
                for (final long seq : lastSeq.values())
                {
                    sum += seq;
                }
                assertEquals(total, sum);
                subscriber.ping();
                assertTrue(subscriber.messages.isEmpty(), "extra messages: " + subscriber.messages.size());
                assertTrue(subscriber.controls.isEmpty(), "unexpected control frames: " + subscriber.controls);
                subscriber.close();
            }
        }
    }

    /**
     * Regression: when the body reached the server after the request head, Undertow ran the body callback as a root
     * handler and ended the exchange with an empty 200 before the pipeline replied.
     */
    @Test
    void shouldAnswer202WhenTheBodyArrivesAfterTheHeaders() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient sub = gw.subscribe("late");
            Socket socket = new Socket("127.0.0.1", gw.gateway.port()))
        {
            final byte[] body = "{\"late\":true}".getBytes(StandardCharsets.UTF_8);
            final OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/topics/late HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
                "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(100); // let the head be read on its own, so the body takes the asynchronous path
            out.write(body);
            out.flush();

            final InputStream in = socket.getInputStream();
            final byte[] buffer = new byte[4096];
            final StringBuilder response = new StringBuilder();
            while (!response.toString().contains("\"accepted\"") && !response.toString().startsWith("HTTP/1.1 200"))
            {
                final int n = in.read(buffer);
                if (n < 0)
                {
                    break;
                }
                response.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
            }
            assertTrue(response.toString().startsWith("HTTP/1.1 202"), response.toString());
            assertEquals(true, sub.nextMessage().get("payload").get("late").asBoolean());
        }
    }
}
