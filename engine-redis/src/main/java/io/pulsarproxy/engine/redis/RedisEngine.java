package io.pulsarproxy.engine.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.pulsarproxy.pipeline.Engine;
import io.pulsarproxy.pipeline.EngineCounters;
import io.pulsarproxy.pipeline.MessageEvent;
import io.pulsarproxy.pipeline.Pipeline;
import io.pulsarproxy.pipeline.PublishRequest;
import io.pulsarproxy.pipeline.TopicPattern;
import io.pulsarproxy.pipeline.TopicState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Valkey/Redis engine: each topic's seqs, stream (capped history) and idempotency keys live in Redis, and every
 * node follows the topics its subscribers want through Redis Pub/Sub.
 * <p>
 * Three connections:
 * <ul>
 * <li><b>store</b> (route thread): one pipelined round trip per Disruptor batch, an atomic Lua script per topic that
 * assigns seqs, appends to the stream and publishes. It never reconnects by itself: a command lost with a connection
 * must fail (503), not be sent again and stored twice. {@link #reconnectStore()} opens a new one.</li>
 * <li><b>commands</b>: syncs (a topic's seq and epoch) and fetches (stream ranges), both safe to repeat, retried until
 * they succeed.</li>
 * <li><b>feed</b>: Pub/Sub; on reconnect it subscribes again and tells route, which asks every followed topic's seq
 * and refills what it missed.</li>
 * </ul>
 * Answers reach the ring through {@link Pipeline#claim(int)} from Lettuce's threads; route and deliver never wait
 * for Redis, so the ring drains and the claim returns.
 */
public final class RedisEngine implements Engine
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisEngine.class);
    private static final long RETRY_MILLIS = 250;

    private final RedisSettings settings;
    private final EngineCounters counters = new EngineCounters();
    private final byte[] nodeTag;
    private final byte[] historySize;
    private final byte[] idempotencyWindow;
    private final byte[] ttl;
    private final int prefixLength;
    private final Map<TopicState, TopicKeys> keysByTopic = new IdentityHashMap<>();
    private final Map<String, Listen> channels = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> patterns = new ConcurrentHashMap<>();
    private final StoreBatch batch = new StoreBatch();
    private final ScheduledExecutorService scheduler;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisClient storeClient;
    private Pipeline pipeline;
    private int chunk;
    private volatile StatefulRedisConnection<byte[], byte[]> store;
    private volatile StatefulRedisConnection<byte[], byte[]> commands;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> feed;
    private volatile boolean feedLost;
    private final java.util.concurrent.atomic.AtomicLong feedDrops = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean storeFailing;
    private volatile boolean closed;
    private volatile EpochText lastEpoch = new EpochText(new byte[0], "");
    private long lastFailureLog;

    /**
     * Creates the engine; nothing connects until {@link #start()}.
     *
     * @param settings how to reach and use the server.
     */
    public RedisEngine(final RedisSettings settings)
    {
        this.settings = settings;
        this.nodeTag = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36)
            .getBytes(StandardCharsets.US_ASCII);
        this.historySize = ascii(settings.historySize());
        this.idempotencyWindow = ascii(settings.idempotencyWindow());
        this.ttl = ascii(settings.ttlMillis());
        this.prefixLength = settings.prefix().length();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread thread = new Thread(r, "pulsar-redis");
            thread.setDaemon(true);
            return thread;
        });
        // Two IO threads are plenty for three connections; reconnect fast, since publishes fail while it is down.
        this.resources = DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
        final RedisURI uri = RedisURI.create(settings.uri());
        uri.setTimeout(Duration.ofMillis(settings.timeoutMillis()));
        this.client = RedisClient.create(resources, uri);
        this.client.setOptions(options(true));
        this.storeClient = RedisClient.create(resources, uri);
        this.storeClient.setOptions(options(false));
    }

    private ClientOptions options(final boolean autoReconnect)
    {
        return ClientOptions.builder()
            .autoReconnect(autoReconnect)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(settings.maxQueuedCommands())
            .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(settings.timeoutMillis())))
            .socketOptions(SocketOptions.builder()
                .connectTimeout(Duration.ofMillis(settings.timeoutMillis()))
                .keepAlive(true)
                .build())
            .build();
    }

    @Override
    public void bind(final Pipeline pipeline)
    {
        this.pipeline = pipeline;
        this.chunk = Math.max(1, Math.min(1024, pipeline.ringSize() / 4));
    }

    @Override
    public void start()
    {
        client.addListener(new FeedWatch());
        store = connectStore();
        commands = client.connect(ByteArrayCodec.INSTANCE);
        feed = client.connectPubSub(ByteArrayCodec.INSTANCE);
        feed.addListener(new FeedListener());
        scheduler.scheduleWithFixedDelay(this::reconnectStore, RETRY_MILLIS, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("Redis engine connected to {} (keys {}:{{topic}}:*, node tag {})", redacted(settings.uri()),
            settings.prefix(), new String(nodeTag, StandardCharsets.US_ASCII));
    }

    @Override
    public boolean isAvailable()
    {
        final StatefulRedisConnection<byte[], byte[]> s = store;
        final StatefulRedisPubSubConnection<byte[], byte[]> f = feed;
        return !closed && s != null && s.isOpen() && f != null && f.isOpen() && !feedLost && !storeFailing;
    }

    @Override
    public EngineCounters counters()
    {
        return counters;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Storing (route thread)
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void store(final MessageEvent event, final PublishRequest request, final TopicState topic)
    {
        batch.add(event, request, topic);
    }

    @Override
    public void endBatch()
    {
        if (batch.isEmpty())
        {
            return;
        }
        final List<StoreBatch.Part> parts = batch.parts();
        final long start = System.nanoTime();
        final int messages = batch.messages();
        final AtomicInteger remaining = new AtomicInteger(parts.size());
        final StatefulRedisConnection<byte[], byte[]> connection = store;
        for (int i = 0; i < parts.size(); i++)
        {
            final StoreBatch.Part part = parts.get(i);
            final TopicKeys keys = keys(part.topic);
            final byte[][] args = new byte[6 + part.args.size()][];
            args[0] = nodeTag;
            args[1] = historySize;
            args[2] = idempotencyWindow;
            args[3] = ttl;
            args[4] = keys.channel;
            args[5] = ascii(part.count);
            for (int a = 0; a < part.args.size(); a++)
            {
                args[6 + a] = part.args.get(a);
            }
            try
            {
                if (connection == null || !connection.isOpen())
                {
                    throw new IllegalStateException("not connected to Redis");
                }
                final RedisFuture<List<Object>> future =
                    connection.async().eval(RedisScripts.STORE, ScriptOutputType.MULTI, keys.keys, args);
                future.whenComplete((result, error) -> onStored(part, result, error, start, messages, remaining));
            }
            catch (final RuntimeException ex)
            {
                onStored(part, null, ex, start, messages, remaining);
            }
        }
        if (connection != null)
        {
            connection.flushCommands();
        }
        batch.clear();
    }

    private void onStored(
        final StoreBatch.Part part, final List<Object> result, final Throwable error, final long start,
        final int messages, final AtomicInteger remaining)
    {
        try
        {
            if (error == null && result != null && result.size() == part.count + 1)
            {
                final String epoch = epoch((byte[])result.get(0));
                for (int i = 0; i < part.count; i++)
                {
                    final long seq = (Long)result.get(i + 1);
                    final PublishRequest request = part.messageRequests.get(i);
                    if (seq > 0)
                    {
                        request.recordStored(part.topic, epoch, seq);
                    }
                    else
                    {
                        request.recordDuplicate(part.indexes[i], part.topic, epoch, -seq);
                    }
                }
                counters.storedMessages.addAndGet(part.count);
                storeFailing = false;
            }
            else
            {
                // A server that is up but does not answer (stopped, overloaded) keeps its connection open: this is
                // what tells readiness until a later store or ping succeeds.
                storeFailing = true;
                counters.storeFailures.addAndGet(part.count);
                for (int i = 0; i < part.requests.size(); i++)
                {
                    part.requests.get(i).fail();
                }
                logFailure("store", error);
            }
        }
        finally
        {
            for (int i = 0; i < part.requests.size(); i++)
            {
                part.requests.get(i).release();
            }
            if (remaining.decrementAndGet() == 0)
            {
                counters.storeRoundTrips.incrementAndGet();
                counters.recordRoundTrip(System.nanoTime() - start, messages);
            }
        }
    }

    private StatefulRedisConnection<byte[], byte[]> connectStore()
    {
        final StatefulRedisConnection<byte[], byte[]> connection = storeClient.connect(ByteArrayCodec.INSTANCE);
        // Route flushes once per batch: one write, one round trip, for all of a batch's scripts.
        connection.setAutoFlushCommands(false);
        return connection;
    }

    /**
     * Opens a new store connection when the last one was lost (it does not reconnect by itself, see above); while
     * stores fail on an open connection, pings the server to learn when it answers again.
     */
    private void reconnectStore()
    {
        final StatefulRedisConnection<byte[], byte[]> current = store;
        if (closed)
        {
            return;
        }
        if (current != null && current.isOpen())
        {
            if (storeFailing)
            {
                commands.async().ping().whenComplete((pong, error) ->
                {
                    if (error == null)
                    {
                        storeFailing = false;
                    }
                });
            }
            return;
        }
        try
        {
            store = connectStore();
            storeFailing = false;
            if (current != null)
            {
                current.closeAsync();
            }
            LOG.info("Redis store connection re-established");
        }
        catch (final RuntimeException ex)
        {
            logFailure("store reconnect", ex);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Following topics (route thread asks; Lettuce threads answer)
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void listen(final TopicState topic, final int generation)
    {
        final TopicKeys keys = keys(topic);
        channels.put(keys.channelText, new Listen(keys, generation));
        subscribe(keys, generation);
    }

    private void subscribe(final TopicKeys keys, final int generation)
    {
        if (closed)
        {
            return;
        }
        feed.async().subscribe(keys.channel).whenComplete((ignored, error) ->
        {
            final Listen listen = channels.get(keys.channelText);
            if (listen == null || listen.generation != generation)
            {
                return;
            }
            if (error != null)
            {
                retry(() -> subscribe(keys, generation));
                return;
            }
            // Subscribed first, then asked: every message stored after the answer reaches this node's feed.
            sync(keys, generation, false);
        });
    }

    @Override
    public void unlisten(final TopicState topic)
    {
        final TopicKeys keys = keys(topic);
        channels.remove(keys.channelText);
        if (!closed)
        {
            feed.async().unsubscribe(keys.channel);
        }
    }

    @Override
    public void sync(final TopicState topic, final int generation, final boolean resync)
    {
        sync(keys(topic), generation, resync);
    }

    private void sync(final TopicKeys keys, final int generation, final boolean resync)
    {
        if (closed)
        {
            return;
        }
        final RedisFuture<List<Object>> future =
            commands.async().eval(RedisScripts.SYNC, ScriptOutputType.MULTI, keys.keys, nodeTag);
        future.whenComplete((result, error) ->
        {
            if (error != null || result == null || result.size() != 2)
            {
                logFailure("sync", error);
                retry(() -> sync(keys, generation, resync));
                return;
            }
            final String epoch = epoch((byte[])result.get(0));
            final long seq = (Long)result.get(1);
            final long hi = pipeline.claim(1);
            if (hi < 0)
            {
                return;
            }
            try
            {
                pipeline.event(hi).setSynced(keys.topic, seq, epoch, generation, resync);
            }
            finally
            {
                pipeline.publish(hi, hi);
            }
        });
    }

    @Override
    public void listenPattern(final TopicPattern pattern)
    {
        final String glob = TopicKeys.channelPattern(settings.prefix(), pattern.text());
        patterns.computeIfAbsent(glob, g -> ConcurrentHashMap.newKeySet()).add(pattern.text());
        psubscribe(glob, pattern.text());
    }

    private void psubscribe(final String glob, final String text)
    {
        if (closed)
        {
            return;
        }
        feed.async().psubscribe(glob.getBytes(StandardCharsets.US_ASCII)).whenComplete((ignored, error) ->
        {
            final Set<String> texts = patterns.get(glob);
            if (texts == null || !texts.contains(text))
            {
                return;
            }
            if (error != null)
            {
                retry(() -> psubscribe(glob, text));
                return;
            }
            confirmPattern(text);
        });
    }

    private void confirmPattern(final String text)
    {
        final long hi = pipeline.claim(1);
        if (hi < 0)
        {
            return;
        }
        try
        {
            pipeline.event(hi).setPatternListening(text.getBytes(StandardCharsets.US_ASCII));
        }
        finally
        {
            pipeline.publish(hi, hi);
        }
    }

    @Override
    public void unlistenPattern(final TopicPattern pattern)
    {
        final String glob = TopicKeys.channelPattern(settings.prefix(), pattern.text());
        final Set<String> texts = patterns.get(glob);
        if (texts == null)
        {
            return;
        }
        texts.remove(pattern.text());
        if (texts.isEmpty())
        {
            patterns.remove(glob);
            if (!closed)
            {
                feed.async().punsubscribe(glob.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Override
    public void fetch(final TopicState topic, final long from, final long to, final Object token, final int generation)
    {
        fetch(keys(topic), from, to, token, generation);
    }

    private void fetch(final TopicKeys keys, final long from, final long to, final Object token, final int generation)
    {
        if (closed)
        {
            return;
        }
        final int limit = Math.min(settings.fetchBatch(), chunk);
        final RedisFuture<List<StreamMessage<byte[], byte[]>>> future = commands.async().xrange(
            keys.log(), Range.create(from + "-0", to + "-0"), Limit.from(limit));
        future.whenComplete((entries, error) ->
        {
            if (error != null || entries == null)
            {
                logFailure("fetch", error);
                retry(() -> fetch(keys, from, to, token, generation));
                return;
            }
            final long last = inject(keys.topic, entries, token, generation);
            if (entries.size() == limit && last < to)
            {
                fetch(keys, last + 1, to, token, generation);
                return;
            }
            final long hi = pipeline.claim(1);
            if (hi < 0)
            {
                return;
            }
            try
            {
                pipeline.event(hi).setFetchDone(keys.topic, to, token, generation);
            }
            finally
            {
                pipeline.publish(hi, hi);
            }
        });
    }

    /** Feeds fetched stream entries into the ring; returns the last seq fed. */
    private long inject(
        final byte[] topic, final List<StreamMessage<byte[], byte[]>> entries, final Object token,
        final int generation)
    {
        final int n = entries.size();
        long last = -1;
        if (n == 0)
        {
            return last;
        }
        final long hi = pipeline.claim(n);
        if (hi < 0)
        {
            return last;
        }
        final long lo = hi - n + 1;
        try
        {
            for (int i = 0; i < n; i++)
            {
                final StreamMessage<byte[], byte[]> entry = entries.get(i);
                final String id = entry.getId();
                final long seq = Long.parseLong(id, 0, id.indexOf('-'), 10);
                long micros = 0;
                byte[] payload = null;
                for (final Map.Entry<byte[], byte[]> field : entry.getBody().entrySet())
                {
                    final byte[] name = field.getKey();
                    if (name.length == 1 && name[0] == 't')
                    {
                        micros = parseLong(field.getValue(), 0, field.getValue().length);
                    }
                    else if (name.length == 1 && name[0] == 'p')
                    {
                        payload = field.getValue();
                    }
                }
                if (payload == null)
                {
                    pipeline.event(lo + i).setReconnected();
                    continue;
                }
                pipeline.event(lo + i).setRemote(
                    topic, 0, topic.length, seq, null, micros, payload, 0, payload.length, true, token, generation);
                last = seq;
            }
        }
        finally
        {
            pipeline.publish(lo, hi);
        }
        counters.fetchedMessages.addAndGet(n);
        return last;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The live feed (Lettuce's feed thread)
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Feeds one published batch into the ring: {@code <epoch> <first seq> <count>\n}, then per message
     * {@code <time> <length>\n<payload>}. A malformed one is not guessed at: route is told to resync instead, which
     * refills from the stream.
     */
    private void onFeed(final byte[] channel, final byte[] message)
    {
        final int topicOffset = TopicKeys.topicOffset(prefixLength);
        final int topicLength = TopicKeys.topicLength(prefixLength, channel.length);
        int p = indexOf(message, (byte)' ', 0);
        final String epoch = p > 0 ? epoch(message, 0, p) : null;
        final int p2 = indexOf(message, (byte)' ', p + 1);
        final int nl = indexOf(message, (byte)'\n', p2 + 1);
        if (epoch == null || p2 < 0 || nl < 0 || topicLength <= 0)
        {
            resyncAll();
            return;
        }
        final long first = parseLong(message, p + 1, p2);
        final int count = (int)parseLong(message, p2 + 1, nl);
        p = nl + 1;
        counters.liveMessages.addAndGet(count);
        int done = 0;
        while (done < count)
        {
            final int n = Math.min(chunk, count - done);
            final long hi = pipeline.claim(n);
            if (hi < 0)
            {
                return;
            }
            final long lo = hi - n + 1;
            long s = lo;
            try
            {
                for (; s <= hi; s++)
                {
                    final int sp = indexOf(message, (byte)' ', p);
                    final int end = indexOf(message, (byte)'\n', sp + 1);
                    final long micros = parseLong(message, p, sp);
                    final int length = (int)parseLong(message, sp + 1, end);
                    if (sp < 0 || end < 0 || end + 1 + length > message.length)
                    {
                        throw new IllegalArgumentException("truncated feed message");
                    }
                    pipeline.event(s).setRemote(channel, topicOffset, topicLength, first + done, epoch, micros,
                        message, end + 1, length, false, null, 0);
                    p = end + 1 + length;
                    done++;
                }
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("malformed feed message on {}; resyncing from the stream", new String(channel,
                    StandardCharsets.US_ASCII), ex);
                for (; s <= hi; s++)
                {
                    pipeline.event(s).setReconnected();
                }
                done = count;
            }
            finally
            {
                pipeline.publish(lo, hi);
            }
        }
    }

    private void resyncAll()
    {
        final long hi = pipeline.claim(1);
        if (hi < 0)
        {
            return;
        }
        try
        {
            pipeline.event(hi).setReconnected();
        }
        finally
        {
            pipeline.publish(hi, hi);
        }
    }

    /** After the feed reconnected: subscribe to everything again, then let route look for what it missed. */
    private void resubscribe()
    {
        if (closed)
        {
            return;
        }
        // A drop while this runs makes its success stale: the reconnect after that drop schedules another pass.
        final long drops = feedDrops.get();
        final byte[][] channelNames = channels.values().stream().map(l -> l.keys.channel).toArray(byte[][]::new);
        final String[] globs = patterns.keySet().toArray(new String[0]);
        final RedisFuture<Void> subscribed = channelNames.length > 0 ? feed.async().subscribe(channelNames) : null;
        final byte[][] globBytes = new byte[globs.length][];
        for (int i = 0; i < globs.length; i++)
        {
            globBytes[i] = globs[i].getBytes(StandardCharsets.US_ASCII);
        }
        final RedisFuture<Void> psubscribed = globs.length > 0 ? feed.async().psubscribe(globBytes) : null;
        try
        {
            if (subscribed != null)
            {
                subscribed.get(settings.timeoutMillis(), TimeUnit.MILLISECONDS);
            }
            if (psubscribed != null)
            {
                psubscribed.get(settings.timeoutMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final Exception ex)
        {
            logFailure("resubscribe", ex);
            retry(this::resubscribe);
            return;
        }
        if (feedDrops.get() == drops)
        {
            feedLost = false;
        }
        resyncAll();
        for (final Set<String> texts : patterns.values())
        {
            for (final String text : texts)
            {
                confirmPattern(text);
            }
        }
        LOG.info("Redis feed re-established: {} topics and {} patterns followed again; refilling what was missed",
            channelNames.length, globs.length);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        scheduler.shutdownNow();
        closeQuietly(feed);
        closeQuietly(commands);
        closeQuietly(store);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        storeClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static void closeQuietly(final io.lettuce.core.api.StatefulConnection<?, ?> connection)
    {
        if (connection != null)
        {
            try
            {
                connection.close();
            }
            catch (final RuntimeException ex)
            {
                LOG.debug("closing a Redis connection failed", ex);
            }
        }
    }

    private void retry(final Runnable action)
    {
        if (!closed)
        {
            try
            {
                scheduler.schedule(action, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // Closing.
            }
        }
    }

    /** Logs engine failures at most once a second, so an outage does not flood the log. */
    private void logFailure(final String what, final Throwable error)
    {
        final long now = System.currentTimeMillis();
        if (now - lastFailureLog >= 1000)
        {
            lastFailureLog = now;
            LOG.warn("Redis {} failed: {}", what, error == null ? "unexpected reply" : error.toString());
        }
    }

    private TopicKeys keys(final TopicState topic)
    {
        TopicKeys keys = keysByTopic.get(topic);
        if (keys == null)
        {
            keys = new TopicKeys(settings.prefix(), topic.nameBytes());
            keysByTopic.put(topic, keys);
        }
        return keys;
    }

    private String epoch(final byte[] bytes)
    {
        return epoch(bytes, 0, bytes.length);
    }

    /** The epoch as a String, reusing the last one seen: epochs change rarely, messages arrive often. */
    private String epoch(final byte[] bytes, final int offset, final int length)
    {
        final EpochText last = lastEpoch;
        if (java.util.Arrays.equals(last.bytes, 0, last.bytes.length, bytes, offset, offset + length))
        {
            return last.text;
        }
        final EpochText fresh = new EpochText(java.util.Arrays.copyOfRange(bytes, offset, offset + length),
            new String(bytes, offset, length, StandardCharsets.US_ASCII));
        lastEpoch = fresh;
        return fresh.text;
    }

    private static int indexOf(final byte[] bytes, final byte b, final int from)
    {
        if (from < 0)
        {
            return -1;
        }
        for (int i = from; i < bytes.length; i++)
        {
            if (bytes[i] == b)
            {
                return i;
            }
        }
        return -1;
    }

    private static long parseLong(final byte[] bytes, final int from, final int to)
    {
        if (from < 0 || to <= from)
        {
            throw new IllegalArgumentException("no number");
        }
        long value = 0;
        boolean negative = false;
        for (int i = from; i < to; i++)
        {
            final byte b = bytes[i];
            if (b == '-' && i == from)
            {
                negative = true;
                continue;
            }
            if (b < '0' || b > '9')
            {
                throw new IllegalArgumentException("not a number");
            }
            value = value * 10 + (b - '0');
        }
        return negative ? -value : value;
    }

    private static byte[] ascii(final long value)
    {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static String redacted(final String uri)
    {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }

    /** A topic this node follows, with the generation route asked in. */
    private record Listen(TopicKeys keys, int generation)
    {
    }

    private record EpochText(byte[] bytes, String text)
    {
    }

    /** Receives the feed: channel messages and pattern messages alike. */
    private final class FeedListener extends RedisPubSubAdapter<byte[], byte[]>
    {
        @Override
        public void message(final byte[] channel, final byte[] message)
        {
            onFeed(channel, message);
        }

        @Override
        public void message(final byte[] pattern, final byte[] channel, final byte[] message)
        {
            onFeed(channel, message);
        }
    }

    /** Notices the feed connection going and coming back. */
    private final class FeedWatch implements RedisConnectionStateListener
    {
        @Override
        public void onRedisConnected(final RedisChannelHandler<?, ?> connection, final SocketAddress socketAddress)
        {
            if (connection == feed && !closed)
            {
                counters.reconnects.incrementAndGet();
                // Not on Lettuce's thread: resubscribing waits for the server's answers.
                try
                {
                    scheduler.execute(RedisEngine.this::resubscribe);
                }
                catch (final java.util.concurrent.RejectedExecutionException ex)
                {
                    // Closing.
                }
            }
        }

        @Override
        public void onRedisDisconnected(final RedisChannelHandler<?, ?> connection)
        {
            if (connection == feed && !closed)
            {
                feedDrops.incrementAndGet();
                feedLost = true;
                LOG.warn("Redis feed connection lost; reconnecting");
            }
        }

        @Override
        public void onRedisExceptionCaught(final RedisChannelHandler<?, ?> connection, final Throwable cause)
        {
            LOG.debug("Redis connection error", cause);
        }
    }
}
