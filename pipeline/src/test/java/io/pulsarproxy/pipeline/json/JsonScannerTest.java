package io.pulsarproxy.pipeline.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static io.pulsarproxy.pipeline.json.JsonScanner.BAD_ESCAPE;
import static io.pulsarproxy.pipeline.json.JsonScanner.BAD_LITERAL;
import static io.pulsarproxy.pipeline.json.JsonScanner.BAD_NUMBER;
import static io.pulsarproxy.pipeline.json.JsonScanner.BAD_UTF8;
import static io.pulsarproxy.pipeline.json.JsonScanner.CONTROL_CHAR;
import static io.pulsarproxy.pipeline.json.JsonScanner.FAILED;
import static io.pulsarproxy.pipeline.json.JsonScanner.OK;
import static io.pulsarproxy.pipeline.json.JsonScanner.TOO_DEEP;
import static io.pulsarproxy.pipeline.json.JsonScanner.TRAILING;
import static io.pulsarproxy.pipeline.json.JsonScanner.UNEXPECTED_CHAR;
import static io.pulsarproxy.pipeline.json.JsonScanner.UNEXPECTED_END;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class JsonScannerTest
{
    private static final int MAX_DEPTH = 4;

    private final JsonScanner scanner = new JsonScanner(MAX_DEPTH);

    static Stream<String> validDocuments()
    {
        return Stream.of(
            "{}",
            "[]",
            "{\"a\":1}",
            "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
            "[1,\"two\",3.0,{\"four\":[4]},[],{}]",
            "[[[[]]]]",
            "{\"a\":{\"b\":{\"c\":{\"d\":null}}}}",
            "  { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : { } }\r\n",
            "0",
            "-0",
            "1e5",
            "1E5",
            "1.5E-3",
            "1.5e+3",
            "-1.25e10",
            "0.0",
            "-0.0e-0",
            "123456789012345678901234567890",
            "true",
            "false",
            "null",
            "\"\"",
            "\"plain text\"",
            "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
            "\"\\u00e9\\u00E9\\uD83D\\uDE00\\u0000\\uffff\"",
            "\"caf\u00e9 \u20ac \uD83D\uDE00\"",
            "\"\u007f\"",
            "{\"\u00e9\":\"\u20ac\"}",
            " \t\r\n[1] \t\r\n");
    }

    @ParameterizedTest
    @MethodSource("validDocuments")
    void shouldAcceptValidDocument(final String text)
    {
        final byte[] doc = text.getBytes(StandardCharsets.UTF_8);
        final int expectedStart = JsonScanner.skipWhitespace(doc, 0, doc.length);

        final int start = scanner.validateDocument(doc, 0, doc.length);

        assertEquals(expectedStart, start, text);
        assertEquals(OK, scanner.error(), text);
    }

    static Stream<Arguments> validUtf8()
    {
        return Stream.of(
            arguments("U+0080 lowest 2-byte", bytes(0xC2, 0x80)),
            arguments("U+00E9 e acute", bytes(0xC3, 0xA9)),
            arguments("U+07FF highest 2-byte", bytes(0xDF, 0xBF)),
            arguments("U+0800 lowest 3-byte", bytes(0xE0, 0xA0, 0x80)),
            arguments("U+20AC euro", bytes(0xE2, 0x82, 0xAC)),
            arguments("U+D7FF below surrogates", bytes(0xED, 0x9F, 0xBF)),
            arguments("U+E000 above surrogates", bytes(0xEE, 0x80, 0x80)),
            arguments("U+FFFF highest 3-byte", bytes(0xEF, 0xBF, 0xBF)),
            arguments("U+10000 lowest 4-byte", bytes(0xF0, 0x90, 0x80, 0x80)),
            arguments("U+1F600 emoji", bytes(0xF0, 0x9F, 0x98, 0x80)),
            arguments("U+10FFFF highest", bytes(0xF4, 0x8F, 0xBF, 0xBF)),
            arguments("mixed", bytes("a", 0xC3, 0xA9, "b", 0xE2, 0x82, 0xAC, "c", 0xF0, 0x9F, 0x98, 0x80, "d")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validUtf8")
    void shouldAcceptWellFormedMultiByteUtf8InString(final String label, final byte[] chars)
    {
        final byte[] doc = bytes("\"", chars, "\"");

        assertEquals(doc.length, scanner.scanString(doc, 0, doc.length), label);
        assertEquals(OK, scanner.error(), label);
        assertEquals(0, scanner.validateDocument(doc, 0, doc.length), label);
    }

    static Stream<Arguments> invalidDocuments()
    {
        return Stream.of(
            // structure
            arguments("empty input", bytes(""), UNEXPECTED_END, 0),
            arguments("only whitespace", bytes("  \n"), UNEXPECTED_END, 3),
            arguments("trailing comma in array", bytes("[1,]"), UNEXPECTED_CHAR, 3),
            arguments("trailing comma in object", bytes("{\"a\":1,}"), UNEXPECTED_CHAR, 7),
            arguments("leading comma", bytes("[,1]"), UNEXPECTED_CHAR, 1),
            arguments("missing comma", bytes("[1 2]"), UNEXPECTED_CHAR, 3),
            arguments("missing colon", bytes("{\"a\" 1}"), UNEXPECTED_CHAR, 5),
            arguments("unquoted key", bytes("{a:1}"), UNEXPECTED_CHAR, 1),
            arguments("missing comma between members", bytes("{\"a\":1 \"b\":2}"), UNEXPECTED_CHAR, 7),
            arguments("closing bracket alone", bytes("]"), UNEXPECTED_CHAR, 0),
            arguments("mismatched bracket", bytes("[1}"), UNEXPECTED_CHAR, 2),
            arguments("raw UTF-8 outside a string", bytes(0xC3, 0xA9), UNEXPECTED_CHAR, 0),
            // unexpected end
            arguments("unclosed array", bytes("[1,2"), UNEXPECTED_END, 4),
            arguments("array ends after comma", bytes("[1,"), UNEXPECTED_END, 3),
            arguments("open bracket only", bytes("["), UNEXPECTED_END, 1),
            arguments("open brace only", bytes("{"), UNEXPECTED_END, 1),
            arguments("object ends after key", bytes("{\"a\""), UNEXPECTED_END, 4),
            arguments("object ends after colon", bytes("{\"a\":"), UNEXPECTED_END, 5),
            arguments("object ends after value", bytes("{\"a\":1"), UNEXPECTED_END, 6),
            arguments("unclosed string", bytes("\"abc"), UNEXPECTED_END, 4),
            arguments("string ends in backslash", bytes("\"ab\\"), UNEXPECTED_END, 4),
            arguments("string ends inside \\u", bytes("\"\\u12"), UNEXPECTED_END, 5),
            // trailing data
            arguments("two values", bytes("1 2"), TRAILING, 2),
            arguments("two objects", bytes("{} {}"), TRAILING, 3),
            arguments("extra bracket", bytes("[1]]"), TRAILING, 3),
            arguments("two strings", bytes("\"a\"\"b\""), TRAILING, 3),
            arguments("comma after value", bytes("null,"), TRAILING, 4),
            arguments("word after value", bytes("true x"), TRAILING, 5),
            // numbers
            arguments("leading zero", bytes("01"), TRAILING, 1),
            arguments("leading zero in array", bytes("[01]"), UNEXPECTED_CHAR, 2),
            arguments("negative leading zero", bytes("-01"), TRAILING, 2),
            arguments("lone minus", bytes("-"), BAD_NUMBER, 0),
            arguments("lone minus in array", bytes("[-]"), BAD_NUMBER, 1),
            arguments("minus letter", bytes("-a"), BAD_NUMBER, 0),
            arguments("double minus", bytes("--1"), BAD_NUMBER, 0),
            arguments("dot without fraction", bytes("1."), BAD_NUMBER, 0),
            arguments("dot without fraction in array", bytes("[0, 1.]"), BAD_NUMBER, 4),
            arguments("dot then exponent", bytes("1.e5"), BAD_NUMBER, 0),
            arguments("exponent without digits", bytes("1e"), BAD_NUMBER, 0),
            arguments("signed exponent without digits", bytes("1e+"), BAD_NUMBER, 0),
            arguments("fraction exponent without digits", bytes("2.5E-"), BAD_NUMBER, 0),
            arguments("plus sign", bytes("+1"), UNEXPECTED_CHAR, 0),
            arguments("leading dot", bytes(".5"), UNEXPECTED_CHAR, 0),
            arguments("NaN", bytes("NaN"), UNEXPECTED_CHAR, 0),
            arguments("negative Infinity", bytes("-Infinity"), BAD_NUMBER, 0),
            // literals
            arguments("tru", bytes("tru"), BAD_LITERAL, 0),
            arguments("nul", bytes("nul"), BAD_LITERAL, 0),
            arguments("fals", bytes("fals"), BAD_LITERAL, 0),
            arguments("f", bytes("f"), BAD_LITERAL, 0),
            arguments("trUe", bytes("trUe"), BAD_LITERAL, 0),
            arguments("nulL", bytes("nulL"), BAD_LITERAL, 0),
            arguments("faLse", bytes("faLse"), BAD_LITERAL, 0),
            arguments("tru in array", bytes("[tru]"), BAD_LITERAL, 1),
            arguments("falsey", bytes("falsey"), TRAILING, 5),
            arguments("falsey in array", bytes("[falsey]"), UNEXPECTED_CHAR, 6),
            arguments("nullx", bytes("nullx"), TRAILING, 4),
            // escapes
            arguments("escape \\x", bytes("\"\\x\""), BAD_ESCAPE, 1),
            arguments("escape \\a after text", bytes("\"abc\\a\""), BAD_ESCAPE, 4),
            arguments("escape \\U upper case", bytes("\"\\U00e9\""), BAD_ESCAPE, 1),
            arguments("escape \\u with non-hex", bytes("\"ab\\u12G4\""), BAD_ESCAPE, 3),
            arguments("escape \\u cut by closing quote", bytes("\"\\u12\""), BAD_ESCAPE, 1),
            arguments("escape \\u cut by closing quote in array", bytes("[\"\\u12\"]"), BAD_ESCAPE, 2),
            arguments("escaped apostrophe", bytes("\"\\'\""), BAD_ESCAPE, 1),
            // control characters
            arguments("raw tab", bytes("\"a\tb\""), CONTROL_CHAR, 2),
            arguments("raw line feed", bytes("\"ab\ncd\""), CONTROL_CHAR, 3),
            arguments("raw NUL", bytes("\"", 0x00, "\""), CONTROL_CHAR, 1),
            arguments("raw 0x1F", bytes("[\"x", 0x1F, "\"]"), CONTROL_CHAR, 3),
            arguments("control char in key", bytes("{\"k", 0x01, "\":1}"), CONTROL_CHAR, 3),
            // UTF-8
            arguments("overlong C0 80", bytes("\"", 0xC0, 0x80, "\""), BAD_UTF8, 1),
            arguments("overlong C1 BF", bytes("\"", 0xC1, 0xBF, "\""), BAD_UTF8, 1),
            arguments("overlong E0 80 80", bytes("\"", 0xE0, 0x80, 0x80, "\""), BAD_UTF8, 1),
            arguments("overlong E0 9F BF", bytes("\"", 0xE0, 0x9F, 0xBF, "\""), BAD_UTF8, 1),
            arguments("overlong F0 8F BF BF", bytes("\"", 0xF0, 0x8F, 0xBF, 0xBF, "\""), BAD_UTF8, 1),
            arguments("surrogate ED A0 80", bytes("\"", 0xED, 0xA0, 0x80, "\""), BAD_UTF8, 1),
            arguments("surrogate ED BF BF", bytes("\"ab", 0xED, 0xBF, 0xBF, "\""), BAD_UTF8, 3),
            arguments("above U+10FFFF F4 90 80 80", bytes("\"", 0xF4, 0x90, 0x80, 0x80, "\""), BAD_UTF8, 1),
            arguments("lead byte F5", bytes("\"", 0xF5, 0x80, 0x80, 0x80, "\""), BAD_UTF8, 1),
            arguments("lead byte F8", bytes("\"", 0xF8, 0x88, 0x80, 0x80, 0x80, "\""), BAD_UTF8, 1),
            arguments("byte FF", bytes("\"", 0xFF, "\""), BAD_UTF8, 1),
            arguments("stray continuation 80", bytes("\"", 0x80, "\""), BAD_UTF8, 1),
            arguments("stray continuation after valid char", bytes("\"", 0xC3, 0xA9, 0xA9, "\""), BAD_UTF8, 3),
            arguments("2-byte sequence cut by quote", bytes("\"", 0xC3, "\""), BAD_UTF8, 1),
            arguments("3-byte sequence cut by quote", bytes("\"x", 0xE2, 0x82, "\""), BAD_UTF8, 2),
            arguments("3-byte sequence with ASCII third byte", bytes("\"", 0xE2, 0x82, 0x41, "\""), BAD_UTF8, 1),
            arguments("4-byte sequence cut by end of input", bytes("\"ab", 0xF0, 0x9F, 0x98), BAD_UTF8, 3),
            arguments("2-byte lead at end of input", bytes("\"", 0xC3), BAD_UTF8, 1),
            arguments("bad UTF-8 in key", bytes("{\"", 0xC0, 0xAF, "\":1}"), BAD_UTF8, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDocuments")
    void shouldRejectInvalidDocumentWithCodeAndOffset(
        final String label, final byte[] doc, final int expectedError, final int expectedOffset)
    {
        final int result = scanner.validateDocument(doc, 0, doc.length);

        assertEquals(FAILED, result, label);
        assertEquals(expectedError, scanner.error(), label + ": " + scanner.errorMessage());
        assertEquals(expectedOffset, scanner.errorOffset(), label);
    }

    @Test
    void shouldAcceptArraysNestedExactlyToMaxDepth()
    {
        assertValid("[[[[1]]]]");
        assertValid("[[[[]]]]");
        assertValid("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}");
        assertValid("[{\"a\":[{\"b\":2}]}]");
        assertValid("[[[[1]]],[[[2]]],{\"x\":{\"y\":{}}}]");
    }

    @Test
    void shouldRejectNestingOneDeeperThanMaxDepth()
    {
        assertInvalid("[[[[[1]]]]]", TOO_DEEP, 4);
        assertInvalid("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", TOO_DEEP, 20);
        assertInvalid("[{\"a\":[{\"b\":[]}]}]", TOO_DEEP, 12);
        assertInvalid("[[[[1]]],[[[[2]]]]]", TOO_DEEP, 12);
    }

    @Test
    void shouldApplyDepthOneAsFlatContainersOnly()
    {
        final JsonScanner flat = new JsonScanner(1);

        final byte[] ok = ascii("[1,\"a\",true,null]");
        assertEquals(0, flat.validateDocument(ok, 0, ok.length));
        final byte[] okObject = ascii("{\"a\":1,\"b\":\"c\"}");
        assertEquals(0, flat.validateDocument(okObject, 0, okObject.length));

        final byte[] nested = ascii("[[]]");
        assertEquals(FAILED, flat.validateDocument(nested, 0, nested.length));
        assertEquals(TOO_DEEP, flat.error());
        assertEquals(1, flat.errorOffset());

        final byte[] nestedObject = ascii("{\"a\":{}}");
        assertEquals(FAILED, flat.validateDocument(nestedObject, 0, nestedObject.length));
        assertEquals(TOO_DEEP, flat.error());
        assertEquals(5, flat.errorOffset());
    }

    @Test
    void shouldStopVeryDeepNestingWithTooDeepInsteadOfOverflowingTheStack()
    {
        final int levels = 100_000;
        final byte[] doc = new byte[levels * 2];
        for (int i = 0; i < levels; i++)
        {
            doc[i] = '[';
            doc[doc.length - 1 - i] = ']';
        }
        final JsonScanner deep = new JsonScanner(64);

        assertEquals(FAILED, deep.validateDocument(doc, 0, doc.length));
        assertEquals(TOO_DEEP, deep.error());
        assertEquals(64, deep.errorOffset());

        assertEquals(levels - 64, deep.validateDocument(doc, levels - 64, levels + 64));
        assertEquals(OK, deep.error());
    }

    @Test
    void shouldReturnOffsetJustPastValueFromScanValue()
    {
        assertEquals(3, scanner.scanValue(ascii("123,"), 0, 4));
        assertEquals(2, scanner.scanValue(ascii("-0]"), 0, 3));
        assertEquals(6, scanner.scanValue(ascii("1.5E-3 "), 0, 7));
        assertEquals(5, scanner.scanValue(ascii("[1,2] x"), 0, 7));
        assertEquals(4, scanner.scanValue(ascii("\"ab\"x"), 0, 5));
        assertEquals(4, scanner.scanValue(ascii("true]"), 0, 5));
        assertEquals(5, scanner.scanValue(ascii("false,"), 0, 6));
        assertEquals(4, scanner.scanValue(ascii("null}"), 0, 5));
        assertEquals(11, scanner.scanValue(ascii("x {\"a\":[1]} y"), 2, 13));
        assertEquals(OK, scanner.error());
    }

    @Test
    void shouldNotSkipLeadingWhitespaceInScanValue()
    {
        final byte[] doc = ascii(" 1");

        assertEquals(FAILED, scanner.scanValue(doc, 0, doc.length));
        assertEquals(UNEXPECTED_CHAR, scanner.error());
        assertEquals(0, scanner.errorOffset());
    }

    @Test
    void shouldScanStringFromItsOpeningQuote()
    {
        final byte[] doc = bytes("x\"a\\n", 0xC3, 0xA9, "\\u20AC\"y");

        assertEquals(doc.length - 1, scanner.scanString(doc, 1, doc.length));
        assertEquals(OK, scanner.error());
    }

    @Test
    void shouldRejectScanStringNotAtQuote()
    {
        final byte[] doc = ascii("x\"a\"");

        assertEquals(FAILED, scanner.scanString(doc, 0, doc.length));
        assertEquals(UNEXPECTED_CHAR, scanner.error());
        assertEquals(0, scanner.errorOffset());

        assertEquals(FAILED, scanner.scanString(doc, 4, doc.length));
        assertEquals(UNEXPECTED_END, scanner.error());
        assertEquals(4, scanner.errorOffset());
    }

    @Test
    void shouldRejectUnterminatedStringWhenLimitCutsIt()
    {
        final byte[] doc = ascii("\"abc\"");

        assertEquals(FAILED, scanner.scanString(doc, 0, 4));
        assertEquals(UNEXPECTED_END, scanner.error());
        assertEquals(4, scanner.errorOffset());
    }

    @Test
    void shouldValidateOnlyTheGivenSlice()
    {
        final byte[] doc = ascii("garbage[1, {\"a\": 2}]garbage");
        final int from = 7;
        final int to = doc.length - 7;

        assertEquals(from, scanner.validateDocument(doc, from, to));
        assertEquals(OK, scanner.error());

        assertEquals(FAILED, scanner.validateDocument(doc, from, to - 1));
        assertEquals(UNEXPECTED_END, scanner.error());
        assertEquals(to - 1, scanner.errorOffset());

        assertEquals(FAILED, scanner.validateDocument(doc, from, to + 1));
        assertEquals(TRAILING, scanner.error());
        assertEquals(to, scanner.errorOffset());
    }

    @Test
    void shouldClearErrorAfterSuccessfulScan()
    {
        final byte[] bad = ascii("[1,]");
        assertEquals(FAILED, scanner.validateDocument(bad, 0, bad.length));
        assertEquals(UNEXPECTED_CHAR, scanner.error());

        final byte[] good = ascii("[1]");
        assertEquals(0, scanner.validateDocument(good, 0, good.length));
        assertEquals(OK, scanner.error());
    }

    @Test
    void shouldRecordErrorsReportedByCallers()
    {
        assertEquals(FAILED, scanner.fail(BAD_NUMBER, 17));
        assertEquals(BAD_NUMBER, scanner.error());
        assertEquals(17, scanner.errorOffset());
        assertEquals("malformed number", scanner.errorMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void shouldRejectMaxDepthBelowOne(final int maxDepth)
    {
        assertThrows(IllegalArgumentException.class, () -> new JsonScanner(maxDepth));
    }

    @Test
    void shouldDescribeEveryErrorCode()
    {
        assertEquals("no error", JsonScanner.describe(OK, 8));
        assertEquals("JSON nested deeper than 8 levels", JsonScanner.describe(TOO_DEEP, 8));
        final int[] codes = {
            UNEXPECTED_END, UNEXPECTED_CHAR, BAD_ESCAPE, BAD_UTF8, CONTROL_CHAR, BAD_NUMBER, BAD_LITERAL, TRAILING};
        for (final int code : codes)
        {
            final String text = JsonScanner.describe(code, 8);
            assertTrue(!text.equals("malformed JSON") && !text.equals("no error"), "code " + code + ": " + text);
        }
        assertEquals(4, scanner.maxDepth());
    }

    /**
     * Strings are scanned eight bytes at a time while the bytes are plain: every special byte must be found at every
     * position in a word and in the short tail past the last whole word, and the limit must never be read past.
     */
    @Test
    void shouldFindEverySpecialByteAtEveryPositionOfAWord()
    {
        for (int before = 0; before <= 17; before++)
        {
            final String pad = "a".repeat(before);
            final String context = "after " + before + " plain bytes";

            final byte[] closed = ascii("\"" + pad + "\"xxxxxxxxxxxxxxxx");
            assertEquals(before + 2, scanner.scanString(closed, 0, closed.length), context);

            final byte[] escaped = ascii("\"" + pad + "\\\"" + pad + "\"");
            assertEquals(escaped.length, scanner.scanString(escaped, 0, escaped.length), context);

            final byte[] control = ascii("\"" + pad + "\u0001" + "bbbbbbbbbbbbbbbb\"");
            assertEquals(FAILED, scanner.scanString(control, 0, control.length), context);
            assertEquals(CONTROL_CHAR, scanner.error(), context);
            assertEquals(before + 1, scanner.errorOffset(), context);

            final byte[] utf8 = ("\"" + pad + "\u00e9\u20ac" + pad + "\"").getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length, scanner.scanString(utf8, 0, utf8.length), context);

            final byte[] broken = ascii("\"" + pad + "?bbbbbbbbbbbbbbbb\"");
            broken[before + 1] = (byte)0xFF;
            assertEquals(FAILED, scanner.scanString(broken, 0, broken.length), context);
            assertEquals(BAD_UTF8, scanner.error(), context);
            assertEquals(before + 1, scanner.errorOffset(), context);

            // The closing quote lies just past the limit: the scan must stop at the limit, not find it.
            final byte[] cut = ascii("\"" + pad + "bbbbbbbb\"");
            assertEquals(FAILED, scanner.scanString(cut, 0, cut.length - 1), context);
            assertEquals(UNEXPECTED_END, scanner.error(), context);
        }
    }

    @Test
    void shouldSkipOnlyJsonWhitespace()
    {
        final byte[] doc = bytes(" \t\r\n", 0x0B, "x");

        assertEquals(4, JsonScanner.skipWhitespace(doc, 0, doc.length));
        assertEquals(2, JsonScanner.skipWhitespace(doc, 0, 2));
        assertEquals(5, JsonScanner.skipWhitespace(doc, 5, doc.length));
    }

    private void assertValid(final String text)
    {
        final byte[] doc = ascii(text);
        assertEquals(0, scanner.validateDocument(doc, 0, doc.length), text + ": " + scanner.errorMessage());
        assertEquals(OK, scanner.error(), text);
    }

    private void assertInvalid(final String text, final int expectedError, final int expectedOffset)
    {
        final byte[] doc = ascii(text);
        assertEquals(FAILED, scanner.validateDocument(doc, 0, doc.length), text);
        assertEquals(expectedError, scanner.error(), text);
        assertEquals(expectedOffset, scanner.errorOffset(), text);
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Concatenates UTF-8 strings, byte arrays and single raw bytes given as ints. */
    private static byte[] bytes(final Object... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final Object part : parts)
        {
            if (part instanceof String)
            {
                out.writeBytes(((String)part).getBytes(StandardCharsets.UTF_8));
            }
            else if (part instanceof byte[])
            {
                out.writeBytes((byte[])part);
            }
            else
            {
                out.write((Integer)part);
            }
        }
        return out.toByteArray();
    }
}
