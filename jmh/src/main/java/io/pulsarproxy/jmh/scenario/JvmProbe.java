package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a target JVM, through {@code jcmd}, for a full GC and then for its heap in use: what live objects hold, as
 * opposed to the resident memory, which also counts garbage not yet collected and heap the JVM keeps committed.
 */
final class JvmProbe
{
    private static final Pattern USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private JvmProbe()
    {
    }

    /**
     * Runs a full GC in the target and reads the heap in use.
     *
     * @param pid the target JVM.
     * @return bytes in use after the GC, or -1 when jcmd is missing or fails.
     */
    static long heapUsedAfterGc(final long pid)
    {
        if (pid <= 0)
        {
            return -1;
        }
        final String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        if (jcmd(List.of(jcmd, Long.toString(pid), "GC.run")) == null)
        {
            return -1;
        }
        final String info = jcmd(List.of(jcmd, Long.toString(pid), "GC.heap_info"));
        if (info == null)
        {
            return -1;
        }
        // G1 prints one heap line; the serial collector one per generation: add them up.
        final Matcher m = USED.matcher(info);
        long used = -1;
        while (m.find())
        {
            used = Math.max(0, used) + Long.parseLong(m.group(2)) * 1024;
        }
        return used;
    }

    private static String jcmd(final List<String> command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
            {
                p.destroyForcibly();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
