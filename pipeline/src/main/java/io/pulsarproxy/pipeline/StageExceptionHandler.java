package io.pulsarproxy.pipeline;

import com.lmax.disruptor.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs and counts what a stage throws and lets the stage go on.
 * <p>
 * The Disruptor's default {@code FatalExceptionHandler} rethrows, which ends the stage's loop, freezes its sequence
 * and, once the ring is full, leaves every publisher waiting for ever. A gateway must keep its other topics and
 * subscribers flowing, so each stage gets one of these instead.
 */
final class StageExceptionHandler implements ExceptionHandler<MessageEvent>
{
    private static final Logger LOG = LoggerFactory.getLogger(StageExceptionHandler.class);

    private final String stage;
    private final PipelineCounters counters;

    StageExceptionHandler(final String stage, final PipelineCounters counters)
    {
        this.stage = stage;
        this.counters = counters;
    }

    @Override
    public void handleEventException(final Throwable ex, final long sequence, final MessageEvent event)
    {
        counters.stageErrors.incrementAndGet();
        LOG.error("{} stage failed on sequence {} ({}); continuing", stage, sequence, event.type, ex);
    }

    @Override
    public void handleOnStartException(final Throwable ex)
    {
        LOG.error("{} stage failed to start", stage, ex);
    }

    @Override
    public void handleOnShutdownException(final Throwable ex)
    {
        LOG.error("{} stage failed to shut down", stage, ex);
    }
}
