package io.pulsarproxy.pipeline;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.pulsarproxy.pipeline.PipelineDriver.BASE_MICROS;
import static io.pulsarproxy.pipeline.PipelineDriver.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deliver records each message's latency at a clock reading shared by a group of messages: every delivered message
 * exactly once, all of them before their request is answered, and with a clock read at least once per
 * {@link DeliverHandler#LATENCY_GROUP_WORK} deliveries.
 */
class DeliveryLatencyTest
{
    /** What the recorder was given: one clock reading and the receipt times it measured. */
    private record Reading(long nowMicros, List<Long> received)
    {
    }

    private static final class Readings implements LatencyRecorder
    {
        private final List<Reading> readings = new ArrayList<>();

        @Override
        public synchronized void record(final long nowMicros, final long receivedMicros)
        {
            readings.add(new Reading(nowMicros, List.of(receivedMicros)));
        }

        @Override
        public synchronized void recordAll(final long nowMicros, final long[] receivedMicros, final int count)
        {
            final List<Long> received = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                received.add(receivedMicros[i]);
            }
            readings.add(new Reading(nowMicros, received));
        }

        synchronized List<Reading> readings()
        {
            return new ArrayList<>(readings);
        }

        synchronized List<Long> received()
        {
            final List<Long> all = new ArrayList<>();
            readings.forEach(r -> all.addAll(r.received()));
            return all;
        }
    }

    @ParameterizedTest(name = "stage threads {0}")
    @ValueSource(ints = {0, 1, 3})
    void shouldRecordEveryMessageOnceBeforeItsRequestIsAnswered(final int stageThreads) throws InterruptedException
    {
        final Readings latency = new Readings();
        try (PipelineDriver driver = new PipelineDriver(PipelineDriver.config(stageThreads, 100, 16, 8, 0), latency))
        {
            driver.subscribe(new RecordingSubscriber(), "lat");
            // Fewer messages than a group: only the end of the batch can record them.
            driver.publishAndAwait(msg("lat", "1"), msg("lat", "2"), msg("other", "3"));

            assertEquals(List.of(BASE_MICROS, BASE_MICROS + 1, BASE_MICROS + 2), latency.received());
            final long before = EpochClock.micros();
            for (final Reading reading : latency.readings())
            {
                assertTrue(reading.nowMicros() <= before && reading.nowMicros() > BASE_MICROS, reading.toString());
            }
        }
    }

    @ParameterizedTest(name = "stage threads {0}")
    @ValueSource(ints = {0, 1, 3})
    void shouldReadTheClockOncePerGroupOfDeliveries(final int stageThreads) throws InterruptedException
    {
        final Readings latency = new Readings();
        try (PipelineDriver driver = new PipelineDriver(PipelineDriver.config(stageThreads, 100, 16, 8, 0), latency))
        {
            driver.subscribe(new RecordingSubscriber(), "narrow");
            final int wide = DeliverHandler.LATENCY_GROUP_WORK;
            for (int i = 0; i < wide; i++)
            {
                driver.subscribe(new RecordingSubscriber(), "wide");
            }
            final PipelineDriver.Msg[] narrow = new PipelineDriver.Msg[200];
            for (int i = 0; i < narrow.length; i++)
            {
                narrow[i] = msg("narrow", Integer.toString(i));
            }
            driver.publishAndAwait(narrow);
            final int narrowReadings = latency.readings().size();

            driver.publishAndAwait(msg("wide", "a"), msg("wide", "b"), msg("wide", "c"));

            assertEquals(narrow.length + 3, latency.received().size());
            // One subscriber: a message is 2 units of work, so a group holds 32 messages (the batch may end one).
            final int groups = narrow.length * 2 / DeliverHandler.LATENCY_GROUP_WORK;
            assertTrue(narrowReadings >= groups && narrowReadings <= groups + 8, "readings: " + narrowReadings);
            // A message to 64 subscribers fills a group on its own: one clock read each.
            final List<Reading> readings = latency.readings();
            assertEquals(3, readings.size() - narrowReadings, readings.subList(narrowReadings, readings.size())
                .toString());
        }
    }
}
