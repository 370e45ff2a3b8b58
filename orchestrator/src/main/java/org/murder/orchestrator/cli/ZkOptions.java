package org.murder.orchestrator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.murder.core.MurderException;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.ZkSettings;
import picocli.CommandLine.Option;

/** ZooKeeper and job-signing options shared by deploy, agent, jobs and agents (also from MURDER_* and murder.conf). */
public final class ZkOptions {
    @Option(names = "--zk", paramLabel = "HOST:PORT[,...]", defaultValue = ZkSettings.DEFAULT_CONNECT,
            description = "ZooKeeper ensemble. Default: ${DEFAULT-VALUE}.")
    String connect;

    @Option(names = "--zk-chroot", paramLabel = "PATH", defaultValue = "/" + ZkSettings.DEFAULT_CHROOT,
            description = "Where murder's nodes live in ZooKeeper. Default: ${DEFAULT-VALUE}.")
    String chroot;

    @Option(names = "--zk-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Give up connecting after this long; with N members listed, after this and N-1 times what ZooKeeper's"
                    + " client gives a member that does not answer (the session timeout over N, and a second; at most a minute more),"
                    + " tried in turn. Default: ${DEFAULT-VALUE}.")
    Duration connectTimeout;

    @Option(names = "--zk-session-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "ZooKeeper session timeout (how long an agent's registration outlives a lost connection). Default: ${DEFAULT-VALUE}.")
    Duration sessionTimeout;

    @Option(names = "--zk-auth-file", paramLabel = "FILE",
            description = "File holding USER:PASSWORD for ZooKeeper digest auth; every node we create then carries a digest ACL.")
    Path authFile;

    /** The command this is part of, to tell whether --secret-file was given. */
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** Whether --secret-file was given on the command line, or set elsewhere (a config file) to another file than the default. */
    private boolean secretFileNamed() {
        return secretFileOnCommandLine() || !secretFile.equals(Path.of(DEFAULT_SECRET_FILE));
    }

    private boolean secretFileOnCommandLine() {
        picocli.CommandLine.ParseResult parsed = mixee == null || mixee.commandLine() == null ? null
                : mixee.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption("--secret-file");
    }

    /**
     * MURDER_SECRET, unless --secret-file was given on the command line: a flag beats the environment, which
     * beats murder.conf (a --secret-file named on purpose was passed over without a word).
     */
    private String envSecret() {
        return secretFileOnCommandLine() ? null : System.getenv("MURDER_SECRET");
    }

    /** Where the job secret is unless --secret-file says otherwise. */
    static final String DEFAULT_SECRET_FILE = "/etc/murder/secret";

    @Option(names = "--secret-file", paramLabel = "FILE", defaultValue = DEFAULT_SECRET_FILE,
            description = "Shared secret that signs jobs (at least 16 characters; MURDER_SECRET overrides the default and murder.conf's,"
                    + " not this option given on the command line). Default: ${DEFAULT-VALUE}.")
    Path secretFile;

    public ZkSettings settings() {
        try {
            ZkSettings s = new ZkSettings(connect, chroot, sessionTimeout, connectTimeout, Optional.empty());
            if (authFile == null) {
                return guardedIfSecret(s);
            }
            String credentials = firstLine(authFile, "--zk-auth-file");
            try {
                return s.withCredentials(credentials);
            } catch (IllegalArgumentException e) {
                throw MurderException.badInput("--zk-auth-file " + org.murder.core.Printable.escape(authFile.toString())
                        + ": its first line is not USER:PASSWORD (expected: a user name, a colon and a password)");
            }
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput("--" + e.getMessage());
        }
    }

    /** The digest user of the credentials derived from the job secret. */
    static final String DIGEST_USER = "murder";
    /** What the job secret signs to make the ZooKeeper password: never a job's or report's text. */
    static final String DIGEST_LABEL = "murder zookeeper digest password v1";

    /**
     * {@code s} guarded by credentials derived from the job secret when this user has it (see
     * {@link ZkSettings#guardedBy}): every deploy host and agent has it, so no other setting is needed.
     * Without it (an operator outside murder's group running {@code murder agents}), or with one that
     * is unusable (signer() says why, once a command needs it), the client reads as anyone does.
     */
    private ZkSettings guardedIfSecret(ZkSettings s) {
        String secret = envSecret();
        if ((secret == null || secret.isEmpty()) && !Files.isReadable(secretFile)) {
            return s;
        }
        try {
            return s.guardedBy(credentialsOf(signer()));
        } catch (MurderException unusable) {
            return s;
        }
    }

    /** The ZooKeeper digest credentials of the holders of {@code signer}'s secret: {@code murder:HMAC(secret, label)}. */
    public static String credentialsOf(JobSigner signer) {
        return DIGEST_USER + ":" + signer.signText(DIGEST_LABEL);
    }

    public JobSigner signer() {
        String secret = envSecret();
        if (secret == null || secret.isEmpty()) {
            if (!Files.exists(secretFile)) {
                throw MurderException.badInput("no job secret: " + org.murder.core.Printable.escape(secretFile.toString())
                        + " does not exist (expected: a file with at least 16 characters shared by the deploy host and every agent,"
                        + " or MURDER_SECRET)");
            }
            secret = firstLine(secretFile, "--secret-file");
        }
        try {
            return new JobSigner(secret);
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
    }

    /**
     * The signer when this host has the job secret (MURDER_SECRET, or the secret file exists), to
     * check what others published; empty without one, or when this user may not read it (a
     * warning). A secret that is there, readable and unusable is an error.
     */
    public Optional<JobSigner> signerIfAny() {
        String secret = envSecret();
        if ((secret == null || secret.isEmpty()) && !Files.exists(secretFile)) {
            if (secretFileNamed()) { // named on purpose: a typo must not show every job unchecked
                throw MurderException.badInput("--secret-file " + org.murder.core.Printable.escape(secretFile.toString())
                        + ": no such file (expected: the job secret's file, or no --secret-file to list jobs unchecked)");
            }
            return Optional.empty();
        }
        if ((secret == null || secret.isEmpty()) && !Files.isReadable(secretFile)) {
            // 640 root:murder as installed: an operator outside the group still lists jobs, unchecked
            org.slf4j.LoggerFactory.getLogger(ZkOptions.class).warn("cannot read the job secret {} as this user: signatures not"
                    + " checked", org.murder.core.Printable.escape(secretFile.toString()));
            return Optional.empty();
        }
        return Optional.of(signer());
    }

    /**
     * A secret every user of the host may read (or others may write) is anyone's: with the job secret they sign jobs the
     * agents (root) run, with the ZooKeeper credentials they change murder's nodes. Said once a file,
     * as a warning (a refusal would stop a fleet whose files an older install made so).
     */
    static boolean warnIfEveryoneReads(Path file, String option) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            return false; // missing or unreadable: the read below says why
        }
        boolean writable = perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
                || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
        if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ) && !writable || !WARNED.add(file.toAbsolutePath())) {
            return false;
        }
        org.slf4j.LoggerFactory.getLogger(ZkOptions.class).warn("{} {} can be {} by other users of this host (mode {}; expected: rw-------"
                + " or rw-r----- for murder's group, as scripts/install.sh makes it): any of them can use it; chmod go-w,o-r it",
                option, org.murder.core.Printable.escape(file.toString()), writable ? "changed" : "read",
                java.nio.file.attribute.PosixFilePermissions.toString(perms));
        return true;
    }

    private static final java.util.Set<Path> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static String firstLine(Path file, String option) {
        warnIfEveryoneReads(file, option);
        try {
            return org.murder.core.io.SmallFiles.read(file, 64 * 1024, option).lines().findFirst().orElse("").strip();
        } catch (java.nio.file.NoSuchFileException e) {
            throw MurderException.badInput(option + " " + org.murder.core.Printable.escape(file.toString()) + ": no such file");
        } catch (IOException e) {
            throw MurderException.badInput(option + " " + org.murder.core.Printable.escape(file.toString()) + ": cannot read ("
                    + org.murder.core.Printable.escape(String.valueOf(e.getMessage())) + ")");
        }
    }
}
