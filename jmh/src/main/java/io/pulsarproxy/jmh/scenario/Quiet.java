package io.pulsarproxy.jmh.scenario;

import java.util.List;

/**
 * Waits, for a bounded time, until the machine is quiet: other processes (not the runner, not a target) use less
 * than a third of a core over a quarter second. The 2 cores are shared with whatever else runs here, and a scenario
 * that starts in the middle of someone's build measures the build.
 */
final class Quiet
{
    private static final long WINDOW_MILLIS = 250;
    private static final double MAX_OTHER_CORES = 0.33;

    private Quiet()
    {
    }

    /**
     * Returns when the machine is quiet or after {@code maxMillis}.
     *
     * @param targets   the targets, whose CPU does not count.
     * @param maxMillis the longest wait; 0 returns at once.
     * @return true if the machine was quiet.
     */
    static boolean await(final List<Target> targets, final long maxMillis)
    {
        final long deadline = System.nanoTime() + maxMillis * 1_000_000;
        final long self = ProcessHandle.current().pid();
        while (System.nanoTime() < deadline)
        {
            final long busy = CpuMeter.machineBusy();
            final long ours = ours(targets, self);
            final long start = System.nanoTime();
            WsClients.sleepMillis(WINDOW_MILLIS);
            final double ticks = (System.nanoTime() - start) / 1e7;
            final double other = (CpuMeter.machineBusy() - busy - (ours(targets, self) - ours)) / ticks;
            if (busy < 0 || other < MAX_OTHER_CORES)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits, for a bounded time, until the started processes themselves are idle (together less than a fifth of a
     * core over a fifth of a second): the cluster scenario measures several processes in turn, and one that is still
     * closing the previous measurement's connections, collecting or compiling would be measured with the next.
     *
     * @param targets   the started processes.
     * @param maxMillis the longest wait.
     * @return true if they were idle.
     */
    static boolean settle(final List<Target> targets, final long maxMillis)
    {
        final long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (System.nanoTime() < deadline)
        {
            long before = 0;
            for (final Target t : targets)
            {
                before += CpuMeter.processTicks(t.pid(), true);
            }
            final long start = System.nanoTime();
            WsClients.sleepMillis(200);
            long after = 0;
            for (final Target t : targets)
            {
                after += CpuMeter.processTicks(t.pid(), true);
            }
            if ((after - before) / ((System.nanoTime() - start) / 1e7) < 0.2)
            {
                return true;
            }
        }
        return false;
    }

    private static long ours(final List<Target> targets, final long self)
    {
        long sum = CpuMeter.processTicks(self, false);
        for (final Target t : targets)
        {
            sum += CpuMeter.processTicks(t.pid(), true);
        }
        return sum;
    }
}
