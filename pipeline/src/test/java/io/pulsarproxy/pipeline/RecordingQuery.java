package io.pulsarproxy.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A topic query that copies its answer for a test thread to await.
 */
final class RecordingQuery extends TopicQuery
{
    private final CountDownLatch answered = new CountDownLatch(1);
    private volatile List<TopicStats> answer;

    RecordingQuery(final String topic)
    {
        super(topic == null ? null : topic.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    protected void onAnswered(final List<TopicStats> topics)
    {
        final List<TopicStats> sorted = new ArrayList<>(topics);
        sorted.sort(BY_NAME);
        answer = List.copyOf(sorted);
        answered.countDown();
    }

    /**
     * Waits for the answer.
     *
     * @return the topics, or fails the test after a generous timeout.
     */
    List<TopicStats> await() throws InterruptedException
    {
        if (!answered.await(RecordingSubscriber.TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            throw new AssertionError("query was not answered");
        }
        return answer;
    }
}
