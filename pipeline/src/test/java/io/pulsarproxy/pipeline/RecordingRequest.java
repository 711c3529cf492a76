package io.pulsarproxy.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A publish request that counts its completions and lets a test thread wait for the first.
 */
final class RecordingRequest extends PublishRequest
{
    private final CountDownLatch published = new CountDownLatch(1);
    private final AtomicInteger publishedCalls = new AtomicInteger();
    private final RecordingSubscriber journal;

    RecordingRequest(final int messageCount)
    {
        this(messageCount, null);
    }

    RecordingRequest(final int messageCount, final RecordingSubscriber journal)
    {
        super(messageCount);
        this.journal = journal;
    }

    @Override
    protected void onPublished()
    {
        publishedCalls.incrementAndGet();
        if (journal != null)
        {
            journal.record(new RecordingSubscriber.Published(this));
        }
        published.countDown();
    }

    boolean await() throws InterruptedException
    {
        return published.await(RecordingSubscriber.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    int publishedCalls()
    {
        return publishedCalls.get();
    }
}
