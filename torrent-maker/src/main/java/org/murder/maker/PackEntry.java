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
 * @param linkTarget   the link text of a symbolic link, the archive name of the file a hard link is
 *                     another name for, else empty
 * @param changed      the inode's change time (ctime) when listed: a file read since with another was
 *                     written meanwhile
 * @param inode        device and inode number, e.g. {@code "2049:1234"}
 * @param links        the file's number of names (hard links)
 */
record PackEntry(Path source, String name, Kind kind, int mode, long size, FileTime modified, String linkTarget,
        FileTime changed, String inode, int links) {
    /** A hard link, the entry's archive name, is written as a file's other name: no content of its own. */
    enum Kind { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /** This file's entry as another name for the file archived as {@code first}. */
    PackEntry asHardLinkTo(String first) {
        return new PackEntry(source, name, Kind.HARDLINK, mode, 0, modified, first, changed, inode, links);
    }
}
