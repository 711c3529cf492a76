package io.pulsarproxy.jmh;

import io.pulsarproxy.delivery.JmhFanOut;
import io.pulsarproxy.delivery.JmhOutbound;
import io.pulsarproxy.pipeline.JmhTopicTable;
import io.pulsarproxy.pipeline.TopicHash;
import io.pulsarproxy.pipeline.TopicState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Frame encoding in a subscriber's outbound queue (delivery's {@code Outbound}): each message appended as a
 * data-frame element, then the frame taken and marked written as the IO thread does. Reported per message, and for
 * a fan-out per delivery.
 * Run with {@code -prof gc}: 0 B/op once the queue's buffers have grown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dagrona.disable.bounds.checks=true",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class FrameEncodeBenchmark
{
    private final JmhOutbound outbound = new JmhOutbound();
    private final JmhFanOut fanOut = new JmhFanOut(100);
    private TopicState topic;
    private byte[] payload;
    private long seq;

    /**
     * Creates the topic and the payload.
     */
    @Setup
    public void setup()
    {
        final byte[] name = "orders.eu".getBytes(StandardCharsets.US_ASCII);
        topic = new JmhTopicTable(1).findOrCreate(name, 0, name.length, TopicHash.hash(name, 0, name.length));
        payload = ("{\"order\":{\"id\":\"A-12345\",\"side\":\"buy\",\"qty\":250,\"px\":101.25},\"ts\":1700000000123}")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * One message in its own frame.
     *
     * @return bytes taken.
     */
    @Benchmark
    public int oneMessagePerFrame()
    {
        outbound.append(topic, ++seq, 1_764_258_000_123_456L, payload, 0, payload.length);
        return outbound.drain();
    }

    /**
     * Fifty messages sharing one frame.
     *
     * @return bytes taken.
     */
    @Benchmark
    @OperationsPerInvocation(50)
    public int fiftyMessagesPerFrame()
    {
        for (int i = 0; i < 50; i++)
        {
            outbound.append(topic, ++seq, 1_764_258_000_123_456L, payload, 0, payload.length);
        }
        return outbound.drain();
    }

    /**
     * One message to 100 subscribers of one topic, each in its own frame, as the deliver stage fans it out.
     *
     * @return bytes taken.
     */
    @Benchmark
    @OperationsPerInvocation(100)
    public int fanOutToHundred()
    {
        fanOut.deliver(topic, ++seq, 1_764_258_000_123_456L, payload, 0, payload.length);
        return fanOut.drain();
    }
}
