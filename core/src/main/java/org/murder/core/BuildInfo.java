package org.murder.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this murder was built from: the version ({@code 0.1.0}) and the commit ({@code b0fd2d7a1c}, with
 * {@code -dirty} when the tree had changes), so that hosts running two builds of one version can be told apart
 * during an upgrade ({@code murder agents}, {@code murder --version}, {@code murder_build_info}).
 */
public final class BuildInfo {
    /** The Maven project version without -SNAPSHOT: 0.1.0. */
    public static final String VERSION;
    /** The commit's short id, "-dirty" after it for a tree with changes; empty when built outside git. */
    public static final String COMMIT;

    static {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = known(p.getProperty("version")).replaceFirst("-SNAPSHOT$", "");
        VERSION = version.isEmpty() ? "unknown" : version;
        String commit = known(p.getProperty("commit")).replaceAll("[^0-9a-f]", "");
        COMMIT = commit.isEmpty() ? "" : commit + ("true".equals(known(p.getProperty("dirty"))) ? "-dirty" : "");
    }

    private BuildInfo() {
    }

    /** The version with the commit as semver build metadata ({@code 0.1.0+b0fd2d7a1c}), or the version alone. */
    public static String full() {
        return COMMIT.isEmpty() ? VERSION : VERSION + "+" + COMMIT;
    }

    /** A property the build filled in, or "" when it did not ({@code ${...}} left as written, or absent). */
    private static String known(String value) {
        return value == null || value.contains("${") ? "" : value.trim();
    }
}
