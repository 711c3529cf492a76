package io.pulsarproxy.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumeTest
{
    @Test
    void shouldReplayFromHistoryThenContinueLive() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            for (int i = 1; i <= 10; i++)
            {
                assertEquals(202, gw.publish("r", Integer.toString(i)).statusCode());
            }
            try (WsClient sub = gw.connect("topic=r&from=4"))
            {
                final JsonNode subscribed = sub.nextControl();
                assertEquals("subscribed", subscribed.get("type").asText());
                assertEquals(10, subscribed.get("seq").asLong());
                for (int seq = 4; seq <= 10; seq++)
                {
                    final JsonNode m = sub.nextMessage();
                    assertEquals(seq, m.get("seq").asLong());
                    assertEquals(seq, m.get("payload").asInt());
                }
                assertEquals(202, gw.publish("r", "11").statusCode());
                assertEquals(11, sub.nextMessage().get("seq").asLong());
                sub.ping();
                assertTrue(sub.messages.isEmpty() && sub.controls.isEmpty(), "no gap, no duplicate");
            }
        }
    }

    @Test
    void shouldSendExactGapWhenHistoryNoLongerHoldsFrom() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "10"))
        {
            for (int i = 1; i <= 25; i++)
            {
                assertEquals(202, gw.publish("h", Integer.toString(i)).statusCode());
            }
            try (WsClient sub = gw.connect(""))
            {
                sub.send("{\"op\":\"subscribe\",\"topic\":\"h\",\"from\":3}");
                assertEquals("subscribed", sub.nextControl().get("type").asText());
                final JsonNode gap = sub.nextControl();
                assertEquals("gap", gap.get("type").asText());
                assertEquals("h", gap.get("topic").asText());
                assertEquals(3, gap.get("from").asLong());
                assertEquals(15, gap.get("to").asLong());
                assertEquals("history", gap.get("reason").asText());
                for (int seq = 16; seq <= 25; seq++)
                {
                    assertEquals(seq, sub.nextMessage().get("seq").asLong());
                }
                // The gap frame comes before the replayed data.
                final List<String> raw = new ArrayList<>(sub.rawFrames);
                assertTrue(raw.get(1).contains("\"gap\""), raw.toString());
            }
        }
    }

    @Test
    void shouldAnswerStaleEpochWithEpochGapNotReplayOfUnrelatedMessages() throws Exception
    {
        try (TestGateway gw = TestGateway.start())
        {
            for (int i = 1; i <= 5; i++)
            {
                assertEquals(202, gw.publish("e", Integer.toString(i)).statusCode());
            }
            try (WsClient sub = gw.connect(""))
            {
                sub.send("{\"op\":\"subscribe\",\"topic\":\"e\",\"from\":40,\"epoch\":\"an-older-epoch\"}");
                final JsonNode subscribed = sub.nextControl();
                assertEquals("subscribed", subscribed.get("type").asText());
                final String epoch = subscribed.get("epoch").asText();
                final JsonNode gap = sub.nextControl();
                assertEquals("gap", gap.get("type").asText());
                assertEquals("epoch", gap.get("reason").asText());
                assertEquals(epoch, gap.get("epoch").asText());
                assertEquals(1, gap.get("from").asLong());
                assertEquals(0, gap.get("to").asLong(), "nothing of the current sequence was lost");
                // It then gets the current sequence from its start, not seq 40 of some other sequence.
                for (int seq = 1; seq <= 5; seq++)
                {
                    assertEquals(seq, sub.nextMessage().get("seq").asLong());
                }
            }
        }
    }

    @Test
    void shouldRefuseFromAheadOfTheTopicInTheSameEpoch() throws Exception
    {
        try (TestGateway gw = TestGateway.start();
            WsClient sub = gw.connect(""))
        {
            assertEquals(202, gw.publish("ahead", "1").statusCode());
            sub.send("{\"op\":\"subscribe\",\"topic\":\"ahead\",\"from\":5}");
            final JsonNode error = sub.nextControl();
            assertEquals("error", error.get("type").asText());
            assertEquals("bad-from", error.get("code").asText());
            // The connection stays usable.
            sub.send("{\"op\":\"subscribe\",\"topic\":\"ahead\",\"from\":2}");
            final JsonNode subscribed = sub.nextControl();
            assertEquals("subscribed", subscribed.get("type").asText());
            assertEquals(1, subscribed.get("seq").asLong());
            assertEquals(202, gw.publish("ahead", "2").statusCode());
            assertEquals(2, sub.nextMessage().get("seq").asLong());
        }
    }

    @Test
    void shouldReceiveEverySeqExactlyOnceAcrossHundredReconnectsWhilePublishersWrite() throws Exception
    {
        try (TestGateway gw = TestGateway.start(GatewayConfiguration.HISTORY_SIZE_PROP_NAME, "1000000",
            GatewayConfiguration.HISTORY_BYTES_PROP_NAME, "256m"))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final ExecutorService pool = Executors.newFixedThreadPool(4);
            final List<Future<Integer>> publishers = new ArrayList<>();
            for (int p = 0; p < 4; p++)
            {
                publishers.add(pool.submit(() ->
                {
                    int sent = 0;
                    try (RawHttpConnection http = new RawHttpConnection(gw.gateway.port()))
                    {
                        while (!stop.get() && sent < 200_000)
                        {
                            final RawHttpConnection.Response reply =
                                http.post("/v1/topics/race", "application/json", "{\"n\":" + sent + "}");
                            assertEquals(202, reply.status(), reply.body());
                            sent++;
                        }
                    }
                    return sent;
                }));
            }

            long next = 1;
            String epoch = null;
            for (int reconnect = 0; reconnect < 100; reconnect++)
            {
                final String query = "topic=race&from=" + next + (epoch == null ? "" : "&epoch=" + epoch);
                try (WsClient sub = gw.connect(query))
                {
                    final JsonNode subscribed = sub.nextControl();
                    assertEquals("subscribed", subscribed.get("type").asText(), subscribed.toString());
                    epoch = subscribed.get("epoch").asText();
                    final long target = subscribed.get("seq").asLong() + 5;
                    // Read up to a few messages past the subscribe point, then drop the connection mid-stream.
                    while (next <= target)
                    {
                        final JsonNode m = sub.nextMessage();
                        assertEquals(next, m.get("seq").asLong(), "reconnect " + reconnect);
                        next++;
                    }
                    assertTrue(sub.controls.isEmpty(), "unexpected control frames " + sub.controls);
                }
            }
            stop.set(true);
            long total = 0;
            for (final Future<Integer> publisher : publishers)
            {
                total += publisher.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            // After the publishers stopped, one last resume collects the rest: exactly up to the total.
            try (WsClient sub = gw.connect("topic=race&from=" + next + "&epoch=" + epoch))
            {
                final JsonNode subscribed = sub.nextControl();
                assertEquals(total, subscribed.get("seq").asLong());
                while (next <= total)
                {
                    assertEquals(next, sub.nextMessage().get("seq").asLong());
                    next++;
                }
                sub.ping();
                assertTrue(sub.messages.isEmpty(), "duplicates after the end: " + sub.messages);
            }
            assertEquals(total + 1, next);
        }
    }
}
