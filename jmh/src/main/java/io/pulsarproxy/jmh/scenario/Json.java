package io.pulsarproxy.jmh.scenario;

import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for the results file: maps, lists, strings, numbers, booleans, null, and latency records.
 */
final class Json
{
    private Json()
    {
    }

    static void write(final StringBuilder sb, final Object value, final int indent)
    {
        if (value == null)
        {
            sb.append("null");
        }
        else if (value instanceof String s)
        {
            string(sb, s);
        }
        else if (value instanceof Double d)
        {
            sb.append(d.isNaN() || d.isInfinite() ? "null" : Double.toString(Math.round(d * 10000) / 10000.0));
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            sb.append(value);
        }
        else if (value instanceof ScenarioResult.Latency l)
        {
            final Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("count", l.count());
            m.put("avg", l.avg());
            m.put("p50", l.p50());
            m.put("p95", l.p95());
            m.put("p99", l.p99());
            m.put("p99_9", l.p999());
            m.put("max", l.max());
            write(sb, m, indent);
        }
        else if (value instanceof Map<?, ?> map)
        {
            sb.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> e : map.entrySet())
            {
                sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
            }
            sb.append(first ? "}" : "\n" + "  ".repeat(indent) + "}");
        }
        else if (value instanceof List<?> list)
        {
            sb.append('[');
            for (int i = 0; i < list.size(); i++)
            {
                sb.append(i == 0 ? "\n" : ",\n").append("  ".repeat(indent + 1));
                write(sb, list.get(i), indent + 1);
            }
            sb.append(list.isEmpty() ? "]" : "\n" + "  ".repeat(indent) + "]");
        }
        else
        {
            string(sb, value.toString());
        }
    }

    private static void string(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
