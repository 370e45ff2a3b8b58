package org.murder.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits as the octal mode a tar header holds ({@code 0754}) and as the JDK's permission sets. */
public final class FileModes {
    /** OWNER_READ (0400) ... OTHERS_EXECUTE (0001), in the JDK's declaration order. */
    private static final PosixFilePermission[] ALL = PosixFilePermission.values();

    private FileModes() {
    }

    /** The octal mode of {@code perms} (0 to 0777). */
    public static int bits(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    /** The permissions of the low 9 bits of {@code mode}; setuid, setgid and sticky are ignored. */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < ALL.length; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                perms.add(ALL[i]);
            }
        }
        return perms;
    }

    /**
     * Refuses (exit 2) {@code path} when every user of the host may change it: a file, or a directory
     * without the sticky bit (/tmp's 1777 lets users change only their own files). For what a root
     * daemon takes commands or files from (its hooks, its settings, its overlays), anyone who can
     * change it runs commands as root. A path that cannot be read is left to its reader to report.
     */
    public static void refuseChangeableByEveryone(Path path, String what) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode"); // a link's target: a link's own mode is always 0777
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return;
        }
        boolean directory = (mode & 0170000) == 0040000;
        if ((mode & 0002) != 0 && !(directory && (mode & 01000) != 0)) {
            throw org.murder.core.MurderException.badInput(what + " " + org.murder.core.Printable.escape(path.toString())
                    + ": every user of this host may change it (mode " + String.format("%04o", mode & 07777) + "; expected: not"
                    + " writable by others, e.g. chmod o-w: what it holds runs as root)");
        }
    }
}
