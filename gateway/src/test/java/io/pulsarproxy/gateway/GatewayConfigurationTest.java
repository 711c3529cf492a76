package io.pulsarproxy.gateway;

import io.pulsarproxy.delivery.SlowConsumerPolicy;
import io.pulsarproxy.pipeline.WaitStrategyType;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static io.pulsarproxy.gateway.GatewayConfiguration.HISTORY_BYTES_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.HISTORY_SIZE_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.HOST_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.IO_THREADS_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_BATCH_BYTES_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_BATCH_MESSAGES_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_CONNECTIONS_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_JSON_DEPTH_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_PAYLOAD_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.MAX_SUBSCRIPTIONS_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.OUTBOUND_MAX_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.PORT_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.RING_SIZE_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.SHUTDOWN_TIMEOUT_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.SLOT_BYTES_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.SLOW_POLICY_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.WAIT_STRATEGY_PROP_NAME;
import static io.pulsarproxy.gateway.GatewayConfiguration.WS_MAX_FRAME_PROP_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GatewayConfiguration#load(Properties)}: defaults, size suffixes, and a {@link ConfigException} naming the
 * property for every kind of bad value or bad combination.
 */
class GatewayConfigurationTest
{
    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;

    @Test
    void shouldUseLaptopDefaultsWhenNothingIsSet()
    {
        final GatewayConfiguration config = load();

        assertEquals("127.0.0.1", config.host());
        assertEquals(8080, config.port());
        assertEquals(65536, config.ringSize());
        assertEquals(WaitStrategyType.BLOCKING, config.waitStrategy());
        assertEquals(MIB, config.maxPayloadBytes());
        assertEquals(10_000, config.maxBatchMessages());
        assertEquals(16 * MIB, config.maxBatchBytes());
        assertEquals(SlowConsumerPolicy.DROP, config.slowPolicy());
        assertFalse(config.epoch().isEmpty());

        assertEquals(config.maxPayloadBytes(), config.ingest().maxPayloadBytes());
        assertEquals(config.maxBatchMessages(), config.ingest().maxBatchMessages());
        assertEquals(config.maxBatchBytes(), config.ingest().maxBatchBytes());
        assertEquals(config.ringSize(), config.pipeline().ringSize());
        assertEquals(config.epoch(), config.pipeline().epoch());
        assertEquals(config.outboundMaxBytes(), config.delivery().outboundMaxBytes());
    }

    @Test
    void shouldReadSizesWithSuffixes()
    {
        final GatewayConfiguration config = load(
            MAX_PAYLOAD_PROP_NAME, "64k",
            OUTBOUND_MAX_PROP_NAME, "1m",
            MAX_BATCH_BYTES_PROP_NAME, "2MiB",
            HISTORY_BYTES_PROP_NAME, " 512KB ",
            SLOT_BYTES_PROP_NAME, "1kib",
            WS_MAX_FRAME_PROP_NAME, "16384",
            MAX_BATCH_MESSAGES_PROP_NAME, "1_000",
            RING_SIZE_PROP_NAME, "1024",
            WAIT_STRATEGY_PROP_NAME, "Busy-Spin",
            SLOW_POLICY_PROP_NAME, "disconnect");

        assertEquals(64 * KIB, config.maxPayloadBytes());
        assertEquals(MIB, config.outboundMaxBytes());
        assertEquals(2 * MIB, config.maxBatchBytes());
        assertEquals(512 * KIB, config.historyBytes());
        assertEquals(KIB, config.slotBytes());
        assertEquals(16384, config.wsMaxFrameBytes());
        assertEquals(1000, config.maxBatchMessages());
        assertEquals(1024, config.ringSize());
        assertEquals(WaitStrategyType.BUSY_SPIN, config.waitStrategy());
        assertEquals(SlowConsumerPolicy.DISCONNECT, config.slowPolicy());

        assertEquals(1024 * MIB, load(MAX_BATCH_BYTES_PROP_NAME, "1g").maxBatchBytes());
        assertEquals(64 * KIB, load(MAX_PAYLOAD_PROP_NAME, "64K").maxPayloadBytes());
        assertEquals(3 * MIB, load(MAX_PAYLOAD_PROP_NAME, "3mb").maxPayloadBytes());
    }

