package org.murder.peer.tracker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.murder.core.GatewayShare;
import org.murder.core.MurderException;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;

/**
 * HTTP tracker client (BEP 3, compact peers BEP 23 and the dictionary model, BEP 12 tiers: each
 * announce tries the tiers in order until one answers). Asynchronous; thread-safe. An announce
 * is one small GET every 15 s or more, so it runs as a blocking {@link HttpURLConnection} on a
 * shared daemon thread: {@code java.net.http.HttpClient} cost every peer's start about 60 ms of
 * CPU and two threads. A response over {@link #MAX_BODY} bytes is refused, not buffered.
 */
public final class TrackerClient {
    /** Largest tracker response read: 200 compact peers are 1.2 KB; a dictionary list of 200 about 20 KB. */
    static final int MAX_BODY = 1 << 20;
    /** The longest announce interval taken from a tracker. */
    static final Duration MAX_INTERVAL = Duration.ofHours(1);
    private static final ExecutorService ANNOUNCERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "murder-announce");
        t.setDaemon(true);
        return t;
    });
    /** Ends an exchange that outlived its deadline: a tracker trickling a byte within each read timeout held an announce for ever. */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor DEADLINES = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
            r -> {
                Thread t = new Thread(r, "murder-announce-deadline");
                t.setDaemon(true);
                return t;
            });

    static {
        DEADLINES.setRemoveOnCancelPolicy(true); // every announce that ends in time cancels its deadline
    }
    /** The most peers taken from one answer (murder's tracker sends at most 200; 170,000 a time ran a client out of heap). */
    static final int MAX_PEERS = 1000;
    /** The most characters of a tracker's failure reason kept in an error (a megabyte of it went into every log line). */
    static final int MAX_REASON_CHARS = 300;

    private final List<List<String>> tiers;
    private final Duration timeout;

    public TrackerClient(List<List<String>> tiers, Duration timeout) {
        this.tiers = List.copyOf(tiers);
        this.timeout = timeout;
    }

    public boolean hasTrackers() {
        return !tiers.isEmpty();
    }

    public CompletableFuture<AnnounceResponse> announce(AnnounceRequest request) {
        List<String> urls = new ArrayList<>();
        tiers.forEach(urls::addAll);
        if (urls.isEmpty()) {
            return CompletableFuture.failedFuture(new MurderException("announce: the torrent names no tracker", MurderException.FAILURE));
        }
        return tryFrom(urls, 0, request);
    }

    /**
     * Announces to {@code urls[i]}; when it fails, or has not answered within {@link #NEXT_AFTER} (a tracker that accepts
     * and never answers), to the next ones as well, and takes the first answer. Each announce tried them strictly in
     * turn, and a first tracker that accepted and never answered cost every announce the whole timeout (10 s) before
     * the next was asked, without a word. A tracker that fails while a later one answers is logged once for each reason.
     */
    private CompletableFuture<AnnounceResponse> tryFrom(List<String> urls, int i, AnnounceRequest request) {
        String url = urls.get(i);
        String full = url + (url.contains("?") ? "&" : "?") + query(request);
        CompletableFuture<AnnounceResponse> result = new CompletableFuture<>();
        CompletableFuture<AnnounceResponse> mine = CompletableFuture.supplyAsync(() -> get(url, full), ANNOUNCERS);
        if (i + 1 >= urls.size()) {
            mine.whenComplete((ok, err) -> {
                if (ok != null) {
                    result.complete(ok);
                } else {
                    result.completeExceptionally(describe(url, err));
                }
            });
            return result;
        }
        CompletableFuture<AnnounceResponse> rest = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean restStarted = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable startRest = () -> {
            if (restStarted.compareAndSet(false, true)) {
                try {
                    tryFrom(urls, i + 1, request).whenComplete((ok, err) -> {
                        if (ok != null) {
                            rest.complete(ok);
                        } else {
                            rest.completeExceptionally(err);
                        }
                    });
                } catch (RuntimeException | Error e) { // never an announce that waits for ever
                    rest.completeExceptionally(e);
                }
            }
        };
        java.util.concurrent.ScheduledFuture<?> hedge = DEADLINES.schedule(startRest, NEXT_AFTER.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        mine.whenComplete((ok, err) -> {
            if (ok != null) {
                hedge.cancel(false);
                result.complete(ok);
                return;
            }
            Throwable failed = describe(url, err);
            startRest.run();
            rest.whenComplete((ok2, err2) -> {
                if (ok2 != null) {
                    told(url, failed);
                    result.complete(ok2);
                } else {
                    result.completeExceptionally(err2); // the last tracker's failure, as when they were tried in turn
                }
            });
        });
        rest.thenAccept(result::complete); // a later tracker answered while this one still says nothing
        return result;
    }

    /** How long an announce waits for a tracker before it asks the next ones too. */
    static final Duration NEXT_AFTER = Duration.ofSeconds(3);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackerClient.class);
    /** The last failure logged for each tracker that failed while a later one answered (bounded: the torrents' URLs). */
    private final java.util.Map<String, String> told = new java.util.concurrent.ConcurrentHashMap<>();

    private void told(String url, Throwable failed) {
        String why = String.valueOf(failed.getMessage());
        if (told.size() < 64 && !why.equals(told.put(url, why))) {
            LOG.info("{}; announced to a tracker after it in the torrent's list", why);
        }
    }

    private AnnounceResponse get(String url, String full) {
        try {
            int port = URI.create(full).getPort();
            if (port == 0 || port > 65535) { // the JDK's own words for it come wrapped: "java.lang.IllegalArgumentException: port out of range:99999"
                throw new MurderException("announce to " + shown(url) + ": port " + port + " (expected: 1 to 65535)", MurderException.FAILURE);
            }
            if (!(URI.create(full).toURL().openConnection() instanceof HttpURLConnection c)) {
                throw new MurderException("announce to " + shown(url) + ": scheme " + URI.create(url).getScheme()
                        + " (expected: http or https)", MurderException.FAILURE);
            }
            java.util.concurrent.atomic.AtomicBoolean late = new java.util.concurrent.atomic.AtomicBoolean();
            // the whole exchange, connect to last byte, within twice the timeout (each read's own timeout is the timeout)
            java.util.concurrent.ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
                late.set(true);
                // on a thread of its own: a disconnect waits for the stream's lock, which a read holds until its next byte
                // or its timeout, and on the one deadline thread that held every other announce's deadline back
                Thread cut = new Thread(c::disconnect, "murder-announce-cut");
                cut.setDaemon(true);
                cut.start();
            }, 2 * timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                c.setConnectTimeout((int) timeout.toMillis());
                c.setReadTimeout((int) timeout.toMillis());
                c.setUseCaches(false);
                c.setInstanceFollowRedirects(false); // a tracker answers: a redirect could send our announces anywhere
                int status = c.getResponseCode();
                if (status >= 300 && status < 400) {
                    throw new MurderException("announce to " + shown(url) + ": HTTP " + status + " redirect to "
                            + org.murder.core.Printable.escape(String.valueOf(c.getHeaderField("Location")), 200)
                            + " (expected: the tracker's answer; redirects are not followed: give the URL it names)",
                            MurderException.FAILURE);
                }
                try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                    byte[] body = in == null ? new byte[0] : in.readNBytes(MAX_BODY + 1);
                    if (body.length > MAX_BODY) {
                        throw new MurderException("announce to " + shown(url) + ": response over " + MAX_BODY
                                + " bytes (expected: a small bencoded dictionary)", MurderException.FAILURE);
                    }
                    return parse(url, status, body);
                }
            } catch (IOException e) {
                if (late.get()) {
                    throw new IOException("no whole answer within " + 2 * timeout.toSeconds() + "s (the tracker sent too slowly)", e);
                }
                throw e;
            } finally {
                deadline.cancel(false);
                c.disconnect();
            }
        } catch (UnknownHostException e) {
            throw new UncheckedIOException(new IOException("unknown host " + e.getMessage(), e));
        } catch (java.net.SocketTimeoutException e) {
            throw new UncheckedIOException(new IOException("no answer within " + timeout.toSeconds() + "s", e));
        } catch (java.net.ConnectException e) {
            throw new UncheckedIOException(new IOException("cannot connect (" + e.getMessage() + ")", e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new MurderException("announce to " + shown(url) + ": not a usable URL (" + e.getMessage() + ")", MurderException.FAILURE);
        }
    }

    private static Throwable describe(String url, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof UncheckedIOException u) {
            cause = u.getCause();
        }
        if (cause instanceof MurderException) {
            return cause;
        }
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new MurderException("announce to " + shown(url) + ": " + why, MurderException.FAILURE, cause);
    }

    static String query(AnnounceRequest r) {
        StringBuilder q = new StringBuilder(256)
                .append("info_hash=").append(percent(r.infoHash().toBytes()))
                .append("&peer_id=").append(percent(r.peerId().toBytes()))
                .append("&port=").append(r.port())
                .append("&uploaded=").append(r.uploaded())
                .append("&downloaded=").append(r.downloaded())
                .append("&left=").append(r.left())
                .append("&compact=1&no_peer_id=1")
                .append("&numwant=").append(r.numWant())
                .append("&key=").append(r.key());
        r.event().ifPresent(e -> q.append("&event=").append(e.wire()));
        r.ip().ifPresent(ip -> q.append("&ip=").append(percent(ip.getBytes(StandardCharsets.UTF_8))));
        r.rack().ifPresent(rack -> q.append("&rack=").append(percent(rack.value().getBytes(StandardCharsets.US_ASCII))));
        return q.toString();
    }

    /** Percent-encodes every byte that is not unreserved (RFC 3986). */
    static String percent(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    static AnnounceResponse parse(String url, int status, byte[] body) {
        BValue value;
        try {
            value = Bencode.decode(body);
        } catch (MurderException e) {
            throw new MurderException("announce to " + shown(url) + ": HTTP " + status + ", not bencode (" + e.getMessage() + ")",
                    MurderException.FAILURE);
        }
        if (!(value instanceof BDict d)) {
            throw new MurderException("announce to " + shown(url) + ": response is a " + value.typeName() + " (expected: dictionary)",
                    MurderException.FAILURE);
        }
        if (d.get("failure reason").orElse(null) instanceof BString reason) {
            throw new MurderException("announce to " + shown(url) + ": " + (status / 100 == 2 ? "" : "HTTP " + status + ", ") + "tracker says: "
                    + org.murder.core.Printable.escape(reason.utf8(), MAX_REASON_CHARS), MurderException.FAILURE);
        }
        if (status / 100 != 2) { // a 500 with a bencoded body was taken for an answer
            throw new MurderException("announce to " + shown(url) + ": HTTP " + status + " (expected: 200 and the tracker's answer)",
                    MurderException.FAILURE);
        }
        long interval = d.get("interval").orElse(null) instanceof BInteger i ? i.value() : 30;
        long minInterval = d.get("min interval").orElse(null) instanceof BInteger i ? i.value() : 0;
        int complete = d.get("complete").orElse(null) instanceof BInteger i ? (int) i.value() : -1;
        int incomplete = d.get("incomplete").orElse(null) instanceof BInteger i ? (int) i.value() : -1;
        List<InetSocketAddress> peers = new ArrayList<>();
        BValue p = d.get("peers").orElse(null);
        if (p instanceof BString compact) {
            compactPeers(compact.bytes(), 4, peers);
        } else if (p instanceof BList list) {
            for (BValue item : list.items()) {
                if (peers.size() >= MAX_PEERS) {
                    break;
                }
                if (item instanceof BDict peer && peer.get("ip").orElse(null) instanceof BString ip
                        && peer.get("port").orElse(null) instanceof BInteger port && port.value() > 0 && port.value() < 65536) {
                    ipLiteral(ip.utf8()).filter(TrackerClient::dialable)
                            .ifPresent(address -> peers.add(new InetSocketAddress(address, (int) port.value())));
                }
            }
        }
        if (d.get("peers6").orElse(null) instanceof BString compact6) {
            compactPeers(compact6.bytes(), 16, peers);
        }
        Set<InetAddress> rackMates = new HashSet<>();
        if (d.get("murder rack").orElse(null) instanceof BString mates) {
            compactAddresses(mates.bytes(), 4, rackMates);
        }
        if (d.get("murder rack6").orElse(null) instanceof BString mates6) {
            compactAddresses(mates6.bytes(), 16, rackMates);
        }
        // a tracker's intervals are bounded here: at least 1 s, at most MAX_INTERVAL (a hostile or broken
        // tracker cannot silence a torrent for years, nor overflow the clock); "min interval" at most "interval"
        long every = Math.min(Math.max(Math.max(interval, minInterval), 1), MAX_INTERVAL.toSeconds());
        long atLeast = Math.min(Math.max(minInterval, 0), every);
        long gateway = d.get("murder gateway").orElse(null) instanceof BInteger i ? i.value() : -1;
        long gateways = d.get("murder gateways").orElse(null) instanceof BInteger i ? i.value() : 0;
        GatewayShare share = gateways > 0 && gateways <= MAX_GATEWAYS && GatewayShare.valid(gateway, gateways)
                ? new GatewayShare((int) gateway, (int) gateways) : GatewayShare.NONE; // else: none said
        return new AnnounceResponse(peers, Duration.ofSeconds(every), Duration.ofSeconds(atLeast), complete, incomplete, rackMates, share);
    }

    /** The most gateways a rack may have for this peer to take its share of them (more: taken as none said). */
    static final int MAX_GATEWAYS = 64;

    /** The most rack-mates taken from one answer (the murder tracker sends at most 1,024). */
    static final int MAX_RACK_MATES = 4096;

    /** murder's {@code murder rack}/{@code murder rack6}: addresses of {@code length} bytes; a ragged tail is ignored. */
    private static void compactAddresses(byte[] bytes, int length, Set<InetAddress> out) {
        for (int at = 0; at + length <= bytes.length && out.size() < MAX_RACK_MATES; at += length) {
            try {
                out.add(InetAddress.getByAddress(Arrays.copyOfRange(bytes, at, at + length)));
            } catch (UnknownHostException e) {
                throw new AssertionError(e); // only for a length other than 4 or 16
            }
        }
    }

    /**
     * A dictionary-model peer's {@code ip} as an address, when it is an IPv4 dotted quad or an IPv6
     * literal; empty otherwise. Never a name to look up: "localhost", "", "127.1", a name with a NUL or
     * one no resolver knows were each resolved (on the announce thread, one lookup an entry) and dialled.
     */
    static java.util.Optional<InetAddress> ipLiteral(String ip) {
        if (!org.murder.core.IpLiteral.is(ip)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(InetAddress.getByName(ip)); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return java.util.Optional.empty(); // an IPv6 form that does not parse
        }
    }

    private static void compactPeers(byte[] bytes, int addressLength, List<InetSocketAddress> out) {
        int entry = addressLength + 2;
        for (int i = 0; i + entry <= bytes.length && out.size() < MAX_PEERS; i += entry) {
            byte[] addr = java.util.Arrays.copyOfRange(bytes, i, i + addressLength);
            int port = ((bytes[i + addressLength] & 0xff) << 8) | (bytes[i + addressLength + 1] & 0xff);
            if (port == 0) {
                continue;
            }
            try {
                InetAddress address = InetAddress.getByAddress(addr);
                if (dialable(address)) {
                    out.add(new InetSocketAddress(address, port));
                }
            } catch (UnknownHostException e) {
                // impossible for 4 or 16 bytes
            }
        }
    }

    /**
     * Whether a peer at {@code address} could be dialled: not the unspecified address (0.0.0.0, ::), a multicast group or
     * the IPv4 broadcast address, which a tracker's list (broken or hostile) may hold and each of which cost a dial.
     */
    static boolean dialable(InetAddress address) {
        byte[] a = address.getAddress();
        boolean broadcast = a.length == 4 && (a[0] & a[1] & a[2] & a[3]) == (byte) 0xff;
        return !address.isAnyLocalAddress() && !address.isMulticastAddress() && !broadcast;
    }

    /** {@code url} for a message: escaped, and cut at 256 characters (a torrent's 1 MB announce URL was logged whole at every failure). */
    static String shown(String url) {
        return org.murder.core.Printable.escape(url, 256);
    }
}
