package io.pulsarproxy.jmh;

import io.pulsarproxy.pipeline.EpochClock;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.PipelineConfig;
import io.pulsarproxy.pipeline.PublishRequest;
import io.pulsarproxy.pipeline.WaitStrategyType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A full pass through the ring, as ingest drives it: claim slots, fill them ({@code setMessage}), publish, and wait
 * until the deliver stage has encoded every message into each subscriber's buffer and completed the request
 * ({@code onPublished}). {@code stageThreads=0} runs the stages on the benchmark thread as it publishes, as the
 * gateway does by default; {@code stageThreads=1} runs them on a stage thread of their own
 * ({@code proxy.stage.threads=1}), which the benchmark thread waits for.
 * <p>
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} counts the stage thread's allocations too, when there is one. The
 * {@code reused*} methods reuse one {@link PublishRequest}; {@code newRequest*} allocate one per request, which is
 * what ingest does by design (one {@code PublishReply} per HTTP request).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dagrona.disable.bounds.checks=true",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class RingPassBenchmark
{
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** The stage thread's wait strategy: the gateway's default ({@code -p waitStrategy=yielding} for another). */
    @Param({"blocking"})
    public String waitStrategy;

    /** 0: stages inline on the publishing thread (the gateway's default); 1: one stage thread. */
    @Param({"0", "1"})
    public int stageThreads;

    /** Subscribers of the topic. */
    @Param({"1", "10"})
    public int subscribers;

    private Pipeline pipeline;
    private final byte[] topic = "orders.eu".getBytes(StandardCharsets.US_ASCII);
    private final byte[] payload = ("{\"order\":{\"id\":\"A-12345\",\"side\":\"buy\",\"qty\":250,\"px\":101.25}," +
        "\"ts\":1700000000123}").getBytes(StandardCharsets.US_ASCII);
    private final CountingRequest single = new CountingRequest(1);
    private final CountingRequest batch = new CountingRequest(50);

    /**
     * Starts the pipeline and subscribes the sinks.
     *
     * @throws InterruptedException if interrupted while waiting for the subscriptions.
     */
    @Setup(Level.Trial)
    public void setup() throws InterruptedException
    {
        // The gateway's defaults: ring 65536, slots of 512 B, history 1000 / 1 MiB, idempotency window 1000, stage
        // batches of 1024.
        pipeline = new Pipeline(new PipelineConfig(65536, WaitStrategyType.parse(waitStrategy), 512, 64 * 1024, 1000,
            1 << 20, 100_000, 1000, 1000, 1024, stageThreads, "jmh"));
        pipeline.start();
        for (int i = 0; i < subscribers; i++)
        {
            final SinkSubscriber sink = new SinkSubscriber();
            if (!pipeline.trySubscribe(sink, topic, 0, topic.length) || !sink.subscribed.await(5, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("subscription failed");
            }
        }
    }

    /**
     * Stops the pipeline.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        pipeline.shutdown(5, TimeUnit.SECONDS);
    }

    /**
     * One single-message request, reusing one request object.
     *
     * @return completions so far.
     */
    @Benchmark
    public long reusedRequestSingle()
    {
        return pass(single);
    }

    /**
     * One single-message request with a new request object, as ingest does.
     *
     * @return completions so far.
     */
    @Benchmark
    public long newRequestSingle()
    {
        return pass(new CountingRequest(1));
    }

    /**
     * One 50-message batch, reusing one request object.
     *
     * @return completions so far.
     */
    @Benchmark
    public long reusedRequestBatch50()
    {
        return pass(batch);
    }

    private long pass(final CountingRequest request)
    {
        final int n = request.messageCount();
        final long before = request.completed;
        final long hi = pipeline.tryClaim(n);
        if (hi < 0)
        {
            throw new IllegalStateException("ring full");
        }
        final long lo = hi - n + 1;
        final long micros = EpochClock.micros();
        try
        {
            for (int i = 0; i < n; i++)
            {
                pipeline.event(lo + i).setMessage(topic, 0, topic.length, null, 0, 0, payload, 0, payload.length,
                    micros, request, i, i == n - 1);
            }
        }
        finally
        {
            pipeline.publish(lo, hi);
        }
        final long deadline = System.nanoTime() + TIMEOUT_NANOS;
        int spins = 0;
        while (request.completed == before)
        {
            Thread.onSpinWait();
            if ((++spins & 0xFFF) == 0 && System.nanoTime() > deadline)
            {
                throw new IllegalStateException("request not completed within 5 s");
            }
        }
        return request.completed;
    }

    /** A request that counts its completions; the deliver thread is its only writer. */
    static final class CountingRequest extends PublishRequest
    {
        volatile long completed;

        CountingRequest(final int messageCount)
        {
            super(messageCount);
        }

        @Override
        protected void onPublished()
        {
            completed = completed + 1;
        }
    }
}
