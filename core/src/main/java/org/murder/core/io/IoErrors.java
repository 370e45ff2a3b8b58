package org.murder.core.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.murder.core.Printable;

/**
 * An I/O error as one line an operator reads: the path it names and what went wrong in words
 * ({@code /srv/x.torrent: permission denied}), escaped; not a Java class name.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** {@code PATH: REASON}, or the reason alone when the error names no path (a full disk's write). */
    public static String describe(IOException e) {
        String file = e instanceof FileSystemException f ? f.getFile() : null;
        return Printable.escape(file == null ? reason(e) : file + ": " + reason(e));
    }

    /**
     * Makes {@code dir} if missing and checks that a file can be made in it, so that a directory given on the
     * command line that cannot be used fails at the start, in one line naming the option, rather than at the
     * first deploy (an agent registered with a --dest-root it could not create) or as an unexpected error.
     */
    public static void requireWritableDir(java.nio.file.Path dir, String option, String expected) {
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path probe = java.nio.file.Files.createTempFile(dir, ".murder-probe-", ".tmp");
            java.nio.file.Files.delete(probe);
        } catch (IOException e) {
            throw org.murder.core.MurderException.badInput(option + " " + Printable.escape(dir.toString()) + ": cannot write there ("
                    + describe(e) + "; expected: " + expected + ")");
        }
    }

    /** What went wrong, without the path. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException f) {
            return Printable.escape(f.getReason() != null ? f.getReason() : e.getClass().getSimpleName());
        }
        return Printable.escape(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
}
