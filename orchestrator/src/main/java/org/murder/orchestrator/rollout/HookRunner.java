package org.murder.orchestrator.rollout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.murder.core.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs hooks: a command through {@code /bin/sh -c} in the release directory, with the
 * activation's environment, as the hook user (through {@code runuser} when the agent is root;
 * never as root unless configured so), killed with its descendants at its timeout; its output's
 * end kept for the report. Health is retried every {@code retryEvery} until its timeout.
 */
public final class HookRunner {
    private static final Logger LOG = LoggerFactory.getLogger(HookRunner.class);
    public static final int OUTPUT_KEPT = 2048;

    private static final String SETSID = "/usr/bin/setsid";
    /**
     * util-linux's setsid. The JVM's child never leads a process group, so setsid makes it a session
     * and group of its own and execs the hook in place (the pid we wait for is the hook's).
     */
    private static final boolean SETSID_THERE = java.nio.file.Files.isExecutable(Path.of(SETSID));

    private final Optional<String> user;
    private final Duration retryEvery;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param user       run hooks as this user (empty: as the agent's own user, which then must not be root)
     * @param retryEvery pause between health attempts
     */
    public HookRunner(Optional<String> user, Duration retryEvery) {
        this.user = user;
        this.retryEvery = retryEvery;
    }

    /** Runs {@code spec}; never throws for the hook's own failure, which is in the result. */
    public HookResult run(HookSpec spec, Map<String, String> env, Path workDir) {
        return run(spec, env, workDir, null);
    }

    /**
     * Runs {@code spec} as {@link #run(HookSpec, Map, Path)}, and with {@code ledger} (null: none)
     * first stops a hook of the same destination that a stopped agent left running, and notes this
     * one while it runs.
     */
    public HookResult run(HookSpec spec, Map<String, String> env, Path workDir, HookLedger ledger) {
        if (ledger != null) {
            ledger.stopLeftOver();
        }
        long start = System.nanoTime();
        long deadline = start + spec.timeout().toNanos();
        if (spec.hook() != Hook.HEALTH) {
            Attempt a = command(spec, env, workDir, spec.timeout(), ledger);
            return result(spec, a, 1, start);
        }
        int attempts = 0;
        Attempt last;
        while (true) {
            attempts++;
            long left = deadline - System.nanoTime();
            Duration budget = Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(100), left));
            last = spec.isUrl() ? url(spec.url().get(), spec.expectedStatus(), budget) : command(spec, env, workDir, budget, ledger);
            if (last.ok() || System.nanoTime() + retryEvery.toNanos() - deadline > 0) {
                break;
            }
            try {
                Thread.sleep(retryEvery.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return result(spec, last, attempts, start);
    }

    private static HookResult result(HookSpec spec, Attempt a, int attempts, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        String why = a.ok() ? "" : spec.hook().key() + " failed" + (attempts > 1 ? " for " + Durations.format(spec.timeout())
                + " (" + attempts + " attempts)" : "") + ": " + a.why();
        return new HookResult(spec.hook().key(), a.ok(), a.code(), Math.round(seconds * 10) / 10.0, attempts, a.output(), why);
    }

    private record Attempt(boolean ok, int code, String output, String why) {
    }

    /**
     * One GET, bounded as a whole by {@code budget} (at most 10 s): its status, and of its body what
     * came within a second of the status line, at most {@link #OUTPUT_KEPT} bytes; the rest is never
     * waited for (a health URL that streams, or answers gigabytes, must not hold the activation past
     * its deadline).
     */
    private Attempt url(String url, int expected, Duration budget) {
        Duration limit = min(budget, Duration.ofSeconds(10));
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(limit).GET().build();
        } catch (IllegalArgumentException e) {
            return new Attempt(false, -1, "", "'" + url + "': not a URL (" + e.getMessage() + ")");
        }
        long deadline = System.nanoTime() + limit.toNanos();
        BodyHead head = new BodyHead();
        java.util.concurrent.CompletableFuture<Integer> status = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request, info -> {
            status.complete(info.statusCode());
            return head;
        });
        int code;
        byte[] body;
        try {
            java.util.concurrent.CompletableFuture.anyOf(status, answer).get(limit.toNanos(), TimeUnit.NANOSECONDS);
            code = status.getNow(-1);
            long left = Math.max(0, Math.min(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(1)));
            body = answer.get(left, TimeUnit.NANOSECONDS).body();
        } catch (java.util.concurrent.TimeoutException e) {
            head.abort();
            answer.cancel(true);
            if (!status.isDone()) {
                return new Attempt(false, -1, "", url + ": no answer within " + Durations.format(limit));
            }
            code = status.join();
            body = head.sofar();
        } catch (java.util.concurrent.ExecutionException e) {
            return new Attempt(false, -1, "", url + ": " + why(e.getCause() == null ? e : e.getCause()));
        } catch (InterruptedException e) {
            head.abort();
            answer.cancel(true);
            Thread.currentThread().interrupt();
            return new Attempt(false, -1, "", url + ": interrupted");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return code == expected ? new Attempt(true, code, text, "")
                : new Attempt(false, code, text, url + " answered " + code + " (expected: " + expected + ")");
    }

    /** The first {@link #OUTPUT_KEPT} bytes of a body; then the rest is cancelled, not read. */
    private static final class BodyHead implements HttpResponse.BodySubscriber<byte[]> {
        private final java.util.concurrent.CompletableFuture<byte[]> body = new java.util.concurrent.CompletableFuture<>();
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile java.util.concurrent.Flow.Subscription subscription;

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<java.nio.ByteBuffer> items) {
            boolean full;
            synchronized (kept) {
                for (java.nio.ByteBuffer b : items) {
                    int n = Math.min(b.remaining(), OUTPUT_KEPT - kept.size());
                    byte[] bytes = new byte[n];
                    b.get(bytes);
                    kept.write(bytes, 0, n);
                }
                full = kept.size() >= OUTPUT_KEPT;
            }
            if (full) {
                subscription.cancel();
                body.complete(sofar());
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(sofar());
        }

        /** What came so far. */
        byte[] sofar() {
            synchronized (kept) {
                return kept.toByteArray();
            }
        }

        void abort() {
            java.util.concurrent.Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            body.complete(sofar());
        }
    }

    /** Why a health URL could not be fetched, in words: the JDK's client throws a ConnectException without a message. */
    public static String why(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.ConnectException) {
                return "cannot connect (" + (c.getMessage() == null ? "connection refused" : c.getMessage()) + ")";
            }
            if (c instanceof java.net.http.HttpTimeoutException) {
                return "no answer in time";
            }
        }
        Throwable t = failure;
        while (t.getMessage() == null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private Attempt command(HookSpec spec, Map<String, String> env, Path workDir, Duration timeout, HookLedger ledger) {
        String command = spec.command();
        List<String> argv = new ArrayList<>();
        if (SETSID_THERE) {
            // a process group of its own: a timeout, or the next agent after this one was killed, stops the whole tree
            argv.add(SETSID);
        }
        if (user.isPresent() && !user.get().equals(System.getProperty("user.name"))) {
            // util-linux's runuser: as root, without a password prompt
            argv.addAll(List.of("runuser", "-u", user.get(), "--"));
        }
        argv.addAll(List.of("/bin/sh", "-c", command));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true);
        restoreLocale(pb.environment(), System.getenv(LOCALE_WAS));
        pb.environment().putAll(env);
        // the job secret an agent may have from its environment signs jobs and waves: never a hook's (it runs as another user)
        pb.environment().remove("MURDER_SECRET");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Attempt(false, -1, "", "cannot start: " + e.getMessage());
        }
        if (ledger != null) {
            ledger.record(p.toHandle(), spec.hook().key());
        }
        try {
            return await(p, timeout);
        } finally {
            if (ledger != null) {
                ledger.clear(p.toHandle());
            }
        }
    }

    /** Set by bin/murder when it changed the locale for the JVM (file names in UTF-8): NAME=VALUE, or NAME when it was unset. */
    static final String LOCALE_WAS = "MURDER_LOCALE_WAS";

    /**
     * Gives a hook's {@code environment} the locale the agent was started with, where the launcher
     * changed it ({@code was}, from {@link #LOCALE_WAS}; null when it did not): a hook's own tools
     * (sort, grep, a service's start script) run as they would from the operator's shell or unit.
     * Only LC_CTYPE and LC_ALL, the two the launcher sets.
     */
    static void restoreLocale(Map<String, String> environment, String was) {
        environment.remove(LOCALE_WAS);
        if (was == null) {
            return;
        }
        int eq = was.indexOf('=');
        String name = eq < 0 ? was : was.substring(0, eq);
        if (!name.equals("LC_CTYPE") && !name.equals("LC_ALL")) {
            return;
        }
        if (eq < 0) {
            environment.remove(name);
        } else {
            environment.put(name, was.substring(eq + 1));
        }
    }

    private static Attempt await(Process p, Duration timeout) {
        OutputTail output = new OutputTail(p.getInputStream());
        Thread reader = new Thread(output, "hook-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Attempt(false, -1, output.text(), "timed out after " + Durations.format(timeout) + " (killed)");
            }
            reader.join(2000);
            int code = p.exitValue();
            return new Attempt(code == 0, code, output.text(), code == 0 ? "" : "exit " + code + lastLine(output.text()));
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return new Attempt(false, -1, output.text(), "interrupted");
        }
    }

    /** The hook's tree: its process group, and whatever descends from it still. */
    private static void kill(Process p) {
        List<ProcessHandle> tree = p.descendants().toList(); // first: the group's kill orphans those in groups of their own (sudo)
        if (SETSID_THERE && p.isAlive()) { // alive: its pid is still its group's, not reused
            HookLedger.killGroup(p.pid());
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "" : " (" + lines.get(lines.size() - 1) + ")";
    }

    private static String tail(byte[] bytes) {
        int from = Math.max(0, bytes.length - OUTPUT_KEPT);
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }

    /** Reads a process's output to its end, keeping the last {@link #OUTPUT_KEPT} bytes. */
    private static final class OutputTail implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        OutputTail(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (kept) {
                        kept.write(buf, 0, n);
                        if (kept.size() > 4 * OUTPUT_KEPT) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - OUTPUT_KEPT, OUTPUT_KEPT);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debug("hook output: {}", e.toString());
            }
        }

        String text() {
            synchronized (kept) {
                return tail(kept.toByteArray());
            }
        }
    }
}
