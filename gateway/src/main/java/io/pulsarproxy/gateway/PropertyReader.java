package io.pulsarproxy.gateway;

import java.util.Locale;
import java.util.Properties;

/**
 * Reads typed values from system properties, with sizes such as {@code 64k}, {@code 1m}, {@code 16MiB}.
 * <p>
 * Every failure is a {@link ConfigException} naming the property, the value given and what is allowed.
 */
final class PropertyReader
{
    private final Properties properties;

    PropertyReader(final Properties properties)
    {
        this.properties = properties;
    }

    String string(final String name, final String defaultValue)
    {
        final String value = properties.getProperty(name);
        return value == null ? defaultValue : value.trim();
    }

    /**
     * Reads a value from a fixed set with {@code parse}, which throws IllegalArgumentException naming the choices.
     */
    <T> T choice(final String name, final String defaultValue, final java.util.function.Function<String, T> parse)
    {
        final String value = string(name, defaultValue);
        try
        {
            return parse.apply(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(name + "=" + value + ": " + ex.getMessage());
        }
    }

    String optional(final String name)
    {
        final String value = properties.getProperty(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    java.util.Set<String> list(final String name)
    {
        final String value = properties.getProperty(name);
        if (value == null || value.isBlank())
        {
            return java.util.Set.of();
        }
        final java.util.Set<String> result = new java.util.LinkedHashSet<>();
        for (final String item : value.split(","))
        {
            if (!item.isBlank())
            {
                result.add(item.trim());
            }
        }
        return java.util.Collections.unmodifiableSet(result);
    }

    boolean bool(final String name, final boolean defaultValue)
    {
        final String value = properties.getProperty(name);
        if (value == null)
        {
            return defaultValue;
        }
        switch (value.trim().toLowerCase(Locale.ROOT))
        {
            case "true":
            case "yes":
            case "on":
                return true;
            case "false":
            case "no":
            case "off":
                return false;
            default:
                throw new ConfigException(name + "=" + value + ": must be true or false");
        }
    }

    int integer(final String name, final int defaultValue, final int min, final int max)
    {
        final String value = properties.getProperty(name);
        if (value == null)
        {
            return defaultValue;
        }
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.trim().replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(name + "=" + value + ": not a whole number");
        }
        return checkRange(name, value, parsed, min, max);
    }

    int size(final String name, final int defaultValue, final int min, final int max)
    {
        final String value = properties.getProperty(name);
        if (value == null)
        {
            return defaultValue;
        }
        return checkRange(name, value, parseSize(name, value), min, max);
    }

    private static long parseSize(final String name, final String value)
    {
        String text = value.trim().toLowerCase(Locale.ROOT).replace("_", "");
        long multiplier = 1;
        if (text.endsWith("ib"))
        {
            text = text.substring(0, text.length() - 2);
        }
        else if (text.endsWith("b"))
        {
            text = text.substring(0, text.length() - 1);
        }
        if (!text.isEmpty())
        {
            switch (text.charAt(text.length() - 1))
            {
                case 'k':
                    multiplier = 1024L;
                    break;
                case 'm':
                    multiplier = 1024L * 1024;
                    break;
                case 'g':
                    multiplier = 1024L * 1024 * 1024;
                    break;
                default:
                    break;
            }
            if (multiplier != 1)
            {
                text = text.substring(0, text.length() - 1);
            }
        }
        try
        {
            final long number = Long.parseLong(text.trim());
            return Math.multiplyExact(number, multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new ConfigException(name + "=" + value + ": not a size (use bytes or a k, m, g suffix: 64k, 1m)");
        }
    }

    private static int checkRange(
        final String name, final String value, final long parsed, final int min, final int max)
    {
        if (parsed < min || parsed > max)
        {
            throw new ConfigException(name + "=" + value + ": must be between " + min + " and " + max);
        }
        return (int)parsed;
    }
}
