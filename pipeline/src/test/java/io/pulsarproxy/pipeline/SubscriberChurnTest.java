package io.pulsarproxy.pipeline;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Subscribers come and go between requests that are still in flight: each must get exactly the messages published
 * between its subscribe and its unsubscribe (or detach), in ring order. With three stage threads route runs ahead of
 * deliver, so a topic's subscriber list has changed, grown and been compacted by the time deliver reads it for the
 * earlier messages (see {@link Recipients}).
 */
class SubscriberChurnTest
{
    private static final int PER_REQUEST = 200;
    private static final int CROWD = 20;

    @ParameterizedTest(name = "stage threads {0}")
    @ValueSource(ints = {0, 1, 3})
    void shouldDeliverToEachSubscriberExactlyWhatWasPublishedWhileItWasSubscribed(final int stageThreads)
        throws InterruptedException
    {
        try (PipelineDriver driver = new PipelineDriver(PipelineDriver.config(stageThreads, 1000, 16, 8, 0)))
        {
            final RecordingSubscriber a = new RecordingSubscriber();
            final RecordingSubscriber b = new RecordingSubscriber();
            final RecordingSubscriber c = new RecordingSubscriber();
            final List<RecordingSubscriber> crowd = new ArrayList<>();
            driver.subscribe(a, "t");
            driver.subscribe(b, "t");
            for (int i = 0; i < CROWD; i++)
            {
                crowd.add(new RecordingSubscriber());
                driver.subscribe(crowd.get(i), "t");
            }

            // Nothing is awaited until the end: every change below is routed while earlier messages may wait for
            // deliver.
            final RecordingRequest first = publish(driver, 0);
            driver.unsubscribe(a, "t");
            for (int i = 0; i < CROWD - 2; i++)
            {
                driver.detach(crowd.get(i)); // more than half of the list leaves: it is compacted
            }
            driver.subscribe(c, "t");
            final RecordingRequest second = publish(driver, 1);
            driver.detach(b);
            driver.subscribe(a, "t");
            final RecordingRequest third = publish(driver, 2);
            for (final RecordingRequest request : List.of(first, second, third))
            {
                assertTrue(request.await(), "request was not completed");
            }

            assertEquals(concat(range(0), range(2)), PipelineDriver.payloads(a.messages()), "a left and came back");
            assertEquals(concat(range(0), range(1)), PipelineDriver.payloads(b.messages()), "b was detached");
            assertEquals(concat(range(1), range(2)), PipelineDriver.payloads(c.messages()), "c came late");
            for (int i = 0; i < CROWD; i++)
            {
                final List<String> expected = i < CROWD - 2 ? range(0) : concat(range(0), concat(range(1), range(2)));
                assertEquals(expected, PipelineDriver.payloads(crowd.get(i).messages()), "crowd " + i);
            }
            assertEquals(4, driver.query("t").get(0).subscribers(), "a, c and two of the crowd remain");
        }
    }

    private static RecordingRequest publish(final PipelineDriver driver, final int round)
    {
        final PipelineDriver.Msg[] messages = new PipelineDriver.Msg[PER_REQUEST];
        for (int i = 0; i < PER_REQUEST; i++)
        {
            messages[i] = msg("t", Integer.toString(round * PER_REQUEST + i));
        }
        final RecordingRequest request = driver.tryPublish(messages);
        assertNotNull(request, "ring full");
        return request;
    }

    private static List<String> range(final int round)
    {
        final List<String> payloads = new ArrayList<>();
        for (int i = 0; i < PER_REQUEST; i++)
        {
            payloads.add(Integer.toString(round * PER_REQUEST + i));
        }
        return payloads;
    }

    private static List<String> concat(final List<String> first, final List<String> second)
    {
        final List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
