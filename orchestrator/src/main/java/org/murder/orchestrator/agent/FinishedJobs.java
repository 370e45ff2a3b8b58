package org.murder.orchestrator.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.murder.core.MurderException;
import org.murder.core.io.AtomicFiles;
import org.murder.core.io.SmallFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs this agent ran to an end (done or failed), each until its deadline, kept in
 * {@code DEST-ROOT/}{@value #FILE} across restarts: such a job is never run again. A signed job is
 * good until its deadline wherever its node is, and whoever could write ZooKeeper nodes re-created an
 * old one (with its reports gone): the agent, restarted, ran it again and switched {@code current}
 * back to an older release, since the new node's creation id ranks it newest. Thread-safe.
 */
final class FinishedJobs {
    private static final Logger LOG = LoggerFactory.getLogger(FinishedJobs.class);
    static final String FILE = ".murder-finished-jobs";
    /** The most jobs remembered (only those before their deadline are: a fleet's few a day). */
    static final int MAX = 10_000;

    private final Path file;
    private final Clock clock;
    /** Job id to its deadline (epoch millis), oldest first. */
    private final Map<String, Long> deadlines = new LinkedHashMap<>();
    /** No record was ever written here: the agent ran no job since it was upgraded from one without it. */
    private boolean neverWritten;

    FinishedJobs(Path destRoot, Clock clock) {
        this.file = destRoot.resolve(FILE);
        this.clock = clock;
        try {
            for (String line : SmallFiles.read(file, 4L << 20, "finished jobs").split("\n")) {
                String[] words = line.strip().split(" ");
                if (words.length == 2 && words[1].matches("[0-9]{1,19}")) {
                    deadlines.put(words[0], Long.parseLong(words[1]));
                }
            }
        } catch (NoSuchFileException none) {
            neverWritten = true; // a new agent, or one just upgraded
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: {}; starting with no record of finished jobs", file, e.getMessage());
        }
    }

    /**
     * Whether this agent has kept no record yet: upgraded from a version that signed no reports, its own
     * earlier reports of jobs it finished are unsigned, and are taken as finished (see Agent.runJob).
     */
    synchronized boolean neverWritten() {
        return neverWritten;
    }

    /** Whether job {@code id} ran here to an end before. */
    synchronized boolean contains(String id) {
        return deadlines.containsKey(id);
    }

    /** Records job {@code id}, good until {@code deadline}; a record that cannot be written is logged (it holds until a restart). */
    synchronized void add(String id, long deadline) {
        long now = clock.millis();
        deadlines.values().removeIf(d -> d < now);
        deadlines.put(id, deadline);
        while (deadlines.size() > MAX) {
            deadlines.remove(deadlines.keySet().iterator().next());
        }
        String text = deadlines.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "\n").collect(Collectors.joining());
        neverWritten = false;
        try {
            AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8), true);
        } catch (MurderException e) {
            LOG.warn("{} (until this agent restarts, it still knows job {} ran here)", e.getMessage(), id);
        }
    }
}
