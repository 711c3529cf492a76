package io.pulsarproxy.pipeline;

import io.pulsarproxy.pipeline.RecordingSubscriber.Message;
import io.pulsarproxy.pipeline.RecordingSubscriber.Subscribed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static io.pulsarproxy.pipeline.PipelineDriver.payloads;
import static io.pulsarproxy.pipeline.PipelineDriver.range;
import static io.pulsarproxy.pipeline.PipelineDriver.seqs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is particular to inline stages ({@code stageThreads = 0}): the publishing thread runs the stages, a producer
 * that finds another thread draining leaves its events to it, and a stage callback may publish. Every other
 * pipeline test runs inline too ({@link PipelineInlineTest} and the other {@code *InlineTest} classes).
 */
class InlineStagesTest
{
    private PipelineDriver driver;

    @BeforeEach
    void start()
    {
        driver = new PipelineDriver(PipelineDriver.config(0, 100, 16, 8, 0));
    }

    @AfterEach
    void stop()
    {
        driver.close();
    }

    @Test
    void shouldRunTheStagesOnThePublishingThreadAndCompleteBeforePublishReturns() throws InterruptedException
    {
        final AtomicReference<Thread> deliveredOn = new AtomicReference<>();
        final RecordingSubscriber subscriber = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer,
                final int payloadOffset, final int payloadLength)
            {
                deliveredOn.set(Thread.currentThread());
                super.onMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
            }
        };
        driver.subscribe(subscriber, "inline");
        // The subscribe ran on this thread too: it is recorded before trySubscribe returned.
        assertEquals(1, subscriber.calls(Subscribed.class).size());

        final RecordingRequest request = driver.tryPublish(msg("inline", "1"));

        assertNotNull(request);
        assertEquals(1, request.publishedCalls(), "completed before publish returned");
        assertSame(Thread.currentThread(), deliveredOn.get());
        assertEquals(List.of("1"), payloads(subscriber.messages()));
    }

    @Test
    void shouldLeaveEventsToTheThreadThatIsDrainingAndHaveItRunThem() throws InterruptedException
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Thread> deliveredOn = new ArrayList<>();
        final RecordingSubscriber subscriber = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer,
                final int payloadOffset, final int payloadLength)
            {
                synchronized (deliveredOn)
                {
                    deliveredOn.add(Thread.currentThread());
                }
                if (seq == 1)
                {
                    entered.countDown();
                    awaitLatch(release);
                }
                super.onMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
            }
        };
        driver.subscribe(subscriber, "held");
        final AtomicReference<RecordingRequest> first = new AtomicReference<>();
        final Thread holder = new Thread(() -> first.set(driver.tryPublish(msg("held", "1"))), "holder");
        holder.start();
        assertTrue(entered.await(10, TimeUnit.SECONDS));

        // The holder is inside deliver: these publishes find it draining, return at once, and wait for it.
        final List<RecordingRequest> later = new ArrayList<>();
        for (int i = 2; i <= 5; i++)
        {
            final RecordingRequest request = driver.tryPublish(msg("held", Integer.toString(i)));
            assertNotNull(request);
            assertEquals(0, request.publishedCalls(), "not run by the publishing thread while another drains");
            later.add(request);
        }
        release.countDown();
        holder.join(10_000);

        for (final RecordingRequest request : later)
        {
            assertTrue(request.await());
        }
        assertEquals(range(1, 5), seqs(subscriber.await(Message.class, 5)));
        assertEquals(List.of("1", "2", "3", "4", "5"), payloads(subscriber.messages()));
        synchronized (deliveredOn)
        {
            for (final Thread thread : deliveredOn)
            {
                assertSame(holder, thread, "the draining thread ran what others published meanwhile");
            }
        }
    }

    @Test
    void shouldRunEventsPublishedFromInsideTheStagesAfterTheCurrentOne() throws InterruptedException
    {
        final RecordingSubscriber echo = new RecordingSubscriber();
        final RecordingSubscriber source = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer,
                final int payloadOffset, final int payloadLength)
            {
                super.onMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
                // A callback that publishes: it must neither deadlock nor run ahead of the event it came from.
                assertFalse(echo.messages().size() >= seq, "ran inside the current event");
                assertNotNull(driver.tryPublish(msg("echo", "\"re-" + seq + "\"")));
            }
        };
        driver.subscribe(source, "source");
        driver.subscribe(echo, "echo");

        driver.publishAndAwait(msg("source", "1"), msg("source", "2"));

        assertEquals(List.of("\"re-1\"", "\"re-2\""), payloads(echo.await(Message.class, 2)));
    }

    @Test
    void shouldRunEachEventOnceAndEndTheBatchWhenASubscriberThrowsAnError() throws InterruptedException
    {
        final RecordingSubscriber healthy = new RecordingSubscriber();
        final RecordingSubscriber broken = new RecordingSubscriber()
        {
            @Override
            public void onMessage(
                final TopicState topic, final long seq, final long timestampMicros, final byte[] buffer,
                final int payloadOffset, final int payloadLength)
            {
                if (seq == 1)
                {
                    // An Error, not an exception: what an OutOfMemoryError in a subscriber's buffer growth looks like.
                    throw new OutOfMemoryError("simulated: outbound buffer growth failed");
                }
                super.onMessage(topic, seq, timestampMicros, buffer, payloadOffset, payloadLength);
            }
        };
        driver.subscribe(healthy, "err");
        driver.subscribe(broken, "err");

        final RecordingRequest first = driver.tryPublish(msg("err", "1"));

        // The Error stayed inside the stages, and the failed event's batch still ended: its request is answered.
        assertNotNull(first);
        assertEquals(1, first.publishedCalls());
        final RecordingRequest second = driver.tryPublish(msg("err", "2"), msg("err", "3"));
        assertNotNull(second);
        assertEquals(1, second.publishedCalls());
        // Nothing ran twice: the first event was not run again by the next drain.
        assertEquals(1, first.publishedCalls());
        assertEquals(List.of("1", "2", "3"), payloads(healthy.messages()));
        assertEquals(List.of("2", "3"), payloads(broken.messages()));
        assertEquals(1, driver.pipeline().counters().stageErrors());
    }

    private static void awaitLatch(final CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
