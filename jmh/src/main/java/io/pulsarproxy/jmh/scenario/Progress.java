package io.pulsarproxy.jmh.scenario;

import java.util.function.LongSupplier;

/**
 * The progress line printed while a scenario runs: what is done of what is expected, the rate, the elapsed time.
 * On a terminal it rewrites one line every 250 ms; otherwise it prints a line every 5 s.
 * <p>
 * <b>Note:</b> one progress at a time; {@link #close()} ends it.
 */
final class Progress implements AutoCloseable
{
    private static final boolean TERMINAL = System.console() != null;

    /** Put before every label; the warm-up pass sets it. */
    static volatile String prefix = "";

    private final String label;
    private final long expected;
    private final String what;
    private final LongSupplier done;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    Progress(final String label, final long expected, final String what, final LongSupplier done)
    {
        this.label = prefix + label;
        this.expected = expected;
        this.what = what;
        this.done = done;
        this.thread = new Thread(this::run, "progress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run()
    {
        final long period = TERMINAL ? 250 : 5000;
        while (running)
        {
            WsClients.sleepMillis(period);
            if (running)
            {
                print(TERMINAL ? "\r" : "", TERMINAL ? "" : "\n");
            }
        }
    }

    private void print(final String prefix, final String suffix)
    {
        final long n = done.getAsLong();
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.err.print(String.format("%s  %-32s %,d/%,d %s  %,.0f/s  %.1f s   %s", prefix, label, n, expected, what,
            seconds > 0 ? n / seconds : 0, seconds, suffix));
        System.err.flush();
    }

    @Override
    public void close()
    {
        running = false;
        thread.interrupt();
        try
        {
            thread.join(1000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        print(TERMINAL ? "\r" : "", "\n");
    }
}
