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
     * Refuses (exit 2) {@code path} when a user other than root and this process's may change it or what it
     * holds: writable by everyone (a directory too, sticky or not: in a 1777 directory every user may add
     * files, and an overlay directory's files all go into the release), owned by another user, or in a
     * directory another user owns or every user may write without the sticky bit (they could put another
     * file in its place). A link is judged by its target, and the directories of both. For what a root
     * daemon takes commands or files from (its hooks, its settings, its overlays), anyone who can change it
     * runs commands as root. A path that cannot be read is left to its reader to report.
     */
    public static void refuseChangeableByEveryone(Path path, String what) {
        int mode = modeOf(path); // a link's target: a link's own mode is always 0777
        if (mode < 0) {
            return;
        }
        if ((mode & 0002) != 0) {
            throw refused(what, path, "every user of this host may change it (mode " + String.format("%04o", mode & 07777)
                    + "; expected: not writable by others, e.g. chmod o-w: what it holds runs as root)");
        }
        int self = uidOf(Path.of("/proc/self"));
        if (self < 0) {
            return; // no /proc: the mode is all this can judge
        }
        int owner = uidOf(path);
        if (owner > 0 && owner != self) {
            throw refused(what, path, "owned by uid " + owner + ", who may change it (expected: owned by root"
                    + (self == 0 ? "" : " or uid " + self + ", this agent's user") + ": what it holds runs as "
                    + (self == 0 ? "root" : "this agent's user") + ")");
        }
        java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
        Path given = path.toAbsolutePath().getParent();
        for (Path d = given; d != null; d = d.getParent()) {
            dirs.add(d);
        }
        try {
            for (Path d = path.toRealPath().getParent(); d != null; d = d.getParent()) {
                dirs.add(d);
            }
        } catch (IOException unreadable) {
            // its reader says why
        }
        for (Path d : dirs) {
            int dirMode = modeOf(d);
            if (dirMode < 0) {
                continue;
            }
            int dirOwner = uidOf(d);
            if (dirOwner > 0 && dirOwner != self) {
                throw refused(what, path, "in " + org.murder.core.Printable.escape(d.toString()) + ", owned by uid " + dirOwner
                        + ", who may put another file in its place (expected: directories owned by root"
                        + (self == 0 ? "" : " or this agent's user") + ")");
            }
            if ((dirMode & 0002) != 0 && (dirMode & 01000) == 0) {
                throw refused(what, path, "in " + org.murder.core.Printable.escape(d.toString()) + ", which every user may"
                        + " change (mode " + String.format("%04o", dirMode & 07777) + "; expected: not writable by others, or"
                        + " sticky as /tmp)");
            }
        }
    }

    /**
     * Refuses (exit 2) directory {@code dir} itself (not its parents) when a user other than root and this process's may add
     * files to it: writable by every user, sticky or not, or owned by another user. For the directories under an overlay
     * directory, whose files all go into every release.
     */
    public static void refuseFillableByOthers(Path dir, String what) {
        int mode = modeOf(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (mode < 0) {
            return;
        }
        if ((mode & 0002) != 0) {
            throw refused(what, dir, "every user of this host may add files to it (mode " + String.format("%04o", mode & 07777)
                    + "; expected: not writable by others, e.g. chmod o-w: what it holds goes into every release)");
        }
        int self = uidOf(Path.of("/proc/self"));
        int owner = uidOf(dir);
        if (self >= 0 && owner > 0 && owner != self) {
            throw refused(what, dir, "owned by uid " + owner + ", who may add files to it (expected: owned by root"
                    + (self == 0 ? "" : " or this agent's user") + ": what it holds goes into every release)");
        }
    }

    private static org.murder.core.MurderException refused(String what, Path path, String why) {
        return org.murder.core.MurderException.badInput(what + " " + org.murder.core.Printable.escape(path.toString()) + ": " + why);
    }

    /** The owner's uid of {@code path} (a link's target), or -1 when it cannot be read. */
    private static int uidOf(Path path) {
        return unixAttribute(path, "unix:uid");
    }

    /** The mode of {@code path} (its type bits too), or -1 when it cannot be read. */
    private static int modeOf(Path path, java.nio.file.LinkOption... options) {
        return unixAttribute(path, "unix:mode", options);
    }

    private static int unixAttribute(Path path, String name, java.nio.file.LinkOption... options) {
        try {
            return (Integer) Files.getAttribute(path, name, options);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }
}
