package io.pulsarproxy.jmh;

import io.pulsarproxy.pipeline.JmhTopicTable;
import io.pulsarproxy.pipeline.TopicHash;
import io.pulsarproxy.pipeline.TopicState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Decode and route's lookup, per message: {@link TopicHash#hash} of the topic bytes (what decode computes), and the
 * route stage's {@code TopicTable.findOrCreate} of an existing topic by hash and bytes, over tables of 10 and 100,000
 * topics, the keys visited in a scrambled order. Run with {@code -prof gc}: all three should show 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dagrona.disable.bounds.checks=true",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class TopicLookupBenchmark
{
    /** Topics in the table. */
    @Param({"10", "100000"})
    public int topics;

    private JmhTopicTable table;
    private byte[][] names;
    private long[] hashes;
    private int next;

    /**
     * Fills the table with topics like {@code tenant-123.orders.eu}.
     */
    @Setup
    public void setup()
    {
        table = new JmhTopicTable(topics);
        names = new byte[topics][];
        hashes = new long[topics];
        for (int i = 0; i < topics; i++)
        {
            names[i] = ("tenant-" + i + ".orders.eu").getBytes(StandardCharsets.US_ASCII);
            hashes[i] = TopicHash.hash(names[i], 0, names[i].length);
            table.findOrCreate(names[i], 0, names[i].length, hashes[i]);
        }
    }

    private int nextIndex()
    {
        // A fixed odd stride visits every slot in a scrambled order, so the table is not read sequentially.
        next = (int)((next + 7919L) % topics);
        return next;
    }

    /**
     * Decode: the hash of one topic name.
     *
     * @return the hash.
     */
    @Benchmark
    public long decodeHash()
    {
        final byte[] name = names[nextIndex()];
        return TopicHash.hash(name, 0, name.length);
    }

    /**
     * Route: finds an existing topic by its precomputed hash and its bytes.
     *
     * @return the topic.
     */
    @Benchmark
    public TopicState routeLookup()
    {
        final int i = nextIndex();
        return table.findOrCreate(names[i], 0, names[i].length, hashes[i]);
    }

    /**
     * Decode then route, as one message goes through both.
     *
     * @return the topic.
     */
    @Benchmark
    public TopicState decodeAndRoute()
    {
        final byte[] name = names[nextIndex()];
        return table.findOrCreate(name, 0, name.length, TopicHash.hash(name, 0, name.length));
    }
}
