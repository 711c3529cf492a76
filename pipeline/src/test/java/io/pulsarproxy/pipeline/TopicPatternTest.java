package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicPatternTest
{
    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
        // '*' is exactly one segment
        "a.*,       a.b,          true",
        "a.*,       a.xyz,        true",
        "a.*,       a,            false",
        "a.*,       a.b.c,        false",
        "a.*,       b.a,          false",
        "*,         a,            true",
        "*,         a.b,          false",
        "*.b,       x.b,          true",
        "*.b,       b,            false",
        "*.b,       x.y.b,        false",
        "*.b,       x.bb,         false",
        "*.*,       a.b,          true",
        "*.*,       a,            false",
        "*.*,       a.b.c,        false",
        // '>' is one or more trailing segments
        "a.>,       a.b,          true",
        "a.>,       a.b.c,        true",
        "a.>,       a.b.c.d.e,    true",
        "a.>,       a,            false",
        "a.>,       b.a,          false",
        "a.>,       ab.c,         false",
        ">,         a,            true",
        ">,         a.b,          true",
        ">,         a.b.c.d,      true",
        "*.>,       a.b,          true",
        "*.>,       a,            false",
        "a.*.>,     a.b.c,        true",
        "a.*.>,     a.b,          false",
        // wildcard in the middle
        "a.*.c,     a.b.c,        true",
        "a.*.c,     a.xyz.c,      true",
        "a.*.c,     a.b.d,        false",
        "a.*.c,     a.b.c.d,      false",
        "a.*.c,     a.c,          false",
        "a.*.c,     a.b.cc,       false",
        // exact pattern: only itself
        "a.b,       a.b,          true",
        "a.b,       a,            false",
        "a.b,       a.b.c,        false",
        "a.b,       a.bc,         false",
        "a.b,       ab,           false",
        "a.b,       x.b,          false",
        // segments are compared whole, never as prefixes
        "a.*,       ab,           false",
        "a.*,       ab.c,         false",
        "ab.*,      a.b,          false",
        "ab.*,      a.bc,         false",
        "a.>,       abc.d,        false",
        "orders.*,  orders.eu,    true",
        "orders.*,  orders.eu.x,  false",
        "orders.>,  orders.eu.x,  true",
        "orders.>,  ordersx.eu,   false",
        "orders.eu, orders.eu,    true",
        "orders.eu, orders.e,     false",
        "orders.eu, orders.eux,   false",
    })
    void shouldMatchTopicsAsNatsDoes(final String pattern, final String topic, final boolean expected)
    {
        final byte[] patternBytes = ascii(pattern);
        final byte[] topicBytes = ascii(topic);

        assertEquals(expected, TopicPattern.matches(patternBytes, topicBytes), pattern + " vs " + topic);
        assertEquals(expected, new TopicPattern(patternBytes, 0, patternBytes.length).matches(topicBytes),
            pattern + " vs " + topic);
    }

    @Test
    void shouldCopyPatternFromOffsetAndKeepItWhenSourceChanges()
    {
        final byte[] src = ascii("xx[a.*.c]yy");

        final TopicPattern pattern = new TopicPattern(src, 3, 5);
        src[3] = 'z';
        src[5] = 'q';

        assertEquals("a.*.c", pattern.text());
        assertEquals("a.*.c", pattern.toString());
        assertArrayEquals(ascii("a.*.c"), pattern.bytes());
        assertTrue(pattern.matches(ascii("a.b.c")));
        assertFalse(pattern.matches(ascii("z.b.c")));
    }

    @Test
    void shouldTellWhetherItIsGivenBytesExactly()
    {
        final TopicPattern pattern = new TopicPattern(ascii("a.*"), 0, 3);

        assertTrue(pattern.is(ascii("a.*"), 0, 3));
        assertTrue(pattern.is(ascii("--a.*--"), 2, 3));
        assertFalse(pattern.is(ascii("--a.*--"), 2, 4), "longer");
        assertFalse(pattern.is(ascii("--a.*--"), 2, 2), "prefix");
        assertFalse(pattern.is(ascii("a.>"), 0, 3));
        assertFalse(pattern.is(ascii("a.b"), 0, 3), "a topic it matches is not the pattern itself");
        assertFalse(pattern.is(ascii("b.*"), 0, 3));
        assertFalse(pattern.is(ascii("ab.*"), 1, 3), "b.*");
        assertTrue(pattern.is(ascii("ba.*"), 1, 3));
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
