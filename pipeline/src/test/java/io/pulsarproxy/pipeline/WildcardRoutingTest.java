package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Flush;
import io.pulsarproxy.pipeline.RecordingSubscriber.Refused;
import io.pulsarproxy.pipeline.RecordingSubscriber.Subscribed;
import io.pulsarproxy.pipeline.RecordingSubscriber.SubscribedPattern;
import io.pulsarproxy.pipeline.RecordingSubscriber.Unsubscribed;
import io.pulsarproxy.pipeline.TopicQuery.TopicStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pulsarproxy.pipeline.PipelineDriver.EPOCH;
import static io.pulsarproxy.pipeline.PipelineDriver.keys;
import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static io.pulsarproxy.pipeline.PipelineDriver.payloads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wildcard subscriptions through a real pipeline: which messages a connection gets when patterns and exact topics
 * overlap, appear, and go away.
 */
class WildcardRoutingTest
{
    private static final int HISTORY_SIZE = 100;
    private static final int MAX_TOPICS = 64;
    private static final int MAX_SUBSCRIPTIONS = 3;
    private static final int IDEMPOTENCY_WINDOW = 64;

    private PipelineDriver driver;

    /**
     * How many threads run the stages; {@link WildcardRoutingThreeStageThreadsTest} runs every test again with 3.
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
        driver = new PipelineDriver(PipelineDriver.config(
            stageThreads(), HISTORY_SIZE, MAX_TOPICS, MAX_SUBSCRIPTIONS, IDEMPOTENCY_WINDOW));
    }

    @AfterEach
    void closePipeline()
    {
        driver.close();
    }

    @Test
    void shouldDeliverMessageCoveredByOverlappingSubscriptionsExactlyOnce() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, "orders.*");
        driver.subscribe(subscriber, "orders.>");
        driver.subscribe(subscriber, "orders.eu");
        subscriber.await(SubscribedPattern.class, 2);
        subscriber.await(Subscribed.class, 1);

        driver.publishAndAwait(msg("orders.eu", "1"));

        assertEquals(List.of("orders.eu#1"), keys(subscriber.messages()));

        driver.publishAndAwait(msg("orders.eu.x", "2"), msg("orders.us", "3"), msg("orders", "4"),
            msg("other.eu", "5"), msg("orders.eu", "6"), msg("orders.eu.x.y", "7"));

        assertEquals(List.of("orders.eu#1", "orders.eu.x#1", "orders.us#1", "orders.eu#2", "orders.eu.x.y#1"),
            keys(subscriber.messages()));
        assertEquals(List.of("1", "2", "3", "6", "7"), payloads(subscriber.messages()));
        assertEquals(List.of(
            new TopicStats("orders", EPOCH, 1, 0, 1, 1, 1),
            new TopicStats("orders.eu", EPOCH, 2, 1, 1, 2, 2),
            new TopicStats("orders.eu.x", EPOCH, 1, 1, 1, 1, 1),
            new TopicStats("orders.eu.x.y", EPOCH, 1, 1, 1, 1, 1),
            new TopicStats("orders.us", EPOCH, 1, 1, 1, 1, 1),
            new TopicStats("other.eu", EPOCH, 1, 0, 1, 1, 1)), driver.query(null));
        assertEquals(3, subscriber.heldSubscriptions());
    }

    @Test
    void shouldCoverTopicsThatExistBeforeAndTopicsCreatedAfterPatternSubscription() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.publishAndAwait(msg("metrics.cpu", "0"), msg("metrics.disk.free", "0"), msg("metricsx.cpu", "0"));

        driver.subscribe(subscriber, "metrics.*");
        subscriber.await(SubscribedPattern.class, 1);
        assertEquals(1, driver.query("metrics.cpu").get(0).subscribers(), "an existing topic is covered at once");

        driver.publishAndAwait(msg("metrics.cpu", "1"), msg("metrics.mem", "2"), msg("metrics.disk.free", "3"),
            msg("metrics.mem", "4"), msg("metricsx.cpu", "5"), msg("metrics.net", "6"));

        assertEquals(List.of("metrics.cpu#2", "metrics.mem#1", "metrics.mem#2", "metrics.net#1"),
            keys(subscriber.messages()));
        assertEquals(List.of("1", "2", "4", "6"), payloads(subscriber.messages()));
        assertEquals(List.of(1, 0, 1, 1, 0), subscriberCounts(driver.query(null)));
    }

    @Test
    void shouldConfirmPatternSubscriptionWithOnSubscribedPatternOnly() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.publishAndAwait(msg("p.a", "0"), msg("p.b.c", "0"));

        driver.subscribe(subscriber, "p.>");

        assertEquals(List.of(new SubscribedPattern("p.>")), subscriber.await(SubscribedPattern.class, 1));
        driver.query(null);
        assertEquals(List.of(new SubscribedPattern("p.>"), new Flush()), subscriber.calls(),
            "no onSubscribed for the topics a pattern covers");
    }

    @Test
    void shouldKeepDeliveringThroughRemainingSubscriptionsAfterUnsubscribingOne() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, "orders.*");
        driver.subscribe(subscriber, "orders.>");
        driver.subscribe(subscriber, "orders.eu");
        subscriber.await(SubscribedPattern.class, 2);
        driver.publishAndAwait(msg("orders.new", "0"));

        driver.unsubscribe(subscriber, "orders.*");
        assertEquals(List.of(new Unsubscribed("orders.*")), subscriber.await(Unsubscribed.class, 1));
        driver.publishAndAwait(msg("orders.eu", "a"), msg("orders.new", "b"), msg("orders.eu.x", "c"));

        assertEquals(List.of("0", "a", "b", "c"), payloads(subscriber.messages()));
        assertEquals(2, subscriber.heldSubscriptions());

        driver.unsubscribe(subscriber, "orders.>");
        subscriber.await(Unsubscribed.class, 2);
        driver.publishAndAwait(msg("orders.eu", "d"), msg("orders.new", "e"), msg("orders.eu.x", "f"));

        assertEquals(List.of("0", "a", "b", "c", "d"), payloads(subscriber.messages()));
        assertEquals(List.of(1, 0, 0), subscriberCounts(driver.query(null)));

        driver.unsubscribe(subscriber, "orders.eu");
        subscriber.await(Unsubscribed.class, 3);
        driver.publishAndAwait(msg("orders.eu", "g"), msg("orders.new", "h"), msg("orders.x", "i"));

        assertEquals(List.of("0", "a", "b", "c", "d"), payloads(subscriber.messages()));
        assertEquals(List.of(0, 0, 0, 0), subscriberCounts(driver.query(null)));
        assertEquals(0, subscriber.heldSubscriptions());
        assertEquals(0, driver.pipeline().counters().subscriptions());
    }

    @Test
    void shouldKeepPatternDeliveryAfterUnsubscribingExactTopicItCovers() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, "orders.eu");
        driver.subscribe(subscriber, "orders.*");
        subscriber.await(SubscribedPattern.class, 1);

        driver.unsubscribe(subscriber, "orders.eu");
        driver.unsubscribe(subscriber, "orders.never.*");
        subscriber.await(Unsubscribed.class, 2);
        driver.publishAndAwait(msg("orders.eu", "1"), msg("orders.us", "2"));

        assertEquals(List.of("orders.eu#1", "orders.us#1"), keys(subscriber.messages()));
        assertEquals(1, subscriber.heldSubscriptions());
        assertEquals(1, driver.query("orders.eu").get(0).subscribers());
    }

    @Test
    void shouldRemoveEveryExactAndPatternSubscriptionOnDetach() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        final RecordingSubscriber other = new RecordingSubscriber();
        driver.subscribe(subscriber, "d.*");
        driver.subscribe(subscriber, "d.>");
        driver.subscribe(subscriber, "x.exact");
        driver.subscribe(other, "d.>");
        subscriber.await(SubscribedPattern.class, 2);
        subscriber.await(Subscribed.class, 1);
        other.await(SubscribedPattern.class, 1);
        driver.publishAndAwait(msg("d.a", "1"), msg("d.a.b", "2"), msg("x.exact", "3"));
        assertEquals(List.of("1", "2", "3"), payloads(subscriber.messages()));

        driver.detach(subscriber);
        driver.publishAndAwait(msg("d.a", "4"), msg("d.a.b", "5"), msg("x.exact", "6"), msg("d.new", "7"),
            msg("d.new.deep", "8"));

        assertEquals(List.of("1", "2", "3"), payloads(subscriber.messages()));
        assertEquals(List.of("1", "2", "4", "5", "7", "8"), payloads(other.messages()));
        assertEquals(List.of(1, 1, 1, 1, 0), subscriberCounts(driver.query(null)),
            "only the other subscriber's pattern is left");
        assertEquals(0, subscriber.heldSubscriptions());
        assertEquals(1, driver.pipeline().counters().subscriptions());

        driver.detach(other);
        assertEquals(List.of(0, 0, 0, 0, 0), subscriberCounts(driver.query(null)));
        assertEquals(0, driver.pipeline().counters().subscriptions());

        driver.subscribe(subscriber, "d.*");
        subscriber.await(SubscribedPattern.class, 3);
        driver.publishAndAwait(msg("d.new", "9"), msg("d.a.b", "10"));

        assertEquals(List.of("1", "2", "3", "9"), payloads(subscriber.messages()));
        assertTrue(subscriber.calls(Refused.class).isEmpty(), subscriber.calls().toString());
    }

    @Test
    void shouldCountPatternsAgainstSubscriptionLimit() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, "a.*");
        driver.subscribe(subscriber, "b.>");
        driver.subscribe(subscriber, "c");
        subscriber.await(SubscribedPattern.class, 2);
        subscriber.await(Subscribed.class, 1);

        driver.subscribe(subscriber, "d.*");
        driver.subscribe(subscriber, "d");
        final List<Refused> refused = subscriber.await(Refused.class, 2);

        assertEquals("d.*", refused.get(0).topic());
        assertEquals("too-many-subscriptions", refused.get(0).code());
        assertEquals("d", refused.get(1).topic());
        assertEquals("too-many-subscriptions", refused.get(1).code());

        driver.subscribe(subscriber, "a.*");
        assertEquals(new SubscribedPattern("a.*"), subscriber.await(SubscribedPattern.class, 3).get(2),
            "a pattern already held is confirmed again, not refused");
        driver.publishAndAwait(msg("d.x", "1"), msg("d", "2"), msg("a.x", "3"), msg("b.x.y", "4"), msg("c", "5"));

        assertEquals(List.of("3", "4", "5"), payloads(subscriber.messages()));
        assertEquals(2, subscriber.calls(Refused.class).size());
        assertEquals(MAX_SUBSCRIPTIONS, subscriber.heldSubscriptions());
        assertEquals(MAX_SUBSCRIPTIONS, driver.pipeline().counters().subscriptions());

        driver.unsubscribe(subscriber, "b.>");
        driver.subscribe(subscriber, "d.*");
        assertEquals(new SubscribedPattern("d.*"), subscriber.await(SubscribedPattern.class, 4).get(3));
        driver.publishAndAwait(msg("d.x", "6"), msg("b.x.y", "7"));

        assertEquals(List.of("3", "4", "5", "6"), payloads(subscriber.messages()));
    }

    @Test
    void shouldTreatRepeatedIdenticalPatternSubscriptionAsOne() throws InterruptedException
    {
        final RecordingSubscriber subscriber = new RecordingSubscriber();
        driver.subscribe(subscriber, "r.*");
        driver.subscribe(subscriber, "r.*");
        driver.subscribe(subscriber, "r.*");
        subscriber.await(SubscribedPattern.class, 3);

        driver.publishAndAwait(msg("r.x", "1"));

        assertEquals(List.of("r.x#1"), keys(subscriber.messages()));
        assertEquals(1, subscriber.heldSubscriptions());
        assertEquals(1, driver.pipeline().counters().subscriptions());
        assertEquals(1, driver.query("r.x").get(0).subscribers());

        driver.unsubscribe(subscriber, "r.*");
        subscriber.await(Unsubscribed.class, 1);
        driver.publishAndAwait(msg("r.x", "2"), msg("r.y", "3"));

        assertEquals(List.of("r.x#1"), keys(subscriber.messages()), "one unsubscribe undoes the one subscription");
        assertEquals(0, driver.query("r.x").get(0).subscribers());
    }

    @Test
    void shouldDeliverToEachSubscriberOnlyWhatItsPatternsMatch() throws InterruptedException
    {
        final RecordingSubscriber europe = new RecordingSubscriber();
        final RecordingSubscriber orders = new RecordingSubscriber();
        driver.subscribe(europe, "eu.*");
        driver.subscribe(orders, "*.orders");
        europe.await(SubscribedPattern.class, 1);
        orders.await(SubscribedPattern.class, 1);

        driver.publishAndAwait(msg("eu.orders", "1"), msg("eu.trades", "2"), msg("us.orders", "3"),
            msg("us.trades", "4"), msg("eu.orders.x", "5"), msg("eu", "6"), msg("orders", "7"));

        assertEquals(List.of("eu.orders#1", "eu.trades#1"), keys(europe.messages()));
        assertEquals(List.of("eu.orders#1", "us.orders#1"), keys(orders.messages()));
        assertEquals(List.of(0, 2, 0, 1, 0, 1, 0), subscriberCounts(driver.query(null)));
    }

    private static List<Integer> subscriberCounts(final List<TopicStats> topics)
    {
        return topics.stream().map(TopicStats::subscribers).toList();
    }
}
