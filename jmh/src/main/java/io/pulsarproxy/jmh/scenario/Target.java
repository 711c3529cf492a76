package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One system under test: the gateway, the runner's do-nothing ceiling server, or Nchan. Knows its address, its
 * paths, how its frames look, and the process (tree) whose resident memory to read.
 * <p>
 * <b>Note:</b> {@link #close()} stops the process the runner started, if any; closing again does nothing.
 */
public final class Target implements AutoCloseable
{
    /** The kinds of target, in the order they are run. */
    public enum Kind
    {
        /** The do-nothing server in a separate process: the runner's own ceiling. */
        CEILING("ceiling"),
        /** Pulsar Proxy. */
        GATEWAY("gateway"),
        /** nginx + Nchan. */
        NCHAN("nchan"),
        /** A redis-server the cluster scenario's gateways share; not measured with the HTTP/WebSocket scenarios. */
        REDIS("redis");

        private final String label;

        Kind(final String label)
        {
            this.label = label;
        }

        /**
         * The name used in reports.
         *
         * @return the label.
         */
        public String label()
        {
            return label;
        }
    }

    private final Kind kind;
    private final String label;
    private final String host;
    private final int port;
    private final long pid;
    private final Runnable stop;
    private final Path log;
    private final AtomicBoolean closed = new AtomicBoolean();

    Target(final Kind kind, final String host, final int port, final long pid, final Runnable stop, final Path log)
    {
        this(kind, kind.label(), host, port, pid, stop, log);
    }

    /**
     * A target with its own name in reports and topic names (the cluster's {@code node1}, {@code node2}).
     *
     * @param label a name of letters and digits, usable in a topic name.
     */
    Target(
        final Kind kind, final String label, final String host, final int port, final long pid, final Runnable stop,
        final Path log)
    {
        this.kind = kind;
        this.label = label;
        this.host = host;
        this.port = port;
        this.pid = pid;
        this.stop = stop;
        this.log = log;
    }

    /**
     * What this target is.
     *
     * @return the kind.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * The name used in reports.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }

    String host()
    {
        return host;
    }

    int port()
    {
        return port;
    }

    long pid()
    {
        return pid;
    }

    Path log()
    {
        return log;
    }

    String hostHeader()
    {
        return host + ":" + port;
    }

    boolean gatewayFrames()
    {
        return kind != Kind.NCHAN;
    }

    boolean hasBatchApi()
    {
        return kind != Kind.NCHAN;
    }

    String publishPath(final String topic)
    {
        return kind == Kind.NCHAN ? "/pub/" + topic : "/v1/topics/" + topic;
    }

    String batchPath()
    {
        return "/v1/publish";
    }

    String subscribePath(final String topic)
    {
        return kind == Kind.NCHAN ? "/sub/" + topic : "/v1/subscribe?topic=" + topic;
    }

    /**
     * Waits until the server itself counts {@code n} subscribers of the topic. The gateway and the ceiling say so in
     * their {@code subscribed} frame; Nchan answers 101 first and registers the subscriber in its shared memory, so
     * its channel info is polled.
     *
     * @param topic the topic.
     * @param n     how many subscribers.
     * @param timeoutMillis the longest wait.
     * @return true when the count was reached.
     */
    /**
     * Waits until the target holds no WebSocket connection: the gateway's {@code connections} in {@code /v1/stats}
     * (not {@code /metrics}: a scrape lists every open file, 15-18 ms with 10,000 connections, and polled every 2 ms
     * it would be most of what the gateway does while they leave), or the Nchan channel's subscriber count; the
     * ceiling server cannot tell.
     *
     * @param topic         the channel the connections subscribed to (Nchan).
     * @param timeoutMillis how long to wait.
     * @return {@link System#nanoTime()} when none was left, or -1 if unknown or not reached in time.
     */
    long awaitNoConnections(final String topic, final long timeoutMillis)
    {
        if (kind == Kind.CEILING)
        {
            return -1;
        }
        return kind == Kind.NCHAN ?
            pollCount(publishPath(topic), "\"subscribers\":", count -> count == 0, timeoutMillis) :
            pollCount("/v1/stats", "\"connections\":", count -> count == 0, timeoutMillis);
    }

    boolean awaitServerSubscribers(final String topic, final long n, final long timeoutMillis)
    {
        if (kind != Kind.NCHAN)
        {
            return true;
        }
        return pollCount(publishPath(topic), "\"subscribers\":", count -> count >= n, timeoutMillis) > 0;
    }

    /**
     * Polls {@code GET path} (every 2 ms, on one keep-alive connection) until the number that follows {@code label}
     * in the body satisfies {@code done}.
     *
     * @return {@link System#nanoTime()} when it did, or -1 if not within {@code timeoutMillis} or on a failure.
     */
    private long pollCount(
        final String path, final String label, final java.util.function.DoublePredicate done,
        final long timeoutMillis)
    {
        final byte[] request = new String(RawHttp.request("GET", path, hostHeader(), null, null),
            StandardCharsets.US_ASCII).replace("\r\n\r\n", "\r\nAccept: application/json\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (RawHttp http = new RawHttp(host, port))
        {
            while (System.nanoTime() < deadline)
            {
                if (http.exchange(request) == 200)
                {
                    final String body = http.body();
                    final int at = body.indexOf(label);
                    if (at >= 0)
                    {
                        int end = at + label.length();
                        while (end < body.length() && "0123456789. ".indexOf(body.charAt(end)) >= 0)
                        {
                            end++;
                        }
                        if (done.test(Double.parseDouble(body.substring(at + label.length(), end).trim())))
                        {
                            return System.nanoTime();
                        }
                    }
                }
                WsClients.sleepMillis(2);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("GET " + path + " on " + label() + " failed: " + ex);
        }
        return -1;
    }

    /**
     * Resident memory of the target's process and its descendants (nginx workers), from /proc.
     *
     * @return bytes, or -1 when unknown (an external target).
     */
    public long rssBytes()
    {
        if (pid <= 0)
        {
            return -1;
        }
        long total = rss(pid);
        if (total < 0)
        {
            return -1;
        }
        final List<ProcessHandle> children = ProcessHandle.of(pid).map(h -> h.descendants().toList())
            .orElse(List.of());
        for (final ProcessHandle child : children)
        {
            total += Math.max(0, rss(child.pid()));
        }
        return total;
    }

    static long rss(final long pid)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }

    @Override
    public void close()
    {
        if (stop != null && !closed.getAndSet(true))
        {
            stop.run();
        }
    }
}
