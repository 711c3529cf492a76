package io.pulsarproxy.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} as a child process of the test JVM, for the cluster tests: on a free 127.0.0.1 port,
 * in a temp dir of its own, with no RDB snapshots and an append-only file fsynced on every write (so that a
 * {@link #kill()} loses nothing that Redis acknowledged and a {@link #restart()} reloads it). The system's Redis
 * service is never used.
 * <p>
 * {@link #command(String...)} is a tiny RESP client for assertions: simple and bulk strings come back as
 * {@code String}, integers as {@code Long}, arrays as {@code List<Object>}, nil as {@code null}; an error reply
 * throws {@link ErrorReply}.
 * <p>
 * When {@code redis-server} is not installed, {@link #start()} fails with a message saying so: CI installs it
 * ({@code .ci/run}), so a missing binary is an error, not a reason to skip.
 */
final class RedisServer implements AutoCloseable
{
    static final Path DEFAULT_BINARY = Path.of("/usr/bin/redis-server");
    static final long START_TIMEOUT_MILLIS = 15_000;
    static final int SOCKET_TIMEOUT_MILLIS = 5_000;
    private static final int PORT_ATTEMPTS = 10;

    private final Path binary;
    private final Path dir;
    private final Path log;
    private final Thread killOnExit;
    private int port;
    private Process process;

    /** An error reply ({@code -ERR ...}) to a command. */
    static final class ErrorReply extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ErrorReply(final String message)
        {
            super(message);
        }
    }

    private RedisServer(final Path binary, final Path dir)
    {
        this.binary = binary;
        this.dir = dir;
        this.log = dir.resolve("redis.log");
        this.killOnExit = new Thread(this::killQuietly, "redis-server-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts {@code /usr/bin/redis-server} on a free port and waits until it answers {@code PING}.
     */
    static RedisServer start() throws IOException
    {
        installIfMissing();
        return start(DEFAULT_BINARY);
    }

    private static boolean installTried;

    /**
     * On a machine without redis-server, runs the repository's {@code .ci/install-redis} once (Debian's package,
     * root or passwordless sudo), so that the README's test command works on a fresh machine. When that fails, the
     * tests fail with its output and the message of {@link #start(Path)}.
     */
    private static synchronized void installIfMissing()
    {
        if (installTried || Files.isExecutable(DEFAULT_BINARY))
        {
            return;
        }
        installTried = true;
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve(".ci/install-redis")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            return;
        }
        System.err.println("redis-server is missing: running " + dir.resolve(".ci/install-redis"));
        try
        {
            final Process install = new ProcessBuilder(dir.resolve(".ci/install-redis").toString())
                .inheritIO()
                .start();
            if (!install.waitFor(10, java.util.concurrent.TimeUnit.MINUTES))
            {
                install.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            System.err.println("could not run .ci/install-redis: " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the given {@code redis-server} binary on a free port and waits until it answers {@code PING}.
     *
     * @throws IllegalStateException when the binary is missing or the server does not come up.
     */
    static RedisServer start(final Path binary) throws IOException
    {
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary))
        {
            throw new IllegalStateException(binary + " is not installed: the cluster tests run a real redis-server " +
                "(Debian package redis-server: .ci/install-redis or apt-get install redis-server)");
        }
        final RedisServer server = new RedisServer(binary, Files.createTempDirectory("pulsar-redis-"));
        try
        {
            server.startOnFreePort();
            return server;
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    /** {@code redis://127.0.0.1:<port>}. */
    String uri()
    {
        return "redis://127.0.0.1:" + port;
    }

    int port()
    {
        return port;
    }

    /** The server's data directory (the append-only files live in it). */
    Path dir()
    {
        return dir;
    }

    boolean isRunning()
    {
        return process != null && process.isAlive();
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until it is gone.
     */
    void kill()
    {
        final Process running = process;
        if (running == null)
        {
            return;
        }
        running.destroyForcibly();
        try
        {
            if (!running.waitFor(10, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("redis-server (pid " + running.pid() + ") did not die within 10 s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing redis-server", ex);
        }
        process = null;
    }

    /**
     * Starts the server again on the same port and in the same dir (killing it first if it still runs), so that it
     * reloads its append-only file, and waits until it answers {@code PING}.
     */
    void restart() throws IOException
    {
        kill();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (true)
        {
            final long logOffset = logSize();
            launch();
            if (awaitPong(deadline))
            {
                return;
            }
            final String output = logSince(logOffset);
            if (!output.contains("Address already in use") || System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("redis-server did not restart on port " + port + ":\n" + output);
            }
            sleep(50); // someone held the port for a moment: try again until the deadline
        }
    }

    /** {@code FLUSHALL}: removes every key. */
    void flushAll()
    {
        command("FLUSHALL");
    }

    /**
     * Sends one command on a new connection and returns its reply (see the class comment for the types).
     */
    Object command(final String... args)
    {
        try (Connection connection = connect())
        {
            return connection.command(args);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("redis " + String.join(" ", args) + " on port " + port, ex);
        }
    }

    /** A command whose reply is a (simple or bulk) string, or nil. */
    String string(final String... args)
    {
        final Object reply = command(args);
        if (reply != null && !(reply instanceof String))
        {
            throw new AssertionError(String.join(" ", args) + " answered " + reply + ", not a string");
        }
        return (String)reply;
    }

    /** A command whose reply is an integer. */
    long integer(final String... args)
    {
        final Object reply = command(args);
        if (!(reply instanceof Long))
        {
            throw new AssertionError(String.join(" ", args) + " answered " + reply + ", not an integer");
        }
        return (Long)reply;
    }

    /** A command whose reply is an array (nil answers an empty list). */
    @SuppressWarnings("unchecked")
    List<Object> list(final String... args)
    {
        final Object reply = command(args);
        if (reply == null)
        {
            return List.of();
        }
        if (!(reply instanceof List))
        {
            throw new AssertionError(String.join(" ", args) + " answered " + reply + ", not an array");
        }
        return (List<Object>)reply;
    }

    /**
     * Opens a connection of its own, e.g. to {@code SUBSCRIBE} and read pushed messages.
     */
    Connection connect() throws IOException
    {
        return new Connection(port);
    }

    /** What the server wrote to its log (stdout and stderr) so far. */
    String log()
    {
        return logSince(0);
    }

    @Override
    public void close()
    {
        try
        {
            killQuietly();
            deleteRecursively(dir);
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            }
            catch (final IllegalStateException ex)
            {
                // the JVM is shutting down: the hook runs anyway
            }
        }
    }

    @Override
    public String toString()
    {
        return "redis-server " + uri() + " in " + dir;
    }

    private void startOnFreePort() throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        String output = "";
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
        {
            port = freePort();
            final long logOffset = logSize();
            launch();
            if (awaitPong(deadline))
            {
                return;
            }
            output = logSince(logOffset);
            if (!output.contains("Address already in use"))
            {
                break;
            }
            // another process took the port between our probe and redis-server's bind: pick another one
        }
        throw new IllegalStateException("redis-server did not start (last port " + port + "):\n" + output);
    }

    private void launch() throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(
            binary.toString(),
            "--port", Integer.toString(port),
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--daemonize", "no",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--dir", dir.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        process = builder.start();
    }

    /**
     * Polls with a raw {@code PING} until {@code +PONG} (passing over {@code -LOADING} while the AOF loads).
     *
     * @return true once it answers, false when the process ended first.
     * @throws IllegalStateException when the deadline passes with the process still running.
     */
    private boolean awaitPong(final long deadline)
    {
        String last = "no answer";
        while (true)
        {
            if (!process.isAlive())
            {
                process = null;
                return false;
            }
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                socket.setSoTimeout(1_000);
                final OutputStream out = socket.getOutputStream();
                out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                last = readLine(new BufferedInputStream(socket.getInputStream()));
                if ("+PONG".equals(last))
                {
                    return true;
                }
            }
            catch (final IOException ex)
            {
                last = ex.toString();
            }
            if (System.nanoTime() - deadline > 0)
            {
                killQuietly();
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " +
                    START_TIMEOUT_MILLIS + " ms (last: " + last + "):\n" + log());
            }
            sleep(10);
        }
    }

    private void killQuietly()
    {
        try
        {
            kill();
        }
        catch (final RuntimeException ex)
        {
            // best effort
        }
    }

    private long logSize()
    {
        try
        {
            return Files.exists(log) ? Files.size(log) : 0;
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    private String logSince(final long offset)
    {
        try
        {
            if (!Files.exists(log))
            {
                return "";
            }
            final byte[] bytes = Files.readAllBytes(log);
            final int from = (int)Math.min(offset, bytes.length);
            return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(log unreadable: " + ex + ")";
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")))
        {
            return socket.getLocalPort();
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private static void deleteRecursively(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.deleteIfExists(path);
                }
                catch (final IOException ex)
                {
                    // left for the OS's temp cleaner
                }
            });
        }
        catch (final IOException ex)
        {
            // left for the OS's temp cleaner
        }
    }

    private static String readLine(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n')
        {
            if (c < 0)
            {
                throw new EOFException("connection closed after: " + line.toString(StandardCharsets.UTF_8));
            }
            if (c != '\r')
            {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /**
     * One RESP2 connection: {@link #send(String...)} a command, {@link #read()} replies (also pushed Pub/Sub
     * messages after a {@code SUBSCRIBE}).
     */
    static final class Connection implements AutoCloseable
    {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Connection(final int port) throws IOException
        {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        /** Sends a command and reads its reply; an error reply throws {@link ErrorReply}. */
        Object command(final String... args) throws IOException
        {
            send(args);
            final Object reply = read();
            if (reply instanceof ErrorReply)
            {
                throw new ErrorReply(String.join(" ", args) + ": " + ((ErrorReply)reply).getMessage());
            }
            return reply;
        }

        /** Sends a command as a RESP array of bulk strings. */
        void send(final String... args) throws IOException
        {
            final ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (final String arg : args)
            {
                final byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.writeBytes(bytes);
                request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(request.toByteArray());
            out.flush();
        }

        /**
         * Reads one reply; an error reply is returned (not thrown) as an {@link ErrorReply}.
         *
         * @throws java.net.SocketTimeoutException when nothing comes within the read timeout.
         */
        Object read() throws IOException
        {
            final String line = readLine(in);
            if (line.isEmpty())
            {
                throw new IOException("empty RESP line");
            }
            final String rest = line.substring(1);
            switch (line.charAt(0))
            {
                case '+':
                    return rest;
                case '-':
                    return new ErrorReply(rest);
                case ':':
                    return Long.parseLong(rest);
                case '$':
                {
                    final int length = Integer.parseInt(rest);
                    if (length < 0)
                    {
                        return null;
                    }
                    final byte[] bytes = in.readNBytes(length + 2);
                    if (bytes.length != length + 2)
                    {
                        throw new EOFException("connection closed inside a bulk string");
                    }
                    return new String(bytes, 0, length, StandardCharsets.UTF_8);
                }
                case '*':
                {
                    final int count = Integer.parseInt(rest);
                    if (count < 0)
                    {
                        return null;
                    }
                    final List<Object> items = new ArrayList<>(count);
                    for (int i = 0; i < count; i++)
                    {
                        items.add(read());
                    }
                    return items;
                }
                default:
                    throw new IOException("not a RESP2 reply: " + line);
            }
        }

        /** Sets how long {@link #read()} waits. */
        void readTimeout(final int millis) throws IOException
        {
            socket.setSoTimeout(millis);
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }
}
