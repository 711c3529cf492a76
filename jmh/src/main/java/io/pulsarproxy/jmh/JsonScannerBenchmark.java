package io.pulsarproxy.jmh;

import io.pulsarproxy.pipeline.json.JsonScanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Cost of validating a typical message payload with the ingest JSON scanner (run with {@code -prof gc}: 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-Dagrona.disable.bounds.checks=true",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
public class JsonScannerBenchmark
{
    private final JsonScanner scanner = new JsonScanner(64);
    private byte[] payload;

    /**
     * Builds the payload once.
     */
    @Setup
    public void setup()
    {
        payload = ("{\"order\":{\"id\":\"A-12345\",\"side\":\"buy\",\"qty\":250,\"px\":101.25," +
            "\"tags\":[\"eu\",\"fast\"],\"note\":\"caf\u00e9 \\\"quoted\\\"\"},\"ts\":1700000000123}")
            .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Validates the payload.
     *
     * @return where the value starts, so the work is not eliminated.
     */
    @Benchmark
    public int validatePayload()
    {
        return scanner.validateDocument(payload, 0, payload.length);
    }
}
