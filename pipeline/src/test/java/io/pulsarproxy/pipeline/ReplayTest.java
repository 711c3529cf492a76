package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Call;
import io.pulsarproxy.pipeline.RecordingSubscriber.Flush;
import io.pulsarproxy.pipeline.RecordingSubscriber.Gap;
import io.pulsarproxy.pipeline.RecordingSubscriber.Message;
import io.pulsarproxy.pipeline.RecordingSubscriber.Refused;
import io.pulsarproxy.pipeline.RecordingSubscriber.Subscribed;
import io.pulsarproxy.pipeline.TopicQuery.TopicStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.pulsarproxy.pipeline.PipelineDriver.BASE_MICROS;
import static io.pulsarproxy.pipeline.PipelineDriver.EPOCH;
import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static io.pulsarproxy.pipeline.PipelineDriver.range;
import static io.pulsarproxy.pipeline.PipelineDriver.seqs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Subscribing with {@code from} and {@code epoch}: replay of retained history meets live delivery with no gap and no
 * duplicate; what history no longer holds, or what belongs to another epoch, is announced with a gap.
 */
class ReplayTest
{
    private static final int HISTORY_SIZE = 10;
    private static final int PUBLISHED = 25;
    private static final long FIRST_RETAINED = PUBLISHED - HISTORY_SIZE + 1;
    private static final int RACE_MESSAGES = 50_000;

    private PipelineDriver driver;

    /**
     * How many threads run the stages; {@link ReplayThreeStageThreadsTest} runs every test again with 3.
     *
     * @return 1 or 3.
     */
    int stageThreads()
    {
        return 1;
    }

    @AfterEach
    void closePipeline()
    {
        if (driver != null)
        {
            driver.close();
        }
    }

    @Test
    void shouldReplayFromInsideHistoryThenContinueLiveWithoutGapOrDuplicate() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        driver.subscribe(subscriber, "r", 20, EPOCH);
        subscriber.await(Subscribed.class, 1);
        driver.publishAndAwait(msg("o", "\"other topic\""));
        publishNumbered("r", PUBLISHED + 1, 30);

