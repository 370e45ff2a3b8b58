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
}
