package io.pulsarproxy.jmh.scenario;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The processes of the cluster scenario: a redis-server (started here on a free loopback port, in a temporary
 * directory, or one given by {@code --redis-uri}) and two gateways started from the gateway jar with
 * {@code -Dproxy.engine=redis -Dproxy.redis.uri=...}, each on its own free port, as the runner starts the single
 * gateway.
 * <p>
 * <b>Note:</b> {@link #close()} stops both gateways, then the redis-server this class started, and removes its
 * directory; every wait is bounded.
 */
final class Cluster implements AutoCloseable
{
    private static final long REDIS_READY_MILLIS = 10_000;

    final Target redis;
    final Target node1;
    final Target node2;
    final String redisUri;
    /** What the report says about the redis-server: version, who started it, persistence. */
    final Map<String, Object> setup = new LinkedHashMap<>();
    private final List<Target> started = new ArrayList<>();

    private Cluster(final Target redis, final Target node1, final Target node2, final String redisUri)
    {
        this.redis = redis;
        this.node1 = node1;
        this.node2 = node2;
        this.redisUri = redisUri;
    }

    /**
     * The redis-server to start: {@code --redis-server}, else the first {@code redis-server} on the PATH, else
     * {@code /usr/bin/redis-server}, {@code /usr/local/bin/redis-server}.
     *
     * @param configured the {@code --redis-server} option, or null.
     * @return the executable, or null when there is none.
     */
    static Path findRedisServer(final Path configured)
    {
        if (configured != null)
        {
            return Files.isExecutable(configured) ? configured : null;
        }
        final List<Path> candidates = new ArrayList<>();
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(File.pathSeparator))
            {
                if (!dir.isEmpty())
                {
                    candidates.add(Path.of(dir, "redis-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/redis-server"));
        candidates.add(Path.of("/usr/local/bin/redis-server"));
        for (final Path p : candidates)
        {
            if (Files.isRegularFile(p) && Files.isExecutable(p))
            {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts (or finds) the redis-server, then node 1 and node 2.
     *
     * @param o           the options (gateway jar and JVM options, logs, {@code --redis-uri}, {@code --cluster-aof}).
     * @param redisServer the executable to start, or null with {@code --redis-uri}.
     * @param runId       the run's id, for a key prefix of its own on a redis-server that is not ours.
     * @param onStart     told of every process as soon as it runs, so that the runner's shutdown hook stops it.
     * @return the running cluster.
     * @throws IOException when a process does not start or become ready; whatever started is stopped again.
     */
    static Cluster start(
        final RunnerOptions o, final Path redisServer, final String runId, final Consumer<Target> onStart)
        throws IOException
    {
        final List<Target> up = new ArrayList<>();
        final Consumer<Target> track = t ->
        {
            up.add(t);
            onStart.accept(t);
        };
        try
        {
            final Map<String, Object> setup = new LinkedHashMap<>();
            final Target redis;
            final String uri;
            final List<String> properties = new ArrayList<>();
            if (o.redisUri() == null)
            {
                redis = startRedis(redisServer, o.clusterAof(), o.logs().resolve("cluster-redis.log"), track);
                uri = "redis://127.0.0.1:" + redis.port();
                setup.put("redis_started_by_runner", true);
                setup.put("redis_persistence", o.clusterAof() ?
                    "--appendonly yes --appendfsync everysec (append-only file, fsync every second)" :
                    "--save \"\" --appendonly no (nothing on disk)");
            }
            else
            {
                redis = external(o.redisUri(), track);
                uri = o.redisUri();
                // Keys of their own, apart from whatever else that redis-server holds.
                properties.add("-Dproxy.redis.prefix=pulsarbench" + runId);
                setup.put("redis_started_by_runner", false);
                setup.put("redis_persistence", "as configured by its owner (--redis-uri); --cluster-aof ignored");
            }
            setup.put("redis_uri", uri);
            setup.put("redis_server", redisServer == null ? null : redisServer.toString());
            try (RedisClient c = new RedisClient(redis.host(), redis.port()))
            {
                final Map<String, String> info = c.info("server");
                setup.put("redis_version", info.get("redis_version"));
                final Map<String, String> persistence = c.info("persistence");
                setup.put("redis_aof_enabled", persistence.get("aof_enabled"));
            }
            catch (final IOException ex)
            {
                setup.put("redis_info_error", ex.getMessage());
            }
            properties.add(0, "-Dproxy.engine=redis");
            properties.add(1, "-Dproxy.redis.uri=" + uri);
            setup.put("node_properties", String.join(" ", properties));
            setup.put("node_jvm", String.join(" ", o.gatewayJvm()));
            final Target node1 = Launchers.gateway(o.gatewayJar(), o.gatewayJvm(), properties, "node1",
                o.logs().resolve("cluster-node1.log"));
            track.accept(node1);
            final Target node2 = Launchers.gateway(o.gatewayJar(), o.gatewayJvm(), properties, "node2",
                o.logs().resolve("cluster-node2.log"));
            track.accept(node2);
            final Cluster cluster = new Cluster(redis, node1, node2, uri);
            cluster.started.addAll(up);
            cluster.setup.putAll(setup);
            return cluster;
        }
        catch (final IOException | RuntimeException ex)
        {
            for (int i = up.size() - 1; i >= 0; i--)
            {
                up.get(i).close();
            }
            throw ex;
        }
    }

    private static Target startRedis(
        final Path server, final boolean aof, final Path log, final Consumer<Target> track) throws IOException
    {
        final int port = Launchers.freePort();
        final Path dir = Files.createTempDirectory("pulsar-bench-redis-");
        final List<String> command = new ArrayList<>(List.of(server.toString(),
            "--port", Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--dir", dir.toString(), "--daemonize", "no", "--logfile", "", "--save", ""));
        if (aof)
        {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "everysec"));
        }
        else
        {
            command.addAll(List.of("--appendonly", "no"));
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        final Runnable stop = () ->
        {
            Launchers.stop(process);
            deleteTree(dir);
        };
        final Target target = new Target(Target.Kind.REDIS, "redis", "127.0.0.1", port, process.pid(), stop, log);
        track.accept(target);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REDIS_READY_MILLIS);
        IOException last = null;
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IOException("redis-server exited with " + process.exitValue() + "; see " + log);
            }
            try (RedisClient c = new RedisClient("127.0.0.1", port))
            {
                if (c.ping())
                {
                    return target;
                }
            }
            catch (final IOException ex)
            {
                last = ex;
            }
            WsClients.sleepMillis(20);
        }
        throw new IOException("redis-server not ready within " + REDIS_READY_MILLIS + " ms (" + last + "); see " + log);
    }

    /** A redis-server someone else runs: loopback only; its pid from INFO when it runs on this machine. */
    private static Target external(final String uri, final Consumer<Target> track) throws IOException
    {
        final URI u = URI.create(uri);
        final String host = u.getHost();
        if (!"redis".equals(u.getScheme()) || host == null || !InetAddress.getByName(host).isLoopbackAddress())
        {
            throw new IllegalArgumentException("--redis-uri must be redis://<loopback address>:<port>: " + uri);
        }
        final int port = u.getPort() > 0 ? u.getPort() : 6379;
        long pid = -1;
        try (RedisClient c = new RedisClient(host, port))
        {
            final String id = c.info("server").get("process_id");
            if (id != null)
            {
                final long candidate = Long.parseLong(id.trim());
                final Path comm = Path.of("/proc", Long.toString(candidate), "comm");
                if (Files.isReadable(comm) && Files.readString(comm).startsWith("redis"))
                {
                    pid = candidate;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("cannot read INFO of " + uri + " (its CPU and command counts are missing): " + ex);
        }
        final Target target = new Target(Target.Kind.REDIS, "redis", host, port, pid, null, null);
        track.accept(target);
        return target;
    }

    /**
     * Every process of the cluster, in start order.
     *
     * @return redis, node 1, node 2.
     */
    List<Target> targets()
    {
        return List.copyOf(started);
    }

    /**
     * Calls and server microseconds per command so far, or null when redis cannot be asked.
     *
     * @return command to {calls, usec}.
     */
    Map<String, long[]> commandStats()
    {
        try (RedisClient c = new RedisClient(redis.host(), redis.port()))
        {
            return c.commandStats();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
        catch (final IOException ex)
        {
            System.err.println("cannot remove " + dir + ": " + ex);
        }
    }

    /**
     * Stops node 2, node 1, then the redis-server if the runner started it.
     */
    @Override
    public void close()
    {
        for (int i = started.size() - 1; i >= 0; i--)
        {
            started.get(i).close();
        }
    }
}
