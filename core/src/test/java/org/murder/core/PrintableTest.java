package org.murder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlCharactersAndTextReversalsAreEscaped() {
        assertEquals("v42\\x1b[31mOK\\x0d\\x0aforged", Printable.escape("v42\u001b[31mOK\r\nforged"));
        assertEquals("abc\\u202egpj.exe", Printable.escape("abc\u202egpj.exe"));
        assertEquals("\\x7f\\x9b", Printable.escape("\u007f\u009b"));
        assertFalse(Printable.isPlain("a\u0007"));
    }

    @Test
    void separatorsAndZeroWidthCharactersThatForgeALineOrPassForAnotherNameAreEscaped() {
        assertEquals("v42\\u2028done v43", Printable.escape("v42\u2028done v43"));
        assertEquals("a\\u2029b", Printable.escape("a\u2029b"));
        assertEquals("v4\\u200b2 v4\\u200d2 v4\\u20602 \\ufeffv42", Printable.escape("v4\u200b2 v4\u200d2 v4\u20602 \ufeffv42"));
        assertEquals("\\u061cv42", Printable.escape("\u061cv42"));
        // beyond the BMP: the invisible tag characters ("ASCII smuggling"), and a lone surrogate
        assertEquals("v42\\U+E0001\\U+E0068\\U+E0069", Printable.escape("v42" + new String(Character.toChars(0xE0001))
                + new String(Character.toChars(0xE0068)) + new String(Character.toChars(0xE0069))));
        assertEquals("a\\ud800b", Printable.escape("a\ud800b"));
        String rocket = new String(Character.toChars(0x1F680));
        assertEquals("ab...", Printable.escape("ab" + rocket, 3), "never half a pair");
    }

    @Test
    void bytesThatAreNotUtf8AreShownEachAsItsValue() {
        assertEquals("caf\u00e9 a\\xffb \\xc3(\\x1b", Printable.escapeBytes(new byte[] {'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, ' ', 'a',
            (byte) 0xff, 'b', ' ', (byte) 0xc3, '(', 0x1b}));
        assertEquals("", Printable.escapeBytes(new byte[0]));
    }

    @Test
    void plainTextIsLeftAsItIs() {
        String s = "release-v42 é ü 中文 (ok) émoji 🚀 ∑";
        assertTrue(Printable.isPlain(s));
        assertSame(s, Printable.escape(s));
    }
    @Test
    void jsonSafeEscapesWhatATerminalWouldObeyAndLeavesTheRestAsItIs() {
        assertEquals("{\"c\":\"a\\u009bb\\u202ec\\u2028d é 日本\"}", Printable.jsonSafe("{\"c\":\"a\u009bb\u202ec\u2028d é 日本\"}"));
        String plain = "{\"c\":\"plain é\"}";
        assertSame(plain, Printable.jsonSafe(plain), "nothing to escape: the same string");
    }
    @Test
    void blanksThatAreMarksOrLettersAreEscapedAsTheWebPageDoes() {
        assertEquals("a\\u034fb\\u3164c\\uffa0d\\u115fe", Printable.escape("a\u034fb\u3164c\uffa0d\u115fe"));
    }
}
