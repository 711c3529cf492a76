package io.pulsarproxy.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link RedisServer} fixture against the real {@code /usr/bin/redis-server}: it starts, answers, dies when
 * killed, comes back on the same port with its append-only data, and cleans up after itself.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisServerTest
{
    @Test
    void shouldStartAnswerAndParseEveryReplyType() throws Exception
    {
        try (RedisServer redis = RedisServer.start())
        {
            assertTrue(redis.port() > 0);
            assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
            assertEquals("PONG", redis.command("PING"));
            assertEquals("OK", redis.command("SET", "k", "v\r\nwith a line break"));
            assertEquals("v\r\nwith a line break", redis.string("GET", "k"));
            assertNull(redis.command("GET", "missing"));
            assertEquals(2L, redis.integer("RPUSH", "l", "a", "b"));
            assertEquals(List.of("a", "b"), redis.list("LRANGE", "l", "0", "-1"));
            assertEquals("1-0", redis.string("XADD", "s", "1-0", "t", "10", "p", "{\"a\":1}"));
            assertEquals(1L, redis.integer("XLEN", "s"));
            final List<Object> entries = redis.list("XRANGE", "s", "-", "+");
            assertEquals(List.of(List.of("1-0", List.of("t", "10", "p", "{\"a\":1}"))), entries);
            final RedisServer.ErrorReply error =
                assertThrows(RedisServer.ErrorReply.class, () -> redis.command("NOSUCHCOMMAND"));
            assertTrue(error.getMessage().contains("unknown command"), error.getMessage());

            // It runs with the settings the cluster tests rely on.
            assertEquals(List.of("appendonly", "yes"), redis.list("CONFIG", "GET", "appendonly"));
            assertEquals(List.of("appendfsync", "always"), redis.list("CONFIG", "GET", "appendfsync"));
            assertEquals(List.of("save", ""), redis.list("CONFIG", "GET", "save"));
            assertEquals(List.of("dir", redis.dir().toRealPath().toString()), redis.list("CONFIG", "GET", "dir"));

            redis.flushAll();
            assertEquals(0L, redis.integer("DBSIZE"));
        }
    }

    @Test
    void shouldKeepAppendOnlyDataAcrossKillAndRestartOnTheSamePort() throws Exception
    {
        try (RedisServer redis = RedisServer.start())
        {
            final int port = redis.port();
            for (int i = 1; i <= 100; i++)
            {
                redis.command("XADD", "log", i + "-0", "p", Integer.toString(i));
            }
            redis.command("HSET", "meta", "seq", "100", "epoch", "e1");

            redis.kill();
            assertFalse(redis.isRunning());
            assertThrows(UncheckedIOException.class, () -> redis.command("PING"), "killed, yet it answers");

            redis.restart();
            assertTrue(redis.isRunning());
            assertEquals(port, redis.port());
            assertEquals(100L, redis.integer("XLEN", "log"), "the append-only file was not reloaded");
            assertEquals("100", redis.string("HGET", "meta", "seq"));
            assertEquals("e1", redis.string("HGET", "meta", "epoch"));

            // restart() on a running server kills it first.
            redis.command("SET", "after", "restart");
            redis.restart();
            assertEquals("restart", redis.string("GET", "after"));
        }
    }

    @Test
    void shouldPushPubSubMessagesOnAConnectionOfItsOwn() throws Exception
    {
        try (RedisServer redis = RedisServer.start();
            RedisServer.Connection subscriber = redis.connect())
        {
            assertEquals(List.of("subscribe", "ch", 1L), subscriber.command("SUBSCRIBE", "ch"));
            assertEquals(1L, redis.integer("PUBLISH", "ch", "hello"));
            assertEquals(List.of("message", "ch", "hello"), subscriber.read());
        }
    }

    @Test
    void shouldRunSeveralServersSideBySideAndDeleteTheirDirsOnClose() throws Exception
    {
        final Path dirA;
        final Path dirB;
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start())
        {
            assertNotEquals(a.port(), b.port());
            a.command("SET", "who", "a");
            b.command("SET", "who", "b");
            assertEquals("a", a.string("GET", "who"));
            assertEquals("b", b.string("GET", "who"));
            dirA = a.dir();
            dirB = b.dir();
            assertTrue(Files.isDirectory(dirA));
        }
        assertFalse(Files.exists(dirA), dirA + " left behind");
        assertFalse(Files.exists(dirB), dirB + " left behind");
    }

    @Test
    void shouldStopTheProcessOnClose() throws Exception
    {
        final int port;
        try (RedisServer redis = RedisServer.start())
        {
            port = redis.port();
        }
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close(), "still listening");
    }

    @Test
    void shouldFailWithAClearMessageWhenRedisServerIsNotInstalled()
    {
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
            () -> RedisServer.start(Path.of("/nonexistent/redis-server")));
        assertTrue(missing.getMessage().contains("/nonexistent/redis-server is not installed"), missing.getMessage());
        assertTrue(missing.getMessage().contains("apt-get install redis-server"), missing.getMessage());
    }
}
