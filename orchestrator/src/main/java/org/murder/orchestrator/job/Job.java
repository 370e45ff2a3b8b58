package org.murder.orchestrator.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.murder.orchestrator.release.ReleaseTag;
import org.murder.orchestrator.rollout.Rollout;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A deploy (or rollback) published to {@code /jobs/<id>}. Agents act on it only when its
 * signature verifies and their name is in {@code hosts}: the deploy resolves its target against
 * the registered agents before publishing, so it knows exactly whom it waits for.
 *
 * @param id          the job id, also its node name
 * @param type        {@link #DEPLOY} or {@link #ROLLBACK}
 * @param tag         the release tag (a {@link ReleaseTag}, a string in the JSON); the archive is {@code <dest>/<tag>.tar.zst} (or .tar.gz, .tar: see Compression)
 * @param torrent     the .torrent, base64
 * @param md5         the archive's md5 (hex)
 * @param size        the archive's size in bytes
 * @param dest        the destination directory on each host (empty: the agent's --dest-root)
 * @param seedSeconds how long each host seeds after completing
 * @param activate    unpack into {@code <dest>/releases/<tag>} and switch {@code <dest>/current}
 * @param keep        releases to keep when activating
 * @param rollbackTo  for a rollback: the tag to switch to (empty: the previous release)
 * @param hosts       the agent names this job targets
 * @param selector    how the operator chose them, for display
 * @param createdAt   epoch milliseconds
 * @param deadline    epoch milliseconds after which agents do not start it
 * @param signature   HMAC-SHA256 (hex) of the canonical job with an empty signature
 * @param rollout     hooks and waves of the activation; null (and absent from the JSON, so jobs of
 *                    earlier versions keep their signature) when there are none
 */
public record Job(String id, String type, String tag, String torrent, String md5, long size, String dest, long seedSeconds,
        boolean activate, int keep, String rollbackTo, List<String> hosts, String selector, long createdAt, long deadline,
        String signature, @JsonInclude(JsonInclude.Include.NON_NULL) Rollout rollout) {

    public static final String DEPLOY = "deploy";
    public static final String ROLLBACK = "rollback";
    /** A job id: {@code <tag>[-rollback]-<yyyyMMddTHHmmss>-<4 hex>}, up to 130 characters for a tag of 100. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,140}");
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final java.time.format.DateTimeFormatter ID_TIME = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
            .withZone(java.time.ZoneOffset.UTC);

    public Job {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        dest = dest == null ? "" : dest;
        rollbackTo = rollbackTo == null ? "" : rollbackTo;
        signature = signature == null ? "" : signature;
        torrent = torrent == null ? "" : torrent;
        md5 = md5 == null ? "" : md5;
        selector = selector == null ? "" : selector;
    }

    /** Checks what an agent relies on; a job failing this is ignored with the reason in the log. */
    public void validate() {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id '" + id + "' (expected: 1 to 140 letters, digits, '.', '_' or '-')");
        }
        ReleaseTag.parse(tag);
        if (!DEPLOY.equals(type) && !ROLLBACK.equals(type)) {
            throw new IllegalArgumentException("type '" + type + "' (expected: deploy or rollback)");
        }
        if (DEPLOY.equals(type) && (torrent.isEmpty() || !md5.matches("[0-9a-f]{32}"))) {
            throw new IllegalArgumentException("deploy without a torrent or md5");
        }
        if (keep < 0 || keep > 1000) { // murder deploy gives 1 to 1000; keep-last runs after a host's hooks all passed
            throw new IllegalArgumentException("keep " + keep + " (expected: 0 to 1000)");
        }
    }

    /** {@code <prefix>-<yyyyMMddTHHmmss>-<4 hex>}: sorts by time within a tag, never collides. */
    public static String newId(String prefix, long epochMillis) {
        return prefix + "-" + ID_TIME.format(java.time.Instant.ofEpochMilli(epochMillis)) + "-"
                + String.format("%04x", RANDOM.nextInt(0x10000));
    }

    // Jackson writes isDeploy() as "deploy": part of the canonical JSON that is signed. No other is/get methods here.
    public boolean isDeploy() {
        return DEPLOY.equals(type);
    }

    public Job withSignature(String sig) {
        return new Job(id, type, tag, torrent, md5, size, dest, seedSeconds, activate, keep, rollbackTo, hosts, selector,
                createdAt, deadline, sig, rollout);
    }

    /** The same job created at {@code created}, its deadline moved as far: stamped as it is published. */
    public Job stampedAt(long created) {
        return new Job(id, type, tag, torrent, md5, size, dest, seedSeconds, activate, keep, rollbackTo, hosts, selector,
                created, created + (deadline - createdAt), signature, rollout);
    }

    public Job withRollout(Rollout r) {
        return new Job(id, type, tag, torrent, md5, size, dest, seedSeconds, activate, keep, rollbackTo, hosts, selector,
                createdAt, deadline, signature, r);
    }

    /** The rollout, none when the job has none. */
    public Rollout rolloutOrNone() {
        return rollout == null ? new Rollout(List.of(), List.of()) : rollout;
    }

    /** A builder with this job's values. */
    public Builder toBuilder() {
        return new Builder().id(id).type(type).tag(tag).torrent(torrent).md5(md5).size(size).dest(dest).seedSeconds(seedSeconds)
                .activate(activate).keep(keep).rollbackTo(rollbackTo).hosts(hosts).selector(selector).createdAt(createdAt)
                .deadline(deadline).signature(signature).rollout(rollout);
    }

    /** A deploy job unless {@link Builder#type} says otherwise; see {@link Builder} for the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link Job}: a deploy, no destination (the agent's --dest-root), no seeding, not
     * activating, keeping 5 releases, no hosts, unsigned, no rollout, unless set. {@link #build()}
     * checks what {@link Job#validate()} checks.
     */
    public static final class Builder {
        private String id;
        private String type = DEPLOY;
        private String tag;
        private String torrent = "";
        private String md5 = "";
        private long size;
        private String dest = "";
        private long seedSeconds;
        private boolean activate;
        private int keep = 5;
        private String rollbackTo = "";
        private List<String> hosts = List.of();
        private String selector = "";
        private long createdAt;
        private long deadline;
        private String signature = "";
        private Rollout rollout;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** {@link #DEPLOY} or {@link #ROLLBACK}. */
        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder tag(String tag) {
            this.tag = tag;
            return this;
        }

        public Builder tag(ReleaseTag tag) {
            this.tag = tag.value();
            return this;
        }

        /** The .torrent, base64. */
        public Builder torrent(String torrent) {
            this.torrent = torrent;
            return this;
        }

        public Builder md5(String md5) {
            this.md5 = md5;
            return this;
        }

        public Builder size(long size) {
            this.size = size;
            return this;
        }

        public Builder dest(String dest) {
            this.dest = dest;
            return this;
        }

        public Builder seedSeconds(long seedSeconds) {
            this.seedSeconds = seedSeconds;
            return this;
        }

        public Builder activate(boolean activate) {
            this.activate = activate;
            return this;
        }

        public Builder keep(int keep) {
            this.keep = keep;
            return this;
        }

        public Builder rollbackTo(String rollbackTo) {
            this.rollbackTo = rollbackTo;
            return this;
        }

        public Builder hosts(List<String> hosts) {
            this.hosts = hosts;
            return this;
        }

        public Builder selector(String selector) {
            this.selector = selector;
            return this;
        }

        /** Epoch milliseconds. */
        public Builder createdAt(long createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /** Epoch milliseconds. */
        public Builder deadline(long deadline) {
            this.deadline = deadline;
            return this;
        }

        public Builder signature(String signature) {
            this.signature = signature;
            return this;
        }

        /** Hooks and waves; null for none. */
        public Builder rollout(Rollout rollout) {
            this.rollout = rollout;
            return this;
        }

        /** @throws IllegalArgumentException as {@link Job#validate()} */
        public Job build() {
            Job job = new Job(id, type, tag, torrent, md5, size, dest, seedSeconds, activate, keep, rollbackTo, hosts, selector,
                    createdAt, deadline, signature, rollout);
            job.validate();
            return job;
        }
    }
}
