package org.murder.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tmpfs mounted on a test's directory (a small or read-only file system, for a full disk or a
 * read-only destination), unmounted on close. The test is skipped, not failed, where it cannot be
 * mounted: not root, or no mount in this container.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs with {@code options} (as {@code mount -o}: {@code size=2m}, {@code ro,size=64k}) on {@code dir}, made if missing. */
    public static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts a tmpfs: needs root");
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()).inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here");
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Unmounts it; an unmount that fails (the file system busy) is an error, not a mount left behind quietly. */
    @Override
    public void close() throws IOException {
        int exit;
        try {
            exit = new ProcessBuilder("umount", dir.toString()).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("umount " + dir + ": interrupted", e);
        }
        if (exit != 0) {
            throw new IOException("umount " + dir + ": exit " + exit);
        }
    }
}
