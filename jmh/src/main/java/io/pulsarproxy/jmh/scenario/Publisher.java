package io.pulsarproxy.jmh.scenario;

import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * A sequential publisher on one keep-alive connection: sends a request, waits for its reply, records the round trip
 * and goes on. Message indexes run from 0 without a hole, so subscribers can check contiguity.
 * <p>
 * <b>Note:</b> {@link #run} is called from one thread; the counters and the recorder may be read from others.
 */
final class Publisher implements AutoCloseable
{
    private final RawHttp http;
    private final PublishTemplate template;
    private final Recorder latency = new Recorder(FrameReader.MAX_LATENCY, 3);

    volatile long messages;
    volatile long requests;
    volatile long failures;
    volatile boolean stop;
    /** Paced requests that started more than one interval after their time. */
    volatile long late;

    /**
     * Connects a publisher to a topic.
     *
     * @param target    where to publish.
     * @param topic     the topic.
     * @param batch     messages per request; 1 publishes single messages, more uses the batch API.
     * @param padBytes  payload filler length.
     * @throws IOException when the connection fails.
     */
    Publisher(final Target target, final String topic, final int batch, final int padBytes) throws IOException
    {
        this.template = batch == 1 ?
            PublishTemplate.single(target.publishPath(topic), target.hostHeader(), padBytes) :
            PublishTemplate.batch(target.batchPath(), target.hostHeader(), topic, batch, padBytes);
        this.http = new RawHttp(target.host(), target.port());
    }

    /**
     * Publishes up to {@code maxRequests} requests, one after the other, until the deadline or {@link #stop}.
     *
     * @param maxRequests   the most requests to send.
     * @param deadlineNanos System.nanoTime() after which no request is started.
     * @return messages published.
     */
    long run(final long maxRequests, final long deadlineNanos)
    {
        return run(maxRequests, deadlineNanos, 0);
    }

    /**
     * Publishes as {@link #run(long, long)} does, starting request {@code k} no earlier than {@code k} intervals
     * after the first: a fixed rate, for as long as the target keeps up with it. The wait parks (no spinning, the
     * cores are shared), so a request may start some tens of microseconds after its time; a request that starts
     * more than one interval late is counted in {@link #late}.
     *
     * @param maxRequests    the most requests to send.
     * @param deadlineNanos  System.nanoTime() after which no request is started.
     * @param intervalNanos  time between request starts; 0 sends each as soon as the previous one is answered.
     * @return messages published.
     */
    long run(final long maxRequests, final long deadlineNanos, final long intervalNanos)
    {
        final int perRequest = template.messages();
        long index = messages;
        long due = System.nanoTime();
        try
        {
            for (long r = 0; r < maxRequests && !stop && System.nanoTime() < deadlineNanos; r++)
            {
                if (intervalNanos > 0)
                {
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0)
                    {
                        LockSupport.parkNanos(wait);
                    }
                    if (-wait > intervalNanos)
                    {
                        late = late + 1;
                    }
                    due += intervalNanos;
                }
                final long start = System.nanoTime();
                final byte[] request = template.stamp(index, PublishTemplate.clock());
                final int status = http.exchange(request);
                latency.recordValue(Math.min(FrameReader.MAX_LATENCY, System.nanoTime() - start));
                if (status / 100 != 2)
                {
                    failures = failures + 1;
                    if (failures == 1)
                    {
                        System.err.println("publish answered " + status + ": " + http.body());
                    }
                    // Indexes must stay contiguous for the subscribers: resend the same messages, but not for ever.
                    if (failures > 1000)
                    {
                        break;
                    }
                    continue;
                }
                index += perRequest;
                messages = index;
                requests = requests + 1;
            }
        }
        catch (final IOException ex)
        {
            failures = failures + 1;
            System.err.println("publisher failed: " + ex);
        }
        return messages;
    }

    /**
     * The request latency recorder (round trip per request, nanoseconds).
     *
     * @return the recorder.
     */
    Recorder latency()
    {
        return latency;
    }

    @Override
    public void close()
    {
        http.close();
    }
}
