package org.murder.maker;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * One thing to put in the release tarball.
 *
 * @param source       where it is on disk
 * @param name         its archive name: relative, '/'-separated, directories ending in '/'
 * @param kind         directory, regular file or symbolic link
 * @param mode         permission bits
 * @param size         content length of a regular file, else 0
 * @param modified     last modification time, kept in the archive
 * @param linkTarget   the link text of a symbolic link, else empty
 */
record PackEntry(Path source, String name, Kind kind, int mode, long size, FileTime modified, String linkTarget) {
    enum Kind { DIRECTORY, FILE, SYMLINK }
}
