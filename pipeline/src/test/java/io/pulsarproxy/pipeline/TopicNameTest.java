package io.pulsarproxy.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static io.pulsarproxy.pipeline.TopicName.BAD_CHAR;
import static io.pulsarproxy.pipeline.TopicName.BAD_WILDCARD;
import static io.pulsarproxy.pipeline.TopicName.EMPTY;
import static io.pulsarproxy.pipeline.TopicName.EMPTY_SEGMENT;
import static io.pulsarproxy.pipeline.TopicName.TOO_LONG;
import static io.pulsarproxy.pipeline.TopicName.VALID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class TopicNameTest
{
    /** Name, expected code as a topic, expected code as a pattern. */
    static Stream<Arguments> names()
    {
        return Stream.of(
            arguments("", EMPTY, EMPTY),
            arguments("a", VALID, VALID),
            arguments("orders", VALID, VALID),
            arguments("a.b.c", VALID, VALID),
            arguments("AZaz09_-:", VALID, VALID),
            arguments("tenant-1:orders.eu_west.v2", VALID, VALID),
            arguments("a".repeat(200), VALID, VALID),
            arguments("a.".repeat(99) + "ab", VALID, VALID),
            arguments("a".repeat(201), TOO_LONG, TOO_LONG),
            arguments("a.".repeat(100) + "a", TOO_LONG, TOO_LONG),
            arguments(" ".repeat(201), TOO_LONG, TOO_LONG),
            arguments("a b", BAD_CHAR, BAD_CHAR),
            arguments(" a", BAD_CHAR, BAD_CHAR),
            arguments("a/b", BAD_CHAR, BAD_CHAR),
            arguments("a\tb", BAD_CHAR, BAD_CHAR),
            arguments("a\u007f", BAD_CHAR, BAD_CHAR),
            arguments("caf\u00e9", BAD_CHAR, BAD_CHAR),
            arguments("\u20ac", BAD_CHAR, BAD_CHAR),
            arguments("a#b", BAD_CHAR, BAD_CHAR),
            arguments("a+b", BAD_CHAR, BAD_CHAR),
            arguments("a..b", EMPTY_SEGMENT, EMPTY_SEGMENT),
            arguments(".a", EMPTY_SEGMENT, EMPTY_SEGMENT),
            arguments("a.", EMPTY_SEGMENT, EMPTY_SEGMENT),
            arguments(".", EMPTY_SEGMENT, EMPTY_SEGMENT),
            arguments("..", EMPTY_SEGMENT, EMPTY_SEGMENT),
            arguments("a.*", BAD_WILDCARD, VALID),
            arguments("*.b", BAD_WILDCARD, VALID),
            arguments("*", BAD_WILDCARD, VALID),
            arguments("a.*.c", BAD_WILDCARD, VALID),
            arguments("*.*", BAD_WILDCARD, VALID),
            arguments("a.>", BAD_WILDCARD, VALID),
            arguments(">", BAD_WILDCARD, VALID),
            arguments("*.>", BAD_WILDCARD, VALID),
            arguments("a.*.>", BAD_WILDCARD, VALID),
            arguments("a*", BAD_WILDCARD, BAD_WILDCARD),
            arguments("*a", BAD_WILDCARD, BAD_WILDCARD),
            arguments("a.b*", BAD_WILDCARD, BAD_WILDCARD),
            arguments("**", BAD_WILDCARD, BAD_WILDCARD),
            arguments("a.>.b", BAD_WILDCARD, BAD_WILDCARD),
            arguments(">.a", BAD_WILDCARD, BAD_WILDCARD),
            arguments("a.b>", BAD_WILDCARD, BAD_WILDCARD),
            arguments(">a", BAD_WILDCARD, BAD_WILDCARD),
            arguments(">>", BAD_WILDCARD, BAD_WILDCARD),
            arguments("a.>.>", BAD_WILDCARD, BAD_WILDCARD),
            arguments("a.*.", BAD_WILDCARD, EMPTY_SEGMENT),
            arguments("a..*", EMPTY_SEGMENT, EMPTY_SEGMENT));
    }

    @ParameterizedTest(name = "[{0}] topic={1} pattern={2}")
    @MethodSource("names")
    void shouldClassifyTopicsAndPatterns(final String name, final int topicCode, final int patternCode)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);

        assertEquals(topicCode, TopicName.validateTopic(bytes, 0, bytes.length), "topic " + name);
        assertEquals(patternCode, TopicName.validatePattern(bytes, 0, bytes.length), "pattern " + name);
    }

    @Test
    void shouldValidateOnlyTheGivenRange()
    {
        final byte[] buf = ascii("/ x.y /a.*/>");

        assertEquals(VALID, TopicName.validateTopic(buf, 2, 3));
        assertEquals(BAD_CHAR, TopicName.validateTopic(buf, 1, 4));
        assertEquals(VALID, TopicName.validatePattern(buf, 7, 3));
        assertEquals(BAD_WILDCARD, TopicName.validateTopic(buf, 7, 3));
        assertEquals(VALID, TopicName.validatePattern(buf, 11, 1));
        assertEquals(EMPTY, TopicName.validateTopic(buf, 5, 0));
    }

    @Test
    void shouldCheckLengthAgainstTheRangeNotTheArray()
    {
        final byte[] buf = ascii("x".repeat(500));

        assertEquals(VALID, TopicName.validateTopic(buf, 300, TopicName.MAX_LENGTH));
        assertEquals(TOO_LONG, TopicName.validateTopic(buf, 0, TopicName.MAX_LENGTH + 1));
    }

    @Test
    void shouldTellWildcardPatterns()
    {
        assertTrue(isWildcard("*"));
        assertTrue(isWildcard(">"));
        assertTrue(isWildcard("a.*"));
        assertTrue(isWildcard("*.b"));
        assertTrue(isWildcard("a.*.c"));
        assertTrue(isWildcard("a.>"));
        assertFalse(isWildcard("a"));
        assertFalse(isWildcard("a.b.c"));
        assertFalse(isWildcard("AZaz09_-:"));

        final byte[] buf = ascii("a.b.*");
        assertFalse(TopicName.isWildcard(buf, 0, 3));
        assertTrue(TopicName.isWildcard(buf, 2, 3));
    }

    @Test
    void shouldDescribeEachCodeDistinctly()
    {
        final int[] codes = {VALID, EMPTY, TOO_LONG, BAD_CHAR, EMPTY_SEGMENT, BAD_WILDCARD};
        final Set<String> texts = new HashSet<>();
        for (final int code : codes)
        {
            texts.add(TopicName.describe(code));
        }

        assertEquals(codes.length, texts.size());
        assertFalse(texts.contains(TopicName.describe(99)));
        assertEquals("topic is longer than 200 characters", TopicName.describe(TOO_LONG));
    }

    private static boolean isWildcard(final String pattern)
    {
        final byte[] bytes = ascii(pattern);
        return TopicName.isWildcard(bytes, 0, bytes.length);
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
