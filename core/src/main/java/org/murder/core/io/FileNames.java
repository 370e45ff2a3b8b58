package org.murder.core.io;

/**
 * The charset the JVM reads and writes file names in ({@code sun.jnu.encoding}): UTF-8 under a
 * UTF-8 locale, ASCII under {@code LANG=C}, where every name outside ASCII reads as U+FFFD and
 * cannot be made. The launcher sets {@code LC_CTYPE=C.UTF-8} when the locale is not UTF-8.
 */
public final class FileNames {
    private FileNames() {
    }

    /** The file-name charset of this JVM, e.g. {@code UTF-8} or {@code ANSI_X3.4-1968}. */
    public static String charset() {
        return System.getProperty("sun.jnu.encoding", "UTF-8");
    }

    /** Whether file names are UTF-8 here. */
    public static boolean utf8() {
        String c = charset().toUpperCase(java.util.Locale.ROOT);
        return c.equals("UTF-8") || c.equals("UTF8");
    }

    /** Empty under UTF-8; else why a name may be unreadable here, for a message. */
    public static String localeHint() {
        return utf8() ? "" : " (this process reads file names as " + charset() + ": run it under a UTF-8 locale, e.g."
                + " LC_CTYPE=C.UTF-8)";
    }

    /**
     * The bytes of {@code name}'s last component as they stand in the file system, whatever the JDK shows
     * of them (bytes that are not {@link #charset()} text read as U+FFFD): taken from the path's URI,
     * which the JDK builds from them.
     */
    public static byte[] bytes(java.nio.file.Path name) {
        String raw = name.toAbsolutePath().toUri().getRawPath();
        if (raw.endsWith("/") && raw.length() > 1) { // a directory's URI ends with '/'
            raw = raw.substring(0, raw.length() - 1);
        }
        raw = raw.substring(raw.lastIndexOf('/') + 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /**
     * Null when {@code bytes} are UTF-8; else the name shown with every byte outside printable ASCII as
     * {@code \xNN} (and '\' as {@code \x5c}), so it can be found and named: {@code caf\xe9.txt}.
     */
    public static String notUtf8(byte[] bytes) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return null;
        } catch (java.nio.charset.CharacterCodingException e) {
            StringBuilder shown = new StringBuilder();
            for (byte b : bytes) {
                if (b >= 0x20 && b < 0x7f && b != '\\') {
                    shown.append((char) b);
                } else {
                    shown.append(String.format("\\x%02x", b & 0xff));
                }
            }
            return shown.toString();
        }
    }
}
