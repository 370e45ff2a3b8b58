package org.murder.maker;

/** The version written into .torrent files and printed by {@code murder --version}. */
public final class Version {
    public static final String VERSION = org.murder.core.BuildInfo.VERSION;

    private Version() {
    }
}
