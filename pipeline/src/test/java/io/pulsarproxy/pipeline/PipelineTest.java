package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Call;
import io.pulsarproxy.pipeline.RecordingSubscriber.Flush;
import io.pulsarproxy.pipeline.RecordingSubscriber.Message;
import io.pulsarproxy.pipeline.RecordingSubscriber.Published;
import io.pulsarproxy.pipeline.RecordingSubscriber.Refused;
import io.pulsarproxy.pipeline.RecordingSubscriber.Subscribed;
import io.pulsarproxy.pipeline.RecordingSubscriber.Unsubscribed;
import io.pulsarproxy.pipeline.TopicQuery.TopicStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineTest
{
    private static final int RING_SIZE = 1024;
    private static final int HISTORY_SIZE = 100;
    private static final int MAX_TOPICS = 10;
    private static final int MAX_SUBSCRIPTIONS = 3;
    private static final int IDEMPOTENCY_WINDOW = 64;
    private static final long BASE_MICROS = 1_700_000_000_000_000L;

    private Pipeline pipeline;
    private long nextMicros = BASE_MICROS;

    /** A message to publish: its topic and its payload. */
    private record Msg(String topic, String payload)
    {
    }

    /**
     * How many threads run the stages: 1 fuses decode, route and deliver; {@link PipelineThreeStageThreadsTest}
     * runs every test again with a thread per stage.
     *
     * @return 1 or 3.
     */
    int stageThreads()
    {
        return 1;
    }

    @BeforeEach
    void startPipeline()
    {
        pipeline = new Pipeline(new PipelineConfig(
            RING_SIZE, WaitStrategyType.BLOCKING, 256, 65536, HISTORY_SIZE, 1 << 20, MAX_TOPICS, MAX_SUBSCRIPTIONS,
            IDEMPOTENCY_WINDOW, 256, stageThreads(), "test"));
        pipeline.start();
    }

    @AfterEach
    void closePipeline()
    {
        pipeline.close();
        assertFalse(pipeline.isRunning());
    }

    @Test
    void shouldAssignSeqsFromOneContiguouslyPerTopic() throws InterruptedException
    {
        final String[] topics = {"s.a", "s.b", "s.a", "s.a", "s.b", "s.c", "s.a"};
        final long[] expected = {1, 1, 2, 3, 2, 1, 4};

        for (int i = 0; i < topics.length; i++)
        {
            final RecordingRequest request = publishAndAwait(msg(topics[i], "{\"n\":" + i + "}"));

            assertEquals(MessageEvent.STATUS_OK, request.status());
            assertEquals(1, request.topicCount());
            assertEquals(topics[i], request.topic(0).name());
            assertEquals(expected[i], request.firstSeq(0), "message " + i);
            assertEquals(expected[i], request.lastSeq(0), "message " + i);
            assertEquals(1, request.publishedCalls());
        }
    }

    @Test
    void shouldReportReceiptPerTopicForBatchOverThreeTopics() throws InterruptedException
    {
        publishAndAwait(msg("t.b", "1"), msg("t.b", "2"));

        final RecordingRequest batch = publishAndAwait(
            msg("t.a", "a1"), msg("t.b", "b3"), msg("t.a", "a2"), msg("t.c", "c1"), msg("t.b", "b4"), msg("t.a", "a3"));

        assertEquals(MessageEvent.STATUS_OK, batch.status());
        assertEquals(6, batch.messageCount());
        assertEquals(3, batch.topicCount());
        assertEquals("t.a", batch.topic(0).name());
        assertEquals(1, batch.firstSeq(0));
        assertEquals(3, batch.lastSeq(0));
        assertEquals("t.b", batch.topic(1).name());
        assertEquals(3, batch.firstSeq(1));
        assertEquals(4, batch.lastSeq(1));
        assertEquals("t.c", batch.topic(2).name());
        assertEquals(1, batch.firstSeq(2));
        assertEquals(1, batch.lastSeq(2));
        assertEquals("test", batch.topic(0).epoch());
        assertEquals(1, batch.publishedCalls());
    }

    @Test
    void shouldGrowReceiptBeyondEightTopics() throws InterruptedException
    {
        final List<Msg> messages = new ArrayList<>();
        for (int round = 0; round < 2; round++)
        {
            for (int t = 0; t < MAX_TOPICS; t++)
            {
                messages.add(msg("g." + t, "[" + round + "," + t + "]"));
            }
        }

        final RecordingRequest batch = publishAndAwait(messages.toArray(new Msg[0]));

        assertEquals(MessageEvent.STATUS_OK, batch.status());
        assertEquals(MAX_TOPICS, batch.topicCount());
        for (int t = 0; t < MAX_TOPICS; t++)
        {
            assertEquals("g." + t, batch.topic(t).name());
            assertEquals(1, batch.firstSeq(t));
            assertEquals(2, batch.lastSeq(t));
        }
    }

    @Test
    void shouldDeliverOnlyMessagesRoutedAfterSubscribeInOrder() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        publishAndAwait(msg("x", "\"before-1\""), msg("x", "\"before-2\""));
        publishAndAwait(msg("x", "\"before-3\""));

        subscribe(subscriber, "x");
        subscribe(subscriber, "y");
        final List<Subscribed> subscribed = subscriber.await(Subscribed.class, 2);

        assertEquals(new Subscribed("x", 3), subscribed.get(0));
        assertEquals(new Subscribed("y", 0), subscribed.get(1));

        final long firstMicros = nextMicros;
        final Msg[] after = {
            msg("x", "{\"n\":4}"), msg("y", "[\"y\",1]"), msg("x", "{\"n\":5,\"s\":\"caf\u00e9 \u20ac\"}"),
            msg("x", "6"), msg("y", "null"), msg("x", "{\"n\":7}"), msg("x", "\"\\u00e9\"")};
        publishAndAwait(after[0], after[1], after[2]);
        publishAndAwait(after[3]);
        publishAndAwait(after[4], after[5], after[6]);

        final List<Message> messages = subscriber.messages();
        final String[] expectedTopics = {"x", "y", "x", "x", "y", "x", "x"};
        final long[] expectedSeqs = {4, 1, 5, 6, 2, 7, 8};
        assertEquals(after.length, messages.size(), messages.toString());
        for (int i = 0; i < after.length; i++)
        {
            final Message message = messages.get(i);
            assertEquals(expectedTopics[i], message.topic(), "message " + i);
            assertEquals(expectedSeqs[i], message.seq(), "message " + i);
            assertEquals(firstMicros + i, message.timestampMicros(), "message " + i);
            assertArrayEquals(utf8(after[i].payload()), message.payload(), "message " + i);
        }
    }

    @Test
    void shouldDeliverToEverySubscriberOfTopic() throws InterruptedException
    {
        final RecordingSubscriber first = new RecordingSubscriber();
        final RecordingSubscriber second = new RecordingSubscriber();
        subscribe(first, "shared");
        subscribe(second, "shared");
        first.await(Subscribed.class, 1);
        second.await(Subscribed.class, 1);

        publishAndAwait(msg("shared", "1"), msg("shared", "2"));

        for (final RecordingSubscriber subscriber : List.of(first, second))
        {
            final List<Message> messages = subscriber.messages();
            assertEquals(2, messages.size());
            assertEquals("1", messages.get(0).payloadText());
            assertEquals(1, messages.get(0).seq());
            assertEquals("2", messages.get(1).payloadText());
            assertEquals(2, messages.get(1).seq());
        }
        assertEquals(4, syncAndReadCounters().delivered());
    }

    @Test
    void shouldStopDeliveryAfterUnsubscribe() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        subscribe(subscriber, "u.a");
        subscribe(subscriber, "u.b");
        subscriber.await(Subscribed.class, 2);
        publishAndAwait(msg("u.a", "\"kept\""));

        assertTrue(pipeline.tryUnsubscribe(subscriber, ascii("u.a"), 0, 3));
        assertEquals(List.of(new Unsubscribed("u.a")), subscriber.await(Unsubscribed.class, 1));
        publishAndAwait(msg("u.a", "\"dropped\""), msg("u.b", "\"still here\""));

        final List<Message> messages = subscriber.messages();
        assertEquals(2, messages.size(), messages.toString());
        assertEquals("u.a", messages.get(0).topic());
        assertEquals("\"kept\"", messages.get(0).payloadText());
        assertEquals("u.b", messages.get(1).topic());
        assertEquals(1, messages.get(1).seq());
        assertEquals(1, subscriber.heldSubscriptions());

        final List<TopicStats> topics = query(null);
        assertEquals(2, topics.get(0).seq());
        assertEquals(0, topics.get(0).subscribers());
        assertEquals(1, topics.get(1).subscribers());
        assertEquals(1, pipeline.counters().subscriptions());
    }

    @Test
    void shouldConfirmUnsubscribeOfTopicNeverSubscribedWithoutCreatingIt() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        final byte[] buffer = ascii("--never--");
        assertTrue(pipeline.tryUnsubscribe(subscriber, buffer, 2, 5));

        assertEquals(List.of(new Unsubscribed("never")), subscriber.await(Unsubscribed.class, 1));
        assertEquals(List.of(), query(null));
    }

    @Test
    void shouldStopDeliveryAfterDetachAndAllowFreshSubscriptions() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        subscribe(subscriber, "d.a");
        subscribe(subscriber, "d.b");
        subscribe(subscriber, "d.c");
        subscriber.await(Subscribed.class, 3);
        publishAndAwait(msg("d.a", "1"), msg("d.b", "2"), msg("d.c", "3"));
        assertEquals(3, subscriber.messages().size());

        assertTrue(pipeline.tryDetach(subscriber));
        publishAndAwait(msg("d.a", "4"), msg("d.b", "5"), msg("d.c", "6"));

        assertEquals(3, subscriber.messages().size(), subscriber.messages().toString());
        for (final TopicStats topic : query(null))
        {
            assertEquals(0, topic.subscribers(), topic.toString());
            assertEquals(2, topic.seq(), topic.toString());
        }
        assertEquals(0, pipeline.counters().subscriptions());
        assertEquals(0, subscriber.heldSubscriptions());

        subscribe(subscriber, "d.d");
        subscribe(subscriber, "d.e");
        subscribe(subscriber, "d.a");
        final List<Subscribed> subscribed = subscriber.await(Subscribed.class, 6);
        assertEquals(new Subscribed("d.a", 2), subscribed.get(5));
        assertTrue(subscriber.calls(Refused.class).isEmpty(), subscriber.calls().toString());
        publishAndAwait(msg("d.a", "7"));
        assertEquals(List.of("1", "2", "3", "7"), payloads(subscriber.messages()));
    }

    @Test
    void shouldRefuseFourthSubscriptionWithTooManySubscriptions() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        subscribe(subscriber, "m.a");
        subscribe(subscriber, "m.b");
        subscribe(subscriber, "m.c");
        subscriber.await(Subscribed.class, 3);

        subscribe(subscriber, "m.d");

        final Refused refused = subscriber.await(Refused.class, 1).get(0);
        assertEquals("m.d", refused.topic());
        assertEquals("too-many-subscriptions", refused.code());
        assertEquals(MAX_SUBSCRIPTIONS, subscriber.heldSubscriptions());

        subscribe(subscriber, "m.a");
        assertEquals(new Subscribed("m.a", 0), subscriber.await(Subscribed.class, 4).get(3));
        assertEquals(1, subscriber.calls(Refused.class).size());

        publishAndAwait(msg("m.d", "\"not mine\""), msg("m.a", "\"mine\""));
        final List<Message> messages = subscriber.messages();
        assertEquals(1, messages.size(), messages.toString());
        assertEquals("m.a", messages.get(0).topic());
        assertEquals(3, pipeline.counters().subscriptions());
        assertEquals(1, query("m.a").get(0).subscribers());
    }

    @Test
    void shouldRefuseWholeBatchThatWouldCreateMoreTopicsThanAllowed() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        final List<Msg> existing = new ArrayList<>();
        for (int t = 0; t < MAX_TOPICS - 2; t++)
        {
            existing.add(msg("e" + t, "0"));
        }
        publishAndAwait(existing.toArray(new Msg[0]));
        subscribe(subscriber, "e0");
        subscriber.await(Subscribed.class, 1);

        final RecordingRequest refused = publishAndAwait(
            msg("n1", "1"), msg("e0", "2"), msg("n2", "3"), msg("n1", "4"), msg("n3", "5"));

        assertEquals(MessageEvent.STATUS_TOO_MANY_TOPICS, refused.status());
        assertEquals(0, refused.topicCount());
        assertEquals(1, refused.publishedCalls());
        assertTrue(subscriber.messages().isEmpty(), subscriber.messages().toString());
        final List<TopicStats> afterRefusal = query(null);
        assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"), names(afterRefusal));
        assertEquals(1, afterRefusal.get(0).seq());
        assertEquals(1, pipeline.counters().requestsRefused());

        final RecordingRequest fits = publishAndAwait(
            msg("n1", "6"), msg("n1", "7"), msg("e0", "8"), msg("n2", "9"), msg("n2", "10"));

        assertEquals(MessageEvent.STATUS_OK, fits.status());
        assertEquals(3, fits.topicCount());
        assertEquals("n1", fits.topic(0).name());
        assertEquals(2, fits.lastSeq(0));
        assertEquals("e0", fits.topic(1).name());
        assertEquals(2, fits.firstSeq(1));
        assertEquals("n2", fits.topic(2).name());
        assertEquals(List.of("8"), payloads(subscriber.messages()));
        assertEquals(2, subscriber.messages().get(0).seq());
        assertEquals(MAX_TOPICS, query(null).size());

        final RecordingRequest full = publishAndAwait(msg("n3", "11"));
        assertEquals(MessageEvent.STATUS_TOO_MANY_TOPICS, full.status());
        final RecordingRequest existingStillOpen = publishAndAwait(msg("e0", "12"));
        assertEquals(MessageEvent.STATUS_OK, existingStillOpen.status());
        assertEquals(3, existingStillOpen.firstSeq(0));
        assertEquals(MAX_TOPICS, query(null).size());
        assertEquals(2, pipeline.counters().requestsRefused());
    }

    @Test
    void shouldRefuseSubscriptionThatWouldCreateTopicBeyondMaxTopics() throws InterruptedException
    {
        final List<Msg> messages = new ArrayList<>();
        for (int t = 0; t < MAX_TOPICS; t++)
        {
            messages.add(msg("full" + t, "0"));
        }
        publishAndAwait(messages.toArray(new Msg[0]));
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        subscribe(subscriber, "fresh");
        subscribe(subscriber, "full3");

        final Refused refused = subscriber.await(Refused.class, 1).get(0);
        assertEquals("fresh", refused.topic());
        assertEquals("too-many-topics", refused.code());
        assertEquals(new Subscribed("full3", 1), subscriber.await(Subscribed.class, 1).get(0));
        assertEquals(MAX_TOPICS, query(null).size());
        assertEquals(1, subscriber.heldSubscriptions());
    }

    @Test
    void shouldAskForAnImmediateFlushOnlyWhenABatchTouchesFewSubscribers() throws InterruptedException
    {
        final List<RecordingSubscriber> narrow = subscribers("narrow", DeliverHandler.NARROW_FAN_OUT);
        final List<RecordingSubscriber> wide = subscribers("wide", DeliverHandler.NARROW_FAN_OUT + 1);

        publishAndAwait(msg("narrow", "1"));
        publishAndAwait(msg("wide", "1"));

        for (final RecordingSubscriber s : narrow)
        {
            s.await(Message.class, 1);
            s.await(RecordingSubscriber.Flush.class, 2); // the subscribe confirmation's, then the message's
            assertEquals(2, s.flushNowCalls(), "a fan-out to " + narrow.size() + " is flushed at once");
        }
        for (final RecordingSubscriber s : wide)
        {
            s.await(Message.class, 1);
            s.await(RecordingSubscriber.Flush.class, 2);
            assertEquals(1, s.flushNowCalls(), "only its own subscribe confirmation is flushed at once, not the " +
                "fan-out to " + wide.size());
        }
    }

    private List<RecordingSubscriber> subscribers(final String topic, final int count) throws InterruptedException
    {
        final List<RecordingSubscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final RecordingSubscriber subscriber = new RecordingSubscriber();
            subscribe(subscriber, topic);
            subscriber.await(Subscribed.class, 1);
            subscribers.add(subscriber);
        }
        return subscribers;
    }

    @Test
    void shouldCompleteRequestOnceQueuedAndFlushTouchedSubscriberAfter() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        subscribe(subscriber, "f");
        subscriber.await(Subscribed.class, 1);

        final RecordingRequest request = new RecordingRequest(5, subscriber);
        publish(request, msg("f", "1"), msg("f", "2"), msg("f", "3"), msg("f", "4"), msg("f", "5"));
        assertTrue(request.await());
        subscriber.await(RecordingSubscriber.Flush.class, 2);

        final List<Call> calls = subscriber.calls();
        int lastMessage = -1;
        int firstFlushAfterLastMessage = -1;
        int published = -1;
        for (int i = 0; i < calls.size(); i++)
        {
            final Call call = calls.get(i);
            if (call instanceof Message)
            {
                lastMessage = i;
                firstFlushAfterLastMessage = -1;
            }
            else if (call instanceof Flush && firstFlushAfterLastMessage < 0)
            {
                firstFlushAfterLastMessage = i;
            }
            else if (call instanceof Published)
            {
                published = i;
            }
            if (i > 0 && call instanceof Flush)
            {
                assertFalse(calls.get(i - 1) instanceof Flush, "flushed twice without a call between: " + calls);
            }
        }
        assertEquals(5, subscriber.messages().size());
        assertTrue(published > lastMessage, "completed before all its messages were queued: " + calls);
        assertTrue(firstFlushAfterLastMessage > published, "the reply waited for the frame writes: " + calls);
        assertInstanceOf(Flush.class, calls.get(1), "subscribe confirmation is flushed: " + calls);
    }

    @Test
    void shouldAnswerQueryForAllTopicsSortedWithSeqSubscribersAndHistory() throws InterruptedException
    {
        final RecordingSubscriber one = new RecordingSubscriber();
        final RecordingSubscriber two = new RecordingSubscriber();
        final List<Msg> many = new ArrayList<>();
        long manyBytes = 0;
        for (int i = 1; i <= 150; i++)
        {
            final Msg message = msg("q.c", "{\"i\":" + i + "}");
            many.add(message);
            if (i > 150 - HISTORY_SIZE)
            {
                manyBytes += message.payload().length();
            }
        }
        publishAndAwait(many.toArray(new Msg[0]));
        subscribe(one, "q.a");
        subscribe(one, "q.b");
        subscribe(two, "q.b");
        one.await(Subscribed.class, 2);
        two.await(Subscribed.class, 1);
        publishAndAwait(msg("q.b", "\"one\""), msg("q.a", "[1,2]"), msg("q.b", "\"two\""), msg("q.b", "\"three\""));

        final List<TopicStats> topics = query(null);

        assertEquals(List.of(
            new TopicStats("q.a", "test", 1, 1, 1, 1, 5),
            new TopicStats("q.b", "test", 3, 2, 1, 3, 5 + 5 + 7),
            new TopicStats("q.c", "test", 150, 0, 51, 150, manyBytes)), topics);
    }

    @Test
    void shouldAnswerQueryForOneTopicAndNothingForUnknownTopic() throws InterruptedException
    {
        publishAndAwait(msg("one.a", "1"), msg("one.b", "22"), msg("one.b", "333"));

        assertEquals(List.of(new TopicStats("one.b", "test", 2, 0, 1, 2, 5)), query("one.b"));
        assertEquals(List.of(), query("one.z"));
        assertEquals(List.of("one.a", "one.b"), names(query(null)));
    }

    @Test
    void shouldDeliverPayloadsLargerThanSlotAndReuseSlotsAfterwards() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        subscribe(subscriber, "big");
        subscriber.await(Subscribed.class, 1);
        final String beyondSlot = "\"" + "s".repeat(300) + "\"";
        final String beyondRetain = "\"" + "r".repeat(70_000) + "\"";
        publishAndAwait(msg("big", beyondSlot), msg("big", beyondRetain), msg("big", "\"small\""));

        final int rounds = 3 * RING_SIZE / 100;
        for (int round = 0; round < rounds; round++)
        {
            final Msg[] batch = new Msg[100];
            for (int i = 0; i < batch.length; i++)
            {
                batch[i] = msg("big", "[" + round + "," + i + "]");
            }
            publishAndAwait(batch);
        }

        final List<Message> messages = subscriber.messages();
        assertEquals(3 + rounds * 100, messages.size());
        assertEquals(beyondSlot, messages.get(0).payloadText());
        assertEquals(beyondRetain, messages.get(1).payloadText());
        assertEquals("\"small\"", messages.get(2).payloadText());
        for (int k = 3; k < messages.size(); k++)
        {
            final int round = (k - 3) / 100;
            final int i = (k - 3) % 100;
            assertEquals("[" + round + "," + i + "]", messages.get(k).payloadText());
            assertEquals(k + 1, messages.get(k).seq());
        }
    }

    @Test
    void shouldKeepDeliveringWhenOneSubscriberThrows() throws InterruptedException
    {
        final RecordingSubscriber broken = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic,
                final long seq,
                final long timestampMicros,
                final byte[] buffer,
                final int payloadOffset,
                final int payloadLength)
            {
                throw new IllegalStateException("broken subscriber");
            }
        };
        final RecordingSubscriber healthy = new RecordingSubscriber();
        subscribe(broken, "b");
        subscribe(healthy, "b");
        healthy.await(Subscribed.class, 1);

        final RecordingRequest request = publishAndAwait(msg("b", "1"), msg("b", "2"));

        assertEquals(MessageEvent.STATUS_OK, request.status());
        assertEquals(List.of("1", "2"), payloads(healthy.messages()));
        assertEquals(2, syncAndReadCounters().stageErrors());
    }

    @Test
    void shouldReturnMinusOneFromTryClaimWhenRingIsFull() throws InterruptedException
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RecordingSubscriber blocker = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic,
                final long seq,
                final long timestampMicros,
                final byte[] buffer,
                final int payloadOffset,
                final int payloadLength)
            {
                entered.countDown();
                try
                {
                    release.await(60, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                super.onMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
            }
        };
        try
        {
            subscribe(blocker, "blk");
            blocker.await(Subscribed.class, 1);
            // Published from a thread of its own: with inline stages (no stage thread) that thread runs deliver
            // and is the one held.
            final RecordingRequest stuck = new RecordingRequest(1);
            final Thread stuckPublisher = new Thread(() -> publish(stuck, msg("blk", "\"stuck\"")));
            stuckPublisher.start();
            assertTrue(entered.await(10, TimeUnit.SECONDS));

            // Deliver is held inside onMessage, so every slot after the stuck one can be claimed once and no more.
            assertEquals(RING_SIZE - 1, pipeline.remainingCapacity());
            assertEquals(-1, pipeline.tryClaim(RING_SIZE));
            final List<RecordingRequest> queued = new ArrayList<>();
            while (queued.size() <= RING_SIZE)
            {
                final long seq = pipeline.tryClaim(1);
                if (seq < 0)
                {
                    break;
                }
                final RecordingRequest request = new RecordingRequest(1);
                final byte[] src = ascii("other" + queued.size());
                try
                {
                    pipeline.event(seq).setMessage(
                        src, 0, 5, null, 0, 0, src, 5, src.length - 5, BASE_MICROS, request, 0, true);
                }
                finally
                {
                    pipeline.publish(seq, seq);
                }
                queued.add(request);
            }

            assertEquals(RING_SIZE - 1, queued.size());
            assertEquals(0, pipeline.remainingCapacity());
            assertEquals(-1, pipeline.tryClaim(1));
            assertFalse(pipeline.trySubscribe(blocker, ascii("other"), 0, 5));
            assertFalse(pipeline.tryUnsubscribe(blocker, ascii("blk"), 0, 3));
            assertFalse(pipeline.tryDetach(blocker));
            assertFalse(pipeline.tryQuery(new RecordingQuery(null)));

            release.countDown();

            assertTrue(stuck.await());
            for (int i = 0; i < queued.size(); i++)
            {
                final RecordingRequest request = queued.get(i);
                assertTrue(request.await(), "request " + i);
                assertEquals(MessageEvent.STATUS_OK, request.status());
                assertEquals(i + 1, request.firstSeq(0));
            }
            assertEquals(List.of(new TopicStats("blk", "test", 1, 1, 1, 1, 7),
                new TopicStats("other", "test", RING_SIZE - 1, 0, RING_SIZE - HISTORY_SIZE, RING_SIZE - 1,
                    historyBytesOfCounters(RING_SIZE - HISTORY_SIZE - 1, RING_SIZE - 2))), query(null));
            assertEquals(List.of("\"stuck\""), payloads(blocker.messages()));
        }
        finally
        {
            release.countDown();
        }
    }

    @Test
    void shouldRejectInvalidConfig()
    {
        assertThrows(IllegalArgumentException.class, () -> config(1000, 256, 65536, 100, 10, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1, 256, 65536, 100, 10, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 8, 65536, 100, 10, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 256, 128, 100, 10, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 256, 65536, -1, 10, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 256, 65536, 100, 0, 3, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 256, 65536, 100, 10, 0, 256));
        assertThrows(IllegalArgumentException.class, () -> config(1024, 256, 65536, 100, 10, 3, 0));
        assertEquals(2, config(2, 16, 16, 0, 1, 1, 1).ringSize());
        for (final int threads : new int[] {-1, 2, 4})
        {
            assertThrows(IllegalArgumentException.class, () -> new PipelineConfig(
                1024, WaitStrategyType.BLOCKING, 256, 65536, 100, 1024, 10, 3, 0, 256, threads, "e"));
        }
    }

    private static PipelineConfig config(
        final int ringSize,
        final int slotBytes,
        final int slotRetainBytes,
        final int historySize,
        final int maxTopics,
        final int maxSubscriptions,
        final int maxBatchSize)
    {
        return new PipelineConfig(ringSize, WaitStrategyType.BLOCKING, slotBytes, slotRetainBytes, historySize, 1024,
            maxTopics, maxSubscriptions, 0, maxBatchSize, 3, "e");
    }

    /** Bytes of the payloads "0".."n" that the ring-full test publishes as "other0", "other1", .... */
    private static long historyBytesOfCounters(final int from, final int to)
    {
        long bytes = 0;
        for (int i = from; i <= to; i++)
        {
            bytes += Integer.toString(i).length();
        }
        return bytes;
    }

    private static Msg msg(final String topic, final String payload)
    {
        return new Msg(topic, payload);
    }

    private RecordingRequest publishAndAwait(final Msg... messages) throws InterruptedException
    {
        final RecordingRequest request = publish(new RecordingRequest(messages.length), messages);
        assertTrue(request.await(), "request was not completed");
        return request;
    }

    /**
     * Claims one slot per message and fills each from a source array laid out as {@code junk | topic | payload | junk}
     * and a separate id array, so that every array and offset passed to setMessage matters.
     */
    private RecordingRequest publish(final RecordingRequest request, final Msg... messages)
    {
        final int n = messages.length;
        final long hi = pipeline.tryClaim(n);
        assertTrue(hi >= 0, "ring full");
        final long lo = hi - n + 1;
        try
        {
            for (int i = 0; i < n; i++)
            {
                final byte[] topic = ascii(messages[i].topic());
                final byte[] id = ascii("[id-" + nextMicros + "]");
                final byte[] payload = utf8(messages[i].payload());
                final byte[] src = new byte[3 + topic.length + payload.length + 2];
                System.arraycopy(topic, 0, src, 3, topic.length);
                final int payloadOffset = 3 + topic.length;
                System.arraycopy(payload, 0, src, payloadOffset, payload.length);
                pipeline.event(lo + i).setMessage(src, 3, topic.length, id, 1, id.length - 2,
                    src, payloadOffset, payload.length, nextMicros++, request, i, i == n - 1);
            }
        }
        finally
        {
            pipeline.publish(lo, hi);
        }
        return request;
    }

    private void subscribe(final Subscriber subscriber, final String topic)
    {
        final byte[] bytes = ascii("[" + topic + "]");
        assertTrue(pipeline.trySubscribe(subscriber, bytes, 1, bytes.length - 2));
    }

    private List<TopicStats> query(final String topic) throws InterruptedException
    {
        final RecordingQuery query = new RecordingQuery(topic);
        assertTrue(pipeline.tryQuery(query));
        return query.await();
    }

    /** Runs a query through the ring so that the counters of every earlier batch are published. */
    private PipelineCounters syncAndReadCounters() throws InterruptedException
    {
        query(null);
        return pipeline.counters();
    }

    private static List<String> names(final List<TopicStats> topics)
    {
        final List<String> names = new ArrayList<>();
        for (final TopicStats topic : topics)
        {
            names.add(topic.name());
        }
        return names;
    }

    private static List<String> payloads(final List<Message> messages)
    {
        final List<String> payloads = new ArrayList<>();
        for (final Message message : messages)
        {
            payloads.add(message.payloadText());
        }
        return payloads;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
