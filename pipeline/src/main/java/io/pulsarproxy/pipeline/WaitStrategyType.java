package io.pulsarproxy.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/**
 * How the stage threads wait for work, chosen by {@code proxy.wait.strategy}.
 * <p>
 * On a machine with few cores the spinning strategies take a whole core per stage away from the IO threads and
 * the clients, so the default is {@link #BLOCKING}, which parks idle stage threads.
 */
public enum WaitStrategyType
{
    /** Parks on a lock and condition; idle costs nothing, wake-up costs a few microseconds. */
    BLOCKING("blocking"),
    /** Like blocking, but skips the signal when no consumer is waiting. */
    LITE_BLOCKING("lite-blocking"),
    /** Spins, then yields, then sleeps briefly: low idle cost, some latency after quiet periods. */
    SLEEPING("sleeping"),
    /**
     * Spins for 20 us, then yields for 100 us after the last event, then blocks: no wake-up cost while traffic
     * flows closely, nothing burnt while idle. On 2 cores it measured slower than blocking (the spin takes the CPU
     * the IO threads need).
     */
    PHASED("phased"),
    /** Spins then yields: low latency, one core per stage when idle. */
    YIELDING("yielding"),
    /** Spins: lowest latency, one full core per stage always. Only for machines with cores to spare. */
    BUSY_SPIN("busy-spin");

    private final String propertyValue;

    WaitStrategyType(final String propertyValue)
    {
        this.propertyValue = propertyValue;
    }

    /**
     * The value that selects this strategy in {@code proxy.wait.strategy}.
     *
     * @return the property value.
     */
    public String propertyValue()
    {
        return propertyValue;
    }

    /**
     * Parses a property value.
     *
     * @param value the text, e.g. {@code blocking}.
     * @return the strategy type.
     * @throws IllegalArgumentException naming the allowed values.
     */
    public static WaitStrategyType parse(final String value)
    {
        for (final WaitStrategyType type : values())
        {
            if (type.propertyValue.equalsIgnoreCase(value.trim()))
            {
                return type;
            }
        }
        throw new IllegalArgumentException(
            "must be one of blocking, lite-blocking, phased, sleeping, yielding, busy-spin");
    }

    /**
     * Creates a new strategy instance; each Disruptor needs its own.
     *
     * @return the wait strategy.
     */
    public WaitStrategy create()
    {
        switch (this)
        {
            case LITE_BLOCKING:
                return new LiteBlockingWaitStrategy();
            case SLEEPING:
                return new SleepingWaitStrategy();
            case PHASED:
                return PhasedBackoffWaitStrategy.withLock(20, 100, java.util.concurrent.TimeUnit.MICROSECONDS);
            case YIELDING:
                return new YieldingWaitStrategy();
            case BUSY_SPIN:
                return new BusySpinWaitStrategy();
            case BLOCKING:
            default:
                return new BlockingWaitStrategy();
        }
    }
}
