package io.pulsarproxy.gateway;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code GET /metrics} read as the Prometheus text format: its samples (name, labels, value) and the
 * metric families its {@code # TYPE} lines declare.
 */
final class MetricsScrape
{
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    final String text;
    final List<Sample> samples;
    /** Family name to type ({@code counter}, {@code gauge}, {@code histogram}, ...). */
    final Map<String, String> types;

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value)
    {
    }

    private MetricsScrape(final String text, final List<Sample> samples, final Map<String, String> types)
    {
        this.text = text;
        this.samples = samples;
        this.types = types;
    }

    static MetricsScrape parse(final String text)
    {
        final List<Sample> samples = new ArrayList<>();
        final Map<String, String> types = new LinkedHashMap<>();
        for (final String line : text.split("\n"))
        {
            if (line.isBlank())
            {
                continue;
            }
            if (line.startsWith("# TYPE "))
            {
                final String[] parts = line.substring(7).trim().split(" ");
                types.put(parts[0], parts[1]);
                continue;
            }
            if (line.startsWith("#"))
            {
                continue;
            }
            final int brace = line.indexOf('{');
            final int space = line.lastIndexOf(' ');
            final String name;
            final Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space)
            {
                name = line.substring(0, brace);
                final int close = line.lastIndexOf('}');
                final Matcher m = LABEL.matcher(line.substring(brace + 1, close));
                while (m.find())
                {
                    labels.put(m.group(1), m.group(2));
                }
            }
            else
            {
                name = line.substring(0, line.indexOf(' '));
            }
            samples.add(new Sample(name, Collections.unmodifiableMap(labels), parseValue(line.substring(space + 1))));
        }
        return new MetricsScrape(text, Collections.unmodifiableList(samples), Collections.unmodifiableMap(types));
    }

    private static double parseValue(final String text)
    {
        switch (text)
        {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                return Double.parseDouble(text);
        }
    }

    /**
     * The names of every sample line, e.g. {@code pulsar_delivery_latency_seconds_bucket}.
     */
    Set<String> sampleNames()
    {
        final Set<String> names = new LinkedHashSet<>();
        for (final Sample sample : samples)
        {
            names.add(sample.name());
        }
        return names;
    }

    boolean has(final String name)
    {
        for (final Sample sample : samples)
        {
            if (sample.name().equals(name))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The sum of the samples of {@code name} whose labels include the given pairs (alternating names and values).
     *
     * @throws AssertionError when no sample matches.
     */
    double value(final String name, final String... labelPairs)
    {
        double sum = 0;
        boolean found = false;
        for (final Sample sample : samples)
        {
            if (sample.name().equals(name) && matches(sample, labelPairs))
            {
                sum += sample.value();
                found = true;
            }
        }
        if (!found)
        {
            throw new AssertionError("no sample " + name + " with labels " + String.join(",", labelPairs) +
                " in the scrape:\n" + text);
        }
        return sum;
    }

    /**
     * The samples of {@code name}.
     */
    List<Sample> samples(final String name)
    {
        final List<Sample> result = new ArrayList<>();
        for (final Sample sample : samples)
        {
            if (sample.name().equals(name))
            {
                result.add(sample);
            }
        }
        return result;
    }

    private static boolean matches(final Sample sample, final String... labelPairs)
    {
        for (int i = 0; i < labelPairs.length; i += 2)
        {
            if (!labelPairs[i + 1].equals(sample.labels().get(labelPairs[i])))
            {
                return false;
            }
        }
        return true;
    }
}
