package io.pulsarproxy.jmh.scenario;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the targets as separate processes on free loopback ports: the gateway jar, the do-nothing
 * {@link NullServer}, and nginx + Nchan through {@code jmh/nchan/nchan.sh}; or points at a gateway that already runs.
 * <p>
 * <b>Note:</b> every wait here is bounded; a target that does not become ready fails the run with its log's path.
 */
final class Launchers
{
    private static final long READY_TIMEOUT_MILLIS = 60_000;

    private Launchers()
    {
    }

    /**
     * A gateway started by someone else; only loopback addresses are accepted.
     */
    static Target external(final String url) throws IOException
    {
        final URI uri = URI.create(url);
        final String host = uri.getHost();
        if (host == null || !InetAddress.getByName(host).isLoopbackAddress())
        {
            throw new IllegalArgumentException("only loopback targets are allowed: " + url);
        }
        final int port = uri.getPort() > 0 ? uri.getPort() : 80;
        final Target target = new Target(Target.Kind.GATEWAY, host, port, -1, null, null);
        awaitReady(target, null);
        return target;
    }

    static Target gateway(final Path jar, final List<String> jvmArgs, final Path logDir) throws IOException
    {
        return gateway(jar, jvmArgs, List.of(), "gateway", logDir.resolve("gateway.log"));
    }

    /**
     * Starts the gateway jar on a free loopback port: {@code java <jvmArgs> <properties> -Dproxy.port=<free> -jar jar}.
     *
     * @param jar        the gateway jar.
     * @param jvmArgs    JVM options ({@code --gateway-jvm}).
     * @param properties more {@code -D} options (the cluster's engine settings).
     * @param label      the target's name in reports and topic names.
     * @param log        where its output goes.
     * @return the ready target.
     * @throws IOException when the jar is missing or the gateway does not become ready.
     */
    static Target gateway(
        final Path jar, final List<String> jvmArgs, final List<String> properties, final String label, final Path log)
        throws IOException
    {
        if (!Files.isRegularFile(jar))
        {
            throw new IOException(jar + " not found: build it with `mvn -B -q package -DskipTests`");
        }
        final int port = freePort();
        final List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmArgs);
        command.addAll(properties);
        command.add("-Dproxy.port=" + port);
        command.add("-jar");
        command.add(jar.toString());
        return startJava(Target.Kind.GATEWAY, label, command, port, log);
    }

    static Target ceiling(final Path logDir) throws IOException
    {
        final int port = freePort();
        final List<String> command = List.of(javaExecutable(), "-Xms64m", "-Xmx1g", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), NullServer.class.getName(), Integer.toString(port));
        return startJava(Target.Kind.CEILING, Target.Kind.CEILING.label(), command, port,
            logDir.resolve("ceiling.log"));
    }

    static Target nchan(final Path script) throws IOException
    {
        if (!Files.isRegularFile(script))
        {
            throw new IOException(script + " not found");
        }
        final int port = freePort();
        final Process start = new ProcessBuilder("bash", script.toString(), "start", Integer.toString(port))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out;
        try
        {
            if (!start.waitFor(30, TimeUnit.SECONDS) || start.exitValue() != 0)
            {
                start.destroyForcibly();
                throw new IOException("nchan.sh start failed (is `apt-get install nginx libnginx-mod-nchan` done?)");
            }
            out = new String(start.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
        final Path prefix = Path.of(out.substring(out.lastIndexOf('\n') + 1));
        final long pid = Long.parseLong(Files.readString(prefix.resolve("nginx.pid")).trim());
        final Runnable stop = () -> run(List.of("bash", script.toString(), "stop", Integer.toString(port)), 30);
        final Target target = new Target(Target.Kind.NCHAN, "127.0.0.1", port, pid, stop,
            prefix.resolve("logs/error.log"));
        awaitReady(target, null);
        return target;
    }

    private static Target startJava(
        final Target.Kind kind, final String label, final List<String> command, final int port, final Path log)
        throws IOException
    {
        Files.createDirectories(log.toAbsolutePath().getParent());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        final Runnable stop = () -> stop(process);
        final Target target = new Target(kind, label, "127.0.0.1", port, process.pid(), stop, log);
        try
        {
            awaitReady(target, process);
        }
        catch (final IOException ex)
        {
            stop.run();
            throw ex;
        }
        return target;
    }

    /**
     * Stops a process the runner started: SIGTERM, up to 30 s for it to exit, then SIGKILL.
     *
     * @param process the process.
     */
    static void stop(final Process process)
    {
        process.destroy();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitReady(final Target target, final Process process) throws IOException
    {
        final byte[] request = RawHttp.request("GET", "/readyz", target.hostHeader(), null, null);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline)
        {
            if (process != null && !process.isAlive())
            {
                throw new IOException(target.label() + " exited with " + process.exitValue() + "; see " + target.log());
            }
            try (RawHttp http = new RawHttp(target.host(), target.port()))
            {
                if (http.exchange(request) == 200)
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                // not listening yet
            }
            WsClients.sleepMillis(50);
        }
        throw new IOException(target.label() + " not ready within " + READY_TIMEOUT_MILLIS + " ms; see " + target.log());
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    static String javaExecutable()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void run(final List<String> command, final long timeoutSeconds)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            System.err.println("cannot run " + command + ": " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
