package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU went during a scenario, from /proc: the runner's own process, the target's process tree (or the sum
 * of several, for the cluster), and everything else on the machine (other work sharing the 2 cores), each in percent
 * of one core; optionally every started process on its own.
 * <p>
 * <b>Note:</b> the kernel counts in ticks (10 ms), so figures for scenarios shorter than a second are coarse.
 */
final class CpuMeter
{
    private static final double TICKS_PER_SECOND = 100.0;

    private final long runnerPid = ProcessHandle.current().pid();
    private final List<Target> targets;
    private final List<Target> measuredTargets;
    private final boolean parts;
    private final long[] each;
    private final long[] jit;
    private long busy;
    private long runner;
    private long measuredStart;
    private long measuredJitStart;
    private long all;
    private long start;

    CpuMeter(final List<Target> targets, final Target target)
    {
        this(targets, List.of(target), false);
    }

    /**
     * Starts measuring.
     *
     * @param targets  every process the runner started or measures (not "other").
     * @param measured the processes whose sum is the row's target CPU.
     * @param parts    whether to report each of {@code targets} too ({@code cpu_parts_pct}, by label).
     */
    CpuMeter(final List<Target> targets, final List<Target> measured, final boolean parts)
    {
        this.targets = List.copyOf(targets);
        this.measuredTargets = List.copyOf(measured);
        this.parts = parts;
        this.each = new long[this.targets.size()];
        this.jit = new long[this.targets.size()];
        start = System.nanoTime();
        busy = machineBusy();
        runner = processTicks(runnerPid, false);
        measuredStart = measuredTicks();
        measuredJitStart = measuredJitTicks();
        for (int i = 0; i < each.length; i++)
        {
            each[i] = processTicks(this.targets.get(i).pid(), true);
            jit[i] = parts ? compilerTicks(this.targets.get(i).pid()) : 0;
        }
        all = allTargets();
    }

    /**
     * Adds the percentages since construction to a result.
     *
     * @param r the result.
     */
    void report(final ScenarioResult r)
    {
        final double ticks = (System.nanoTime() - start) / 1e9 * TICKS_PER_SECOND;
        if (ticks <= 0 || busy < 0)
        {
            return;
        }
        final long dBusy = machineBusy() - busy;
        final long dRunner = processTicks(runnerPid, false) - runner;
        final boolean known = measuredTargets.stream().anyMatch(t -> t.pid() > 0);
        final long dTarget = known ? measuredTicks() - measuredStart : -1;
        final long dAll = allTargets() - all;
        r.extra.put("cpu_runner_pct", Math.round(100 * dRunner / ticks));
        if (dTarget >= 0)
        {
            r.extra.put("cpu_target_pct", Math.round(100 * dTarget / ticks));
            // The part of it the target's JIT compilers took: work of the JVM warming up, not of the scenario.
            r.extra.put("cpu_target_jit_pct", Math.round(100 * (measuredJitTicks() - measuredJitStart) / ticks));
        }
        r.extra.put("cpu_other_pct", Math.max(0, Math.round(100 * (dBusy - dRunner - dAll) / ticks)));
        if (parts)
        {
            final Map<String, Long> split = new LinkedHashMap<>();
            final Map<String, Long> compiling = new LinkedHashMap<>();
            for (int i = 0; i < each.length; i++)
            {
                final Target t = targets.get(i);
                if (t.pid() > 0)
                {
                    split.put(t.label(), Math.round(100 * (processTicks(t.pid(), true) - each[i]) / ticks));
                    final long dJit = compilerTicks(t.pid()) - jit[i];
                    if (dJit > 0)
                    {
                        compiling.put(t.label(), Math.round(100 * dJit / ticks));
                    }
                }
            }
            r.extra.put("cpu_parts_pct", split);
            r.extra.put("cpu_jit_pct", compiling);
        }
    }

    private long measuredJitTicks()
    {
        long sum = 0;
        for (final Target t : measuredTargets)
        {
            sum += compilerTicks(t.pid());
        }
        return sum;
    }

    private long measuredTicks()
    {
        long sum = 0;
        for (final Target t : measuredTargets)
        {
            if (t.pid() > 0)
            {
                sum += Math.max(0, processTicks(t.pid(), true));
            }
        }
        return sum;
    }

    private long allTargets()
    {
        long sum = 0;
        for (final Target t : targets)
        {
            if (t.pid() > 0)
            {
                sum += Math.max(0, processTicks(t.pid(), true));
            }
        }
        return sum;
    }

    static long machineBusy()
    {
        try
        {
            final String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            final String[] f = line.trim().split("\\s+");
            long sum = 0;
            for (int i = 1; i <= 8 && i < f.length; i++)
            {
                if (i != 4 && i != 5)
                {
                    sum += Long.parseLong(f[i]);
                }
            }
            return sum;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    static long processTicks(final long pid, final boolean withDescendants)
    {
        if (pid <= 0)
        {
            return 0;
        }
        long sum = ticks(pid);
        if (withDescendants)
        {
            for (final ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of()))
            {
                sum += Math.max(0, ticks(child.pid()));
            }
        }
        return sum;
    }

    /**
     * CPU ticks of a JVM's JIT compiler threads ({@code C1 CompilerThread*}, {@code C2 CompilerThread*}): how much of
     * a process' CPU went to compiling rather than to the work measured.
     *
     * @param pid the process.
     * @return the ticks, 0 for a process without such threads.
     */
    static long compilerTicks(final long pid)
    {
        if (pid <= 0)
        {
            return 0;
        }
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks)
            {
                try
                {
                    final String stat = Files.readString(task.resolve("stat"));
                    final String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre"))
                    {
                        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    // the thread ended
                }
            }
        }
        catch (final IOException ex)
        {
            return 0;
        }
        return sum;
    }

    private static long ticks(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
    }
}
