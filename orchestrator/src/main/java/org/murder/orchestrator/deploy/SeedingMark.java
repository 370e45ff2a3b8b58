package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a release of the work directory marked as in use while a deploy seeds it: its torrent's
 * modification time is set to now at once and then every {@code every}. The work directory's pruning
 * (the keep, and room made for a new release) spares a release whose torrent changed within the hour
 * ({@code ReleaseDelta.IN_USE}), and another deploy is the only other user of the directory: a deploy
 * that seeded its release for longer than that (waves, a pause) could see its archive removed under
 * it by the next deploy short of room, and a {@code --resume} after it found nothing to seed.
 */
final class SeedingMark implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SeedingMark.class);
    /** A quarter of the hour's rule: two marks may fail in a row and the release is still spared. */
    static final Duration EVERY = Duration.ofMinutes(15);

    private final Path torrent;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    /** Said once: a mark that fails fails again (only the timer thread writes it after the first mark). */
    private volatile boolean warned;

    private SeedingMark(Path torrent, Clock clock, Duration every) {
        this.torrent = torrent;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "murder-seeding-mark");
            t.setDaemon(true);
            return t;
        });
        mark();
        timer.scheduleWithFixedDelay(this::mark, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Marks {@code torrent} (a release's torrent in the work directory) now and every {@link #EVERY} until closed. */
    static SeedingMark of(Path torrent, Clock clock) {
        return of(torrent, clock, EVERY);
    }

    static SeedingMark of(Path torrent, Clock clock, Duration every) {
        return new SeedingMark(torrent, clock, every);
    }

    private void mark() {
        try {
            if (Files.isRegularFile(torrent, LinkOption.NOFOLLOW_LINKS)) {
                Files.setLastModifiedTime(torrent, FileTime.from(clock.instant()));
            }
        } catch (NoSuchFileException e) {
            // removed by hand meanwhile: nothing to mark
        } catch (IOException | RuntimeException e) {
            // another user's torrent (a shared work directory): only its owner may set its time
            if (!warned) {
                warned = true;
                LOG.warn("cannot mark {} as in use while it is seeded ({}): a deploy short of room may remove it once it is an hour"
                        + " old", torrent, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
