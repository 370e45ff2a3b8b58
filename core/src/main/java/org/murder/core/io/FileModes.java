package org.murder.core.io;

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
}
