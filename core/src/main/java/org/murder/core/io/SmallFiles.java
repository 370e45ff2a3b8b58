package org.murder.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.murder.core.ByteSize;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * Small text files murder reads whole (murder.conf, secrets, .history, myid): a regular file, read
 * up to a bound, UTF-8. A FIFO blocked the read with no writer, {@code /dev/zero} filled the heap
 * before an OutOfMemoryError: both are now refused in one line naming {@code what}.
 */
public final class SmallFiles {
    private SmallFiles() {
    }

    /**
     * Whether {@code file} is what a shell hands a command instead of a file: {@code /dev/null}, or a
     * pipe of process substitution ({@code <(vault read ...)}: {@code /dev/fd/N}, {@code /proc/self/fd/N})
     * or {@code /dev/stdin}. Those are read (bounded); a named FIFO, which blocks until some writer
     * comes, or a device such as {@code /dev/zero}, is not.
     */
    public static boolean isShellStream(Path file) {
        String p = file.toString();
        return p.equals("/dev/null") || p.equals("/dev/stdin") || p.matches("/dev/fd/\\d+") || p.matches("/proc/(self|\\d+)/fd/\\d+");
    }

    /** Whether {@code file} exists and is neither a regular file nor a {@link #isShellStream shell stream}: not to be read. */
    public static boolean refused(Path file) {
        return Files.exists(file) && !Files.isRegularFile(file) && !isShellStream(file);
    }

    /** At most {@code limit} bytes of {@code file}, whatever its size claims or it grows to. */
    public static byte[] readAtMost(Path file, long limit) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit));
        }
    }

    /**
     * The text of {@code file}; {@link NoSuchFileException} when it does not exist (callers say what
     * that means for them); bad input when it is not a regular file, holds more than {@code maxBytes}
     * or is not UTF-8.
     */
    public static String read(Path file, long maxBytes, String what) throws IOException {
        String shown = what + " " + Printable.escape(file.toString());
        if (refused(file)) {
            throw MurderException.badInput(shown + ": " + (Files.isDirectory(file) ? "a directory" : "not a regular file")
                    + " (expected: a text file)");
        }
        byte[] bytes = readAtMost(file, maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw MurderException.badInput(shown + ": more than " + ByteSize.format(maxBytes) + " (expected: a text file of at most "
                    + ByteSize.format(maxBytes) + ")");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw MurderException.badInput(shown + ": not UTF-8 text (expected: a text file)");
        }
    }
}