        final List<Call> calls = withoutFlushes(subscriber.calls());
        assertEquals(new Subscribed("r", PUBLISHED), calls.get(0));
        final List<Message> messages = subscriber.messages();
        assertEquals(calls.size() - 1, messages.size(), "only messages follow: " + calls);
        assertEquals(range(20, 30), seqs(messages));
        for (final Message message : messages)
        {
            assertEquals("r", message.topic());
            assertEquals(Long.toString(message.seq()), message.payloadText());
        }
        for (int i = 0; i < PUBLISHED - 20 + 1; i++)
        {
            assertEquals(BASE_MICROS + 20 - 1 + i, messages.get(i).timestampMicros(), "replayed timestamp " + i);
        }
    }

    @Test
    void shouldReplayInCurrentEpochWhenNoEpochIsGiven() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        driver.subscribe(subscriber, "r", FIRST_RETAINED, null);
        subscriber.await(Subscribed.class, 1);
        publishNumbered("r", PUBLISHED + 1, PUBLISHED + 2);

        assertTrue(subscriber.calls(Gap.class).isEmpty(), subscriber.calls().toString());
        assertEquals(range(FIRST_RETAINED, PUBLISHED + 2), seqs(subscriber.messages()));
    }

    @Test
    void shouldSendHistoryGapFirstWhenFromIsOlderThanHistory() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        driver.subscribe(subscriber, "r", 5, EPOCH);
        subscriber.await(Subscribed.class, 1);
        publishNumbered("r", PUBLISHED + 1, PUBLISHED + 3);

        final List<Call> calls = withoutFlushes(subscriber.calls());
        assertEquals(new Subscribed("r", PUBLISHED), calls.get(0));
        assertEquals(new Gap("r", 5, FIRST_RETAINED - 1, "history"), calls.get(1));
        assertEquals(1, subscriber.calls(Gap.class).size());
        assertEquals(calls.size() - 2, subscriber.messages().size(), calls.toString());
        assertEquals(range(FIRST_RETAINED, PUBLISHED + 3), seqs(subscriber.messages()));
    }

    @Test
    void shouldSendEpochGapThenRetainedHistoryWhenEpochIsStale() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber behind = new RecordingSubscriber();
        final RecordingSubscriber ahead = new RecordingSubscriber();

        driver.subscribe(behind, "r", 3, "an-old-epoch");
        driver.subscribe(ahead, "r", 1000, "an-old-epoch");
        behind.await(Subscribed.class, 1);
        ahead.await(Subscribed.class, 1);
        publishNumbered("r", PUBLISHED + 1, PUBLISHED + 2);

        for (final RecordingSubscriber subscriber : List.of(behind, ahead))
        {
            final List<Call> calls = withoutFlushes(subscriber.calls());
            assertEquals(new Subscribed("r", PUBLISHED), calls.get(0), calls.toString());
            assertEquals(new Gap("r", 1, FIRST_RETAINED - 1, "epoch"), calls.get(1), calls.toString());
            assertEquals(calls.size() - 2, subscriber.messages().size(), calls.toString());
            assertEquals(range(FIRST_RETAINED, PUBLISHED + 2), seqs(subscriber.messages()));
            assertTrue(subscriber.calls(Refused.class).isEmpty());
        }
    }

    @Test
    void shouldSendEmptyEpochGapWhenStaleEpochLostNothingOfCurrentSequence() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("s", 1, 4);
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        driver.subscribe(subscriber, "s", 7, "an-old-epoch");
        driver.subscribe(subscriber, "fresh", 3, "an-old-epoch");
        subscriber.await(Subscribed.class, 2);
        driver.publishAndAwait(msg("fresh", "1"), msg("s", "5"));

        assertEquals(List.of(
            new Subscribed("s", 4), new Gap("s", 1, 0, "epoch"), "s#1", "s#2", "s#3", "s#4",
            new Subscribed("fresh", 0), new Gap("fresh", 1, 0, "epoch"),
            "fresh#1", "s#5"), describe(withoutFlushes(subscriber.calls())));
    }

    @Test
    void shouldRefuseFromAheadOfNextSeqInSameEpoch() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber sameEpoch = new RecordingSubscriber();
        final RecordingSubscriber currentEpoch = new RecordingSubscriber();
        final RecordingSubscriber newTopic = new RecordingSubscriber();

        driver.subscribe(sameEpoch, "r", PUBLISHED + 2, EPOCH);
        driver.subscribe(currentEpoch, "r", 100, null);
        driver.subscribe(newTopic, "new.topic", 2, EPOCH);

        final Refused refused = sameEpoch.await(Refused.class, 1).get(0);
        assertEquals("r", refused.topic());
        assertEquals("bad-from", refused.code());
        assertTrue(refused.reason().contains(Long.toString(PUBLISHED + 2)), refused.reason());
        assertEquals("bad-from", currentEpoch.await(Refused.class, 1).get(0).code());
        final Refused refusedNewTopic = newTopic.await(Refused.class, 1).get(0);
        assertEquals("new.topic", refusedNewTopic.topic());
        assertEquals("bad-from", refusedNewTopic.code());
        publishNumbered("r", PUBLISHED + 1, PUBLISHED + 2);

        for (final RecordingSubscriber subscriber : List.of(sameEpoch, currentEpoch, newTopic))
        {
            assertTrue(subscriber.calls(Subscribed.class).isEmpty(), subscriber.calls().toString());
            assertTrue(subscriber.messages().isEmpty(), subscriber.calls().toString());
            assertEquals(0, subscriber.heldSubscriptions());
        }
        assertEquals(List.of(new TopicStats("r", EPOCH, PUBLISHED + 2, 0, FIRST_RETAINED + 2, PUBLISHED + 2,
            HISTORY_SIZE * 2)), driver.query(null), "a refused subscription creates no topic and holds nothing");
    }

    @Test
    void shouldContinueLiveWithoutReplayWhenFromIsNextSeq() throws InterruptedException
    {
        start(HISTORY_SIZE);
        publishNumbered("r", 1, PUBLISHED);
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        driver.subscribe(subscriber, "r", PUBLISHED + 1, EPOCH);
        driver.subscribe(subscriber, "empty", 1, EPOCH);
        subscriber.await(Subscribed.class, 2);
        driver.query(null);

        assertEquals(List.of(new Subscribed("r", PUBLISHED), new Subscribed("empty", 0)),
            withoutFlushes(subscriber.calls()), "nothing to replay");

        publishNumbered("r", PUBLISHED + 1, PUBLISHED + 2);
        driver.publishAndAwait(msg("empty", "1"));

        assertEquals(List.of(new Subscribed("r", PUBLISHED), new Subscribed("empty", 0), "r#26", "r#27", "empty#1"),
            describe(withoutFlushes(subscriber.calls())));
    }

    @Test
    void shouldDeliverEverySeqOnceInOrderWhenSubscribingFromOneWhilePublisherRuns() throws Exception
    {
        start(65_536);
        final int halfway = RACE_MESSAGES / 2;
        final CountDownLatch reachedHalfway = new CountDownLatch(1);
        final CountDownLatch subscribeQueued = new CountDownLatch(1);
        final AtomicReference<RecordingRequest> last = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread publisher = new Thread(() ->
        {
            try
            {
                for (int i = 1; i <= RACE_MESSAGES; i++)
                {
                    RecordingRequest request = driver.tryPublish(msg("race", Integer.toString(i)));
                    while (request == null)
                    {
                        Thread.yield();
                        request = driver.tryPublish(msg("race", Integer.toString(i)));
                    }
                    last.set(request);
                    if (i == halfway)
                    {
                        // The subscribe lands between message halfway and halfway + 1 in the ring, while the stages
                        // are still working through the messages before it and the publisher goes on at once.
                        reachedHalfway.countDown();
                        if (!subscribeQueued.await(RecordingSubscriber.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                        {
                            throw new AssertionError("subscribe was not queued");
                        }
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "race-publisher");
        final RecordingSubscriber subscriber = new RecordingSubscriber();

        publisher.start();
        assertTrue(reachedHalfway.await(RecordingSubscriber.TIMEOUT_SECONDS, TimeUnit.SECONDS));
        final byte[] topic = PipelineDriver.ascii("race");
        while (!driver.pipeline().trySubscribe(subscriber, topic, 0, topic.length, 1, EPOCH))
        {
            Thread.yield();
        }
        subscribeQueued.countDown();
        publisher.join(TimeUnit.SECONDS.toMillis(60));

        assertNull(failure.get());
        assertFalse(publisher.isAlive(), "publisher did not finish");
        assertNotNull(last.get());
        assertTrue(last.get().await(), "last request was not completed");
        assertEquals(List.of(new Subscribed("race", halfway)), subscriber.calls(Subscribed.class));
        assertTrue(subscriber.calls(Gap.class).isEmpty(), "history holds every message");
        final List<Message> messages = subscriber.messages();
        assertEquals(RACE_MESSAGES, messages.size());
        for (int i = 0; i < RACE_MESSAGES; i++)
        {
            final Message message = messages.get(i);
            if (message.seq() != i + 1 || !Integer.toString(i + 1).equals(message.payloadText()))
            {
                throw new AssertionError("message " + i + " is " + message);
            }
        }
        assertInstanceOf(Subscribed.class, withoutFlushes(subscriber.calls()).get(0));
    }

    private void start(final int historySize)
    {
        driver = new PipelineDriver(PipelineDriver.config(stageThreads(), historySize, 16, 8, 0));
    }

    /** Publishes seqs {@code from..to} of a topic, as one request, payload the seq, and waits for them. */
    private void publishNumbered(final String topic, final long from, final long to) throws InterruptedException
    {
        final List<PipelineDriver.Msg> batch = new ArrayList<>();
        for (long seq = from; seq <= to; seq++)
        {
            batch.add(msg(topic, Long.toString(seq)));
        }
        final RecordingRequest request = driver.publishAndAwait(batch.toArray(new PipelineDriver.Msg[0]));
        assertEquals(from, request.firstSeq(0), "the test's seq numbering is off");
        assertEquals(to, request.lastSeq(0), "the test's seq numbering is off");
    }

    private static List<Call> withoutFlushes(final List<Call> calls)
    {
        final List<Call> kept = new ArrayList<>();
        for (final Call call : calls)
        {
            if (!(call instanceof Flush))
            {
                kept.add(call);
            }
        }
        return kept;
    }

    /** Calls as comparable values: messages as {@code topic#seq}, the rest as themselves. */
    private static List<Object> describe(final List<Call> calls)
    {
        final List<Object> described = new ArrayList<>();
        for (final Call call : calls)
        {
            described.add(call instanceof Message m ? m.topic() + "#" + m.seq() : call);
        }
        return described;
    }
}
