package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Subscribed;
import io.pulsarproxy.pipeline.TopicQuery.TopicStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pulsarproxy.pipeline.PipelineDriver.EPOCH;
import static io.pulsarproxy.pipeline.PipelineDriver.keys;
import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static io.pulsarproxy.pipeline.PipelineDriver.payloads;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Idempotent publish through a real pipeline: a message whose key its topic already accepted is reported as a
 * duplicate of the original seq and neither sequenced, retained nor delivered again.
 */
class IdempotencyTest
{
    private static final int WINDOW = 64;

    private PipelineDriver driver;

    /**
     * How many threads run the stages; {@link IdempotencyThreeStageThreadsTest} runs every test again with 3.
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
    void shouldReportDuplicateAndNotDeliverMessageWhoseIdTopicAlreadyAccepted() throws InterruptedException
    {
        start(WINDOW);
        final RecordingSubscriber subscriber = subscribed("i.a");

        final RecordingRequest original = driver.publishAndAwait(msg("i.a", "k1", "1"));
        final RecordingRequest again = driver.publishAndAwait(msg("i.a", "k1", "2"));
        final RecordingRequest next = driver.publishAndAwait(msg("i.a", "k2", "3"));

        assertEquals(0, original.duplicateCount());
        assertEquals(1, original.firstSeq(0));
        assertEquals(MessageEvent.STATUS_OK, again.status());
        assertEquals(1, again.publishedCalls());
        assertEquals(0, again.topicCount(), "nothing was sequenced");
        assertEquals(1, again.duplicateCount());
        assertEquals(0, again.duplicateIndex(0));
        assertEquals("i.a", again.duplicateTopic(0).name());
        assertEquals(1, again.duplicateSeq(0));
        assertEquals(0, next.duplicateCount());
        assertEquals(2, next.firstSeq(0), "the duplicate took no seq");
        assertEquals(List.of("i.a#1", "i.a#2"), keys(subscriber.messages()));
        assertEquals(List.of("1", "3"), payloads(subscriber.messages()));
        assertEquals(List.of(new TopicStats("i.a", EPOCH, 2, 1, 1, 2, 2)), driver.query(null));
        assertEquals(1, driver.pipeline().counters().duplicates());
    }

    @Test
    void shouldNotTreatSameIdOnAnotherTopicAsDuplicate() throws InterruptedException
    {
        start(WINDOW);
        final RecordingSubscriber a = subscribed("i.a");
        final RecordingSubscriber b = subscribed("i.b");
        driver.publishAndAwait(msg("i.a", "k1", "1"));

        final RecordingRequest otherTopic = driver.publishAndAwait(msg("i.b", "k1", "2"));
        final RecordingRequest mixed = driver.publishAndAwait(
            msg("i.a", "k1", "3"), msg("i.b", "k9", "4"), msg("i.c", "k1", "5"));

        assertEquals(0, otherTopic.duplicateCount());
        assertEquals("i.b", otherTopic.topic(0).name());
        assertEquals(1, otherTopic.firstSeq(0));
        assertEquals(1, mixed.duplicateCount());
        assertEquals(0, mixed.duplicateIndex(0));
        assertEquals("i.a", mixed.duplicateTopic(0).name());
        assertEquals(1, mixed.duplicateSeq(0));
        assertEquals(2, mixed.topicCount());
        assertEquals("i.b", mixed.topic(0).name());
        assertEquals(2, mixed.firstSeq(0));
        assertEquals("i.c", mixed.topic(1).name());
        assertEquals(1, mixed.firstSeq(1));
        assertEquals(List.of("1"), payloads(a.messages()));
        assertEquals(List.of("2", "4"), payloads(b.messages()));
    }

    @Test
    void shouldTreatSecondOccurrenceInOneBatchAsDuplicateOfFirst() throws InterruptedException
    {
        start(WINDOW);
        final RecordingSubscriber subscriber = subscribed("i.c");

        final RecordingRequest batch = driver.publishAndAwait(msg("i.c", "k1", "\"a\""), msg("i.c", "k2", "\"b\""),
            msg("i.c", "k1", "\"c\""), msg("i.d", "k1", "\"d\""), msg("i.c", "k2", "\"e\""), msg("i.c", "\"f\""));

        assertEquals(MessageEvent.STATUS_OK, batch.status());
        assertEquals(2, batch.duplicateCount());
        assertEquals(2, batch.duplicateIndex(0));
        assertEquals("i.c", batch.duplicateTopic(0).name());
        assertEquals(1, batch.duplicateSeq(0));
        assertEquals(4, batch.duplicateIndex(1));
        assertEquals("i.c", batch.duplicateTopic(1).name());
        assertEquals(2, batch.duplicateSeq(1));
        assertEquals(2, batch.topicCount());
        assertEquals("i.c", batch.topic(0).name());
        assertEquals(1, batch.firstSeq(0));
        assertEquals(3, batch.lastSeq(0), "a message without a key is never a duplicate");
        assertEquals("i.d", batch.topic(1).name());
        assertEquals(1, batch.lastSeq(1));
        assertEquals(List.of("\"a\"", "\"b\"", "\"f\""), payloads(subscriber.messages()));
        assertEquals(List.of("i.c#1", "i.c#2", "i.c#3"), keys(subscriber.messages()));
    }

    @Test
    void shouldForgetIdOnceWindowHoldsThatManyNewerIds() throws InterruptedException
    {
        final int window = 4;
        start(window);
        final RecordingSubscriber subscriber = subscribed("w");
        driver.publishAndAwait(msg("w", "k0", "0"));
        driver.publishAndAwait(msg("w", "k1", "1"), msg("w", "k2", "2"), msg("w", "k3", "3"));
        driver.publishAndAwait(msg("w", "n"), msg("w", "n"), msg("w", "n"), msg("w", "n"), msg("w", "n"));

        final RecordingRequest stillKnown = driver.publishAndAwait(msg("w", "k0", "again"));

        assertEquals(1, stillKnown.duplicateCount(), "three newer keys and five keyless messages leave k0 known");
        assertEquals(1, stillKnown.duplicateSeq(0));

        driver.publishAndAwait(msg("w", "k4", "4"));
        final RecordingRequest forgotten = driver.publishAndAwait(msg("w", "k0", "new"));

        assertEquals(0, forgotten.duplicateCount(), "k1..k4 pushed k0 out");
        assertEquals(11, forgotten.firstSeq(0));

        final RecordingRequest k2 = driver.publishAndAwait(msg("w", "k2", "k2 again"));
        final RecordingRequest k1 = driver.publishAndAwait(msg("w", "k1", "k1 again"));

        assertEquals(1, k2.duplicateCount(), "k2, k3, k4, k0 are the last four keys");
        assertEquals(3, k2.duplicateSeq(0));
        assertEquals(0, k1.duplicateCount(), "k0 coming back pushed k1 out");
        assertEquals(12, k1.firstSeq(0));
        assertEquals(List.of("0", "1", "2", "3", "n", "n", "n", "n", "n", "4", "new", "k1 again"),
            payloads(subscriber.messages()));
        assertEquals(PipelineDriver.range(1, 12), PipelineDriver.seqs(subscriber.messages()));
    }

    @Test
    void shouldPublishEveryMessageWhenWindowIsZero() throws InterruptedException
    {
        start(0);
        final RecordingSubscriber subscriber = subscribed("z");

        final RecordingRequest first = driver.publishAndAwait(msg("z", "k1", "1"));
        final RecordingRequest second = driver.publishAndAwait(msg("z", "k1", "2"));
        final RecordingRequest batch = driver.publishAndAwait(msg("z", "k1", "3"), msg("z", "k1", "4"));

        for (final RecordingRequest request : List.of(first, second, batch))
        {
            assertEquals(0, request.duplicateCount());
            assertEquals(MessageEvent.STATUS_OK, request.status());
        }
        assertEquals(2, second.firstSeq(0));
        assertEquals(3, batch.firstSeq(0));
        assertEquals(4, batch.lastSeq(0));
        assertEquals(List.of("1", "2", "3", "4"), payloads(subscriber.messages()));
        driver.query(null);
        assertEquals(0, driver.pipeline().counters().duplicates());
    }

    private void start(final int idempotencyWindow)
    {
        driver = new PipelineDriver(PipelineDriver.config(stageThreads(), 100, 16, 8, idempotencyWindow));
    }

    private RecordingSubscriber subscribed(final String topic) throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, topic);
        subscriber.await(Subscribed.class, 1);
        return subscriber;
    }
}
