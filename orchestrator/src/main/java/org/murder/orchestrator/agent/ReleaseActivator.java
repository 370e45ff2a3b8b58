package org.murder.orchestrator.agent;

import java.nio.file.Path;
import java.util.Optional;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.release.ReleaseManager;

/** Activation through {@link ReleaseManager}: safe extraction, an atomic {@code current} switch, keep the last K. */
public final class ReleaseActivator implements Activator {
    @Override
    public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
        ReleaseManager releases = new ReleaseManager(dest);
        releases.activate(tag, archive, Optional.of(by));
        if (keep > 0) {
            releases.keepLast(keep);
        }
    }

    @Override
    public Path prepare(Path dest, String tag, Path archive, Generation by) {
        return new ReleaseManager(dest).prepare(tag, archive, Optional.of(by));
    }

    @Override
    public void activate(Path dest, String tag, Path archive, String md5, int keep, Generation by) {
        ReleaseManager releases = new ReleaseManager(dest);
        releases.activate(tag, archive, Optional.of(md5), Optional.of(by));
        if (keep > 0) {
            releases.keepLast(keep);
        }
    }

    @Override
    public Path prepare(Path dest, String tag, Path archive, String md5, Generation by) {
        return new ReleaseManager(dest).prepare(tag, archive, Optional.of(md5), Optional.of(by));
    }

    @Override
    public void keepLast(Path dest, int keep) {
        new ReleaseManager(dest).keepLast(keep);
    }

    @Override
    public Optional<String> current(Path dest) {
        return new ReleaseManager(dest).current();
    }

    @Override
    public Optional<String> rollbackTarget(Path dest) {
        return new ReleaseManager(dest).rollbackTarget();
    }

    @Override
    public String rollback(Path dest, Optional<String> tag, Generation by) {
        return new ReleaseManager(dest).rollback(tag, Optional.of(by)).to();
    }
}
