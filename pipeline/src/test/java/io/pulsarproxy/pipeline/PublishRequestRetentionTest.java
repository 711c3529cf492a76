package io.pulsarproxy.pipeline;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.ref.WeakReference;

import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A topic keeps its last request, and route keeps each message's recipients in its request until deliver is done
 * with them. A full run of the benchmark held 240 MiB more live heap than before while those recipients stayed:
 * the last broadcast to 10,000 subscribers pinned all of them, closed, with their buffers. A completed request must
 * keep no subscriber alive.
 */
class PublishRequestRetentionTest
{
    @ParameterizedTest(name = "stage threads {0}")
    @ValueSource(ints = {0, 1, 3})
    void shouldKeepNoSubscriberAliveOnceItsRequestIsAnswered(final int stageThreads) throws InterruptedException
    {
        try (PipelineDriver driver = new PipelineDriver(PipelineDriver.config(stageThreads, 100, 16, 8, 0)))
        {
            RecordingSubscriber subscriber = new RecordingSubscriber();
            final WeakReference<RecordingSubscriber> ref = new WeakReference<>(subscriber);
            driver.subscribe(subscriber, "kept");
            // The request stays reachable, as the topic's last request is.
            final RecordingRequest request = driver.publishAndAwait(msg("kept", "1"), msg("kept", "2"));
            assertEquals(2, subscriber.messages().size());

            driver.detach(subscriber);
            driver.publishAndAwait(msg("other", "after the detach"));
            subscriber = null;

            for (int i = 0; i < 20 && ref.get() != null; i++)
            {
                System.gc();
                Thread.sleep(50);
            }
            assertNull(ref.get(), "a detached subscriber is still reachable");
            assertEquals(2, request.messageCount());
        }
    }
}
