package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the warnings and errors a started process wrote to its log, so that gateway-side problems appear in the
 * results.
 */
final class LogCheck
{
    private LogCheck()
    {
    }

    static List<String> warnings(final Path log, final int max)
    {
        final List<String> found = new ArrayList<>();
        try
        {
            int total = 0;
            for (final String line : Files.readAllLines(log))
            {
                if (line.contains("WARN") || line.contains("ERROR") || line.contains("Exception"))
                {
                    total++;
                    if (found.size() < max)
                    {
                        found.add(line.length() > 300 ? line.substring(0, 300) : line);
                    }
                }
            }
            if (total > found.size())
            {
                found.add("... " + (total - found.size()) + " more");
            }
        }
        catch (final IOException ex)
        {
            found.add("cannot read " + log + ": " + ex);
        }
        return found;
    }
}
