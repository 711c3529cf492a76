package io.pulsarproxy.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WaitStrategyTypeTest
{
    private static final Map<WaitStrategyType, Class<? extends WaitStrategy>> CLASSES = Map.of(
        WaitStrategyType.BLOCKING, BlockingWaitStrategy.class,
        WaitStrategyType.LITE_BLOCKING, LiteBlockingWaitStrategy.class,
        WaitStrategyType.PHASED, PhasedBackoffWaitStrategy.class,
        WaitStrategyType.SLEEPING, SleepingWaitStrategy.class,
        WaitStrategyType.YIELDING, YieldingWaitStrategy.class,
        WaitStrategyType.BUSY_SPIN, BusySpinWaitStrategy.class);

    @Test
    void shouldParsePropertyValuesIgnoringCaseAndSpaces()
    {
        assertSame(WaitStrategyType.BLOCKING, WaitStrategyType.parse("blocking"));
        assertSame(WaitStrategyType.LITE_BLOCKING, WaitStrategyType.parse("lite-blocking"));
        assertSame(WaitStrategyType.PHASED, WaitStrategyType.parse("Phased"));
        assertSame(WaitStrategyType.SLEEPING, WaitStrategyType.parse("Sleeping"));
        assertSame(WaitStrategyType.YIELDING, WaitStrategyType.parse(" YIELDING "));
        assertSame(WaitStrategyType.BUSY_SPIN, WaitStrategyType.parse("busy-spin"));
    }

    @ParameterizedTest
    @EnumSource(WaitStrategyType.class)
    void shouldRoundTripPropertyValue(final WaitStrategyType type)
    {
        assertSame(type, WaitStrategyType.parse(type.propertyValue()));
    }

    @Test
    void shouldRejectUnknownValueNamingTheAllowedOnes()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> WaitStrategyType.parse("busy_spin"));

        assertEquals("must be one of blocking, lite-blocking, phased, sleeping, yielding, busy-spin", ex.getMessage());
    }

    @ParameterizedTest
    @EnumSource(WaitStrategyType.class)
    void shouldCreateNewStrategyOfMatchingClass(final WaitStrategyType type)
    {
        final WaitStrategy first = type.create();
        final WaitStrategy second = type.create();

        assertEquals(CLASSES.get(type), first.getClass());
        assertNotSame(first, second);
    }

    static Stream<Arguments> strategiesAndStageThreads()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final WaitStrategyType type : WaitStrategyType.values())
        {
            arguments.add(Arguments.of(type, 1));
            arguments.add(Arguments.of(type, 3));
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} with {1} stage threads")
    @MethodSource("strategiesAndStageThreads")
    void shouldCarryMessagesThroughPipelineWithEveryStrategy(final WaitStrategyType type, final int stageThreads)
        throws InterruptedException
    {
        final int messages = 100;
        try (Pipeline pipeline = new Pipeline(
            new PipelineConfig(64, type, 64, 1024, 10, 4096, 4, 2, 0, 16, stageThreads, type.propertyValue())))
        {
            pipeline.start();
            assertTrue(pipeline.isRunning());
            final RecordingSubscriber subscriber = new RecordingSubscriber();
            final byte[] topic = "w".getBytes(StandardCharsets.US_ASCII);
            assertTrue(pipeline.trySubscribe(subscriber, topic, 0, 1));
            subscriber.await(RecordingSubscriber.Subscribed.class, 1);

            RecordingRequest last = null;
            for (int i = 0; i < messages; i++)
            {
                final RecordingRequest request = new RecordingRequest(1);
                final byte[] src = ("w" + i).getBytes(StandardCharsets.US_ASCII);
                long seq;
                while ((seq = pipeline.tryClaim(1)) < 0)
                {
                    Thread.yield();
                }
                try
                {
                    pipeline.event(seq).setMessage(src, 0, 1, null, 0, 0, src, 1, src.length - 1, i, request, 0, true);
                }
                finally
                {
                    pipeline.publish(seq, seq);
                }
                last = request;
            }
            assertTrue(last.await());

            final List<RecordingSubscriber.Message> received = subscriber.messages();
            assertEquals(messages, received.size());
            for (int i = 0; i < messages; i++)
            {
                assertEquals(i + 1, received.get(i).seq());
                assertEquals(Integer.toString(i), received.get(i).payloadText());
                assertEquals("w", received.get(i).topic());
            }
            assertEquals(type.propertyValue(), last.topic(0).epoch());
        }
    }
}