    @Test
    void shouldRejectValuesThatAreNotNumbers()
    {
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "abc");
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "80.5");
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "");
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "99999999999999999999");
        assertRejected(RING_SIZE_PROP_NAME, RING_SIZE_PROP_NAME, "lots");
        assertRejected(MAX_BATCH_MESSAGES_PROP_NAME, MAX_BATCH_MESSAGES_PROP_NAME, "10k");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "12q");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "9999999999g");
        assertRejected(MAX_BATCH_BYTES_PROP_NAME, MAX_BATCH_BYTES_PROP_NAME, "1.5m");
        assertRejected(HISTORY_BYTES_PROP_NAME, HISTORY_BYTES_PROP_NAME, "k");
        assertRejected(OUTBOUND_MAX_PROP_NAME, OUTBOUND_MAX_PROP_NAME, "lots");
    }

    @Test
    void shouldRejectValuesOutOfRange()
    {
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "70000");
        assertRejected(PORT_PROP_NAME, PORT_PROP_NAME, "-1");
        assertRejected(RING_SIZE_PROP_NAME, RING_SIZE_PROP_NAME, "1");
        assertRejected(RING_SIZE_PROP_NAME, RING_SIZE_PROP_NAME, Integer.toString(1 << 27));
        assertRejected(IO_THREADS_PROP_NAME, IO_THREADS_PROP_NAME, "0");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "0");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "512m");
        assertRejected(MAX_BATCH_MESSAGES_PROP_NAME, MAX_BATCH_MESSAGES_PROP_NAME, "0");
        assertRejected(MAX_BATCH_BYTES_PROP_NAME, MAX_BATCH_BYTES_PROP_NAME, "2g");
        assertRejected(MAX_JSON_DEPTH_PROP_NAME, MAX_JSON_DEPTH_PROP_NAME, "0");
        assertRejected(HISTORY_SIZE_PROP_NAME, HISTORY_SIZE_PROP_NAME, "-1");
        assertRejected(MAX_SUBSCRIPTIONS_PROP_NAME, MAX_SUBSCRIPTIONS_PROP_NAME, "0");
        assertRejected(MAX_CONNECTIONS_PROP_NAME, MAX_CONNECTIONS_PROP_NAME, "0");
        assertRejected(OUTBOUND_MAX_PROP_NAME, OUTBOUND_MAX_PROP_NAME, "1000");
        assertRejected(WS_MAX_FRAME_PROP_NAME, WS_MAX_FRAME_PROP_NAME, "100");
        assertRejected(SHUTDOWN_TIMEOUT_PROP_NAME, SHUTDOWN_TIMEOUT_PROP_NAME, "-5");
        assertRejected(HOST_PROP_NAME, HOST_PROP_NAME, "  ");
    }

    @Test
    void shouldRejectARingSizeThatIsNotAPowerOfTwo()
    {
        for (final String size : List.of("3", "1000", "65535", "12288"))
        {
            final ConfigException ex = assertRejected(RING_SIZE_PROP_NAME, RING_SIZE_PROP_NAME, size,
                MAX_BATCH_MESSAGES_PROP_NAME, "2");
            assertTrue(ex.getMessage().contains("power of two"), ex.getMessage());
        }
    }

    @Test
    void shouldRejectUnknownWaitStrategiesAndSlowPolicies()
    {
        assertRejected(WAIT_STRATEGY_PROP_NAME, WAIT_STRATEGY_PROP_NAME, "lazy");
        assertRejected(WAIT_STRATEGY_PROP_NAME, WAIT_STRATEGY_PROP_NAME, "");
        assertRejected(SLOW_POLICY_PROP_NAME, SLOW_POLICY_PROP_NAME, "panic");
        assertRejected(SLOW_POLICY_PROP_NAME, SLOW_POLICY_PROP_NAME, "");
    }

    @Test
    void shouldReadTheEngineAndRejectBadRedisSettings()
    {
        final GatewayConfiguration memory = load();
        assertFalse(memory.engine().redis());
        assertEquals("redis://127.0.0.1:6379", memory.engine().redisUri());

        final GatewayConfiguration redis = load(GatewayConfiguration.ENGINE_PROP_NAME, "redis",
            GatewayConfiguration.REDIS_URI_PROP_NAME, "redis://:s3cret@cache.internal:6380/0",
            GatewayConfiguration.REDIS_PREFIX_PROP_NAME, "pp", GatewayConfiguration.REDIS_TTL_PROP_NAME, "3600");
        assertTrue(redis.engine().redis());
        assertEquals(3_600_000L, redis.engine().redisSettings(100, 10).ttlMillis());
        assertEquals("pp", redis.engine().redisSettings(100, 10).prefix());
        // The password never reaches the printed configuration.
        assertFalse(redis.toString().contains("s3cret"), redis.toString());
        assertTrue(redis.toString().contains("cache.internal:6380"), redis.toString());

        assertRejected(GatewayConfiguration.ENGINE_PROP_NAME, GatewayConfiguration.ENGINE_PROP_NAME, "valkey-ish");

        // Inline stages by default in memory; one stage thread with Redis, where inline stages are refused.
        assertEquals(0, memory.stageThreads());
        assertEquals(0, memory.pipeline().stageThreads());
        assertEquals(1, redis.stageThreads());
        assertEquals(3, load(GatewayConfiguration.ENGINE_PROP_NAME, "redis",
            GatewayConfiguration.STAGE_THREADS_PROP_NAME, "3").stageThreads());
        final ConfigException inline = assertRejected(GatewayConfiguration.STAGE_THREADS_PROP_NAME,
            GatewayConfiguration.ENGINE_PROP_NAME, "redis", GatewayConfiguration.STAGE_THREADS_PROP_NAME, "0");
        assertTrue(inline.getMessage().contains(GatewayConfiguration.ENGINE_PROP_NAME + "=memory"),
            inline.getMessage());
        assertEquals(1, load(GatewayConfiguration.STAGE_THREADS_PROP_NAME, "1").pipeline().stageThreads());
        assertRejected(GatewayConfiguration.REDIS_URI_PROP_NAME, GatewayConfiguration.REDIS_URI_PROP_NAME,
            "http://127.0.0.1:6379");
        assertRejected(GatewayConfiguration.REDIS_URI_PROP_NAME, GatewayConfiguration.REDIS_URI_PROP_NAME, "::");
        assertRejected(GatewayConfiguration.REDIS_PREFIX_PROP_NAME, GatewayConfiguration.REDIS_PREFIX_PROP_NAME,
            "a{b}");
        assertRejected(GatewayConfiguration.REDIS_TIMEOUT_PROP_NAME, GatewayConfiguration.REDIS_TIMEOUT_PROP_NAME,
            "0");
    }

    @Test
    void shouldRejectBadCombinations()
    {
        final ConfigException batch = assertRejected(MAX_BATCH_MESSAGES_PROP_NAME,
            RING_SIZE_PROP_NAME, "1024", MAX_BATCH_MESSAGES_PROP_NAME, "2048");
        assertTrue(batch.getMessage().contains(RING_SIZE_PROP_NAME), batch.getMessage());
        assertRejected(MAX_BATCH_MESSAGES_PROP_NAME, RING_SIZE_PROP_NAME, "8192");

        final ConfigException outbound = assertRejected(OUTBOUND_MAX_PROP_NAME,
            MAX_PAYLOAD_PROP_NAME, "1m", OUTBOUND_MAX_PROP_NAME, "512k");
        assertTrue(outbound.getMessage().contains(MAX_PAYLOAD_PROP_NAME), outbound.getMessage());
        assertRejected(OUTBOUND_MAX_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "1m", OUTBOUND_MAX_PROP_NAME, "1m");

        // All queues together: a quarter of the max heap by default, never below one connection's bound.
        assertEquals(Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 4),
            load().outboundTotalMaxBytes());
        assertEquals(load().outboundTotalMaxBytes(), load().delivery().outboundTotalMaxBytes());
        assertEquals(64 * MIB, load(GatewayConfiguration.OUTBOUND_TOTAL_MAX_PROP_NAME, "64m").outboundTotalMaxBytes());
        final ConfigException total = assertRejected(GatewayConfiguration.OUTBOUND_TOTAL_MAX_PROP_NAME,
            GatewayConfiguration.OUTBOUND_TOTAL_MAX_PROP_NAME, "2m");
        assertTrue(total.getMessage().contains(OUTBOUND_MAX_PROP_NAME), total.getMessage());

        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "32m");
        assertRejected(MAX_PAYLOAD_PROP_NAME, MAX_PAYLOAD_PROP_NAME, "8k", MAX_BATCH_BYTES_PROP_NAME, "4k");

        // The boundaries themselves are accepted.
        assertEquals(1024, load(RING_SIZE_PROP_NAME, "1024", MAX_BATCH_MESSAGES_PROP_NAME, "1024").maxBatchMessages());
        assertEquals(4 * KIB, load(MAX_PAYLOAD_PROP_NAME, "4k", MAX_BATCH_BYTES_PROP_NAME, "4k").maxPayloadBytes());
        final int smallest = MIB + 200 + GatewayConfiguration.FRAME_OVERHEAD_BYTES;
        assertEquals(smallest, load(OUTBOUND_MAX_PROP_NAME, Integer.toString(smallest)).outboundMaxBytes());
    }

    @Test
    void shouldPrintEveryPropertyInToString() throws Exception
    {
        final List<String> names = new ArrayList<>();
        for (final Field field : GatewayConfiguration.class.getDeclaredFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_PROP_NAME"))
            {
                names.add((String)field.get(null));
            }
        }
        assertTrue(names.size() >= 22, "property constants found: " + names);

        final String text = load(RING_SIZE_PROP_NAME, "4096", MAX_BATCH_MESSAGES_PROP_NAME, "4096",
            SLOW_POLICY_PROP_NAME, "disconnect").toString();
        for (final String name : names)
        {
            assertTrue(text.contains("  " + name + " = "), name + " missing from:\n" + text);
        }
        assertTrue(text.contains("  " + RING_SIZE_PROP_NAME + " = 4096\n"), text);
        assertTrue(text.contains("  " + SLOW_POLICY_PROP_NAME + " = disconnect\n"), text);
        assertTrue(text.contains("  " + HOST_PROP_NAME + " = 127.0.0.1\n"), text);
    }

    private static GatewayConfiguration load(final String... settings)
    {
        final Properties properties = new Properties();
        for (int i = 0; i < settings.length; i += 2)
        {
            properties.setProperty(settings[i], settings[i + 1]);
        }
        return GatewayConfiguration.load(properties);
    }

    /**
     * Loads the settings, expects a {@link ConfigException} and checks that its message names {@code property}.
     */
    private static ConfigException assertRejected(final String property, final String... settings)
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> load(settings),
            () -> "accepted " + String.join(" ", settings));
        assertTrue(ex.getMessage().contains(property), "message does not name " + property + ": " + ex.getMessage());
        return ex;
    }
}
