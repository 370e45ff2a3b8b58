package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.murder.core.InfoHash;
import org.murder.core.LogThrottle;
import org.murder.tracker.swarm.AnnounceResult;
import org.murder.tracker.swarm.CapacityException;
import org.murder.tracker.swarm.ScrapeStats;
import org.murder.tracker.swarm.SwarmRegistry;
import org.murder.tracker.swarm.SwarmSnapshot;
import org.murder.tracker.whitelist.Whitelist;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes every complete request: {@code /announce}, {@code /scrape}, {@code /stats},
 * {@code /metrics}, {@code /whitelist[/HEX]}. Stateless, so one instance serves all channels.
 * Errors are answered (bencoded {@code failure reason} on tracker paths) and the connection
 * carries on, unless the HTTP framing itself was broken.
 */
@Sharable
public final class TrackerHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(TrackerHttpHandler.class);
    private static final Logger access = LoggerFactory.getLogger("org.murder.tracker.access");
    private static final String BENCODE = "text/plain";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PATHS = "/announce, /scrape, /stats, /metrics, /whitelist";
    /** The second line of {@code GET /whitelist/HASH} from a tracker that runs inside another command (see HttpSettings). */
    public static final String EMBEDDED_IN = "embedded in ";

    private final HttpSettings settings;
    private final SwarmRegistry registry;
    private final Whitelist whitelist;
    private final TrackerMetrics metrics;
    private final Clock clock;
    /** Scrapes that name no infohash share one answer a while. */
    private final FullScrape fullScrape;
    /** /stats and /metrics too (see SharedBody): a page is at most this old. */
    public static final java.time.Duration STATS_FRESH_FOR = java.time.Duration.ofSeconds(2);
    public static final java.time.Duration METRICS_FRESH_FOR = java.time.Duration.ofSeconds(1);
    private final SharedBody statsPage;
    private final SharedBody metricsPage;
    private final LogThrottle clientErrors = new LogThrottle(10_000, 20);
    private final LogThrottle capLog = new LogThrottle(60_000, 1);
    private final LogThrottle internalErrors = new LogThrottle(10_000, 5);

    public TrackerHttpHandler(HttpSettings settings, SwarmRegistry registry, Whitelist whitelist, TrackerMetrics metrics,
                              Clock clock) {
        this.settings = settings;
        this.registry = registry;
        this.whitelist = whitelist;
        this.metrics = metrics;
        this.clock = clock;
        this.fullScrape = new FullScrape(clock);
        this.statsPage = new SharedBody(clock, STATS_FRESH_FOR);
        this.metricsPage = new SharedBody(clock, METRICS_FRESH_FOR);
    }

    /** What a route answers: status, content type, body. */
    private record Reply(HttpResponseStatus status, String contentType, ByteBuf body) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        long start = System.nanoTime();
        if (!req.decoderResult().isSuccess()) {
            malformed(ctx, req);
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = pathOf(uri);
        String query = q < 0 ? "" : uri.substring(q + 1);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        Reply reply;
        try {
            reply = route(ctx, req, path, query, start);
        } catch (HttpError e) {
            reply = error(ctx, e, path, uri);
        } catch (RuntimeException e) {
            metrics.error("internal");
            log.warn("internal error on {} {}: {}", req.method(), AnnounceQuery.printable(uri), e.toString(), e);
            reply = failure(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
        }
        send(ctx, req, reply, keepAlive, start, false);
    }

    private Reply route(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query, long start) {
        switch (path) {
            case "/announce":
                requireGetOnly(req); // HEAD would announce: a health check must not join a swarm
                return announce(ctx, query, start);
            case "/scrape":
                requireGetOnly(req);
                return scrape(ctx, query, start);
            case "/stats":
                requireGet(req);
                return new Reply(HttpResponseStatus.OK, "text/html; charset=utf-8",
                        statsPage.answer(() -> utf8(StatsPage.render(registry.snapshot(), whitelist, clock.millis()))));
            case "/metrics":
                requireGet(req);
                return new Reply(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                        metricsPage.answer(() -> utf8(metrics.render())));
            case "/whitelist":
                requireGet(req);
                return text(ctx, HttpResponseStatus.OK, TEXT, whitelistListing());
            default:
                if (path.startsWith("/whitelist/")) {
                    return whitelistChange(ctx, req, path.substring("/whitelist/".length()));
                }
                throw new HttpError(HttpResponseStatus.NOT_FOUND, "not_found",
                        "unknown path '" + AnnounceQuery.printable(path) + "' (expected: " + PATHS + ")");
        }
    }

    /** GET, or HEAD: the same headers without the body (monitoring probes, load balancers' checks). */
    private static void requireGet(FullHttpRequest req) {
        if (!isGet(req.method())) {
            throw new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "method " + req.method() + " (expected: GET or HEAD)");
        }
    }

    private static void requireGetOnly(FullHttpRequest req) {
        if (!HttpMethod.GET.equals(req.method())) {
            throw new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "method " + req.method() + " (expected: GET)");
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** What a 405 on {@code path} says it takes (RFC 9110: the methods that path supports). */
    static String allowed(String path) {
        return switch (path) {
            case "/announce", "/scrape" -> "GET";
            case "/stats", "/metrics", "/whitelist" -> "GET, HEAD";
            default -> path.startsWith("/whitelist/") ? "GET, HEAD, POST, PUT, DELETE" : "GET, HEAD";
        };
    }

    private static boolean isGet(HttpMethod m) {
        return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m);
    }

    private Reply announce(ChannelHandlerContext ctx, String query, long start) {
        AnnounceQuery aq = AnnounceQuery.parse(Query.parse(query, HttpSettings.MAX_PARAMETERS), remoteAddress(ctx),
                settings.policy());
        InfoHash ih = aq.announce().infoHash();
        if (!whitelist.allows(ih)) {
            metrics.error("not_whitelisted");
            return failure(ctx, HttpResponseStatus.OK, "torrent " + ih + " is not registered with this tracker");
        }
        AnnounceResult r;
        try {
            r = registry.announce(aq.announce());
        } catch (CapacityException e) {
            return capacity(ctx, e);
        }
        ByteBuf body = ctx.alloc().buffer(200 + 6 * r.peers().size() + 4 * r.rackMates().size());
        Responses.announce(body, r, settings.intervalSeconds(), settings.minIntervalSeconds(), aq.compact(), aq.noPeerId());
        metrics.announce(aq.announce().event(), System.nanoTime() - start);
        return new Reply(HttpResponseStatus.OK, BENCODE, body);
    }

    private Reply scrape(ChannelHandlerContext ctx, String query, long start) {
        Query q = Query.parse(query, HttpSettings.MAX_PARAMETERS);
        List<byte[]> hashes = q.all("info_hash");
        if (hashes.isEmpty()) {
            ByteBuf all = fullScrape.answer(() -> {
                Map<InfoHash, ScrapeStats> files = new LinkedHashMap<>();
                registry.scrapeAll().forEach((ih, s) -> {
                    if (whitelist.allows(ih)) {
                        files.put(ih, s);
                    }
                });
                return files;
            });
            metrics.scrape(System.nanoTime() - start);
            return new Reply(HttpResponseStatus.OK, BENCODE, all);
        }
        Map<InfoHash, ScrapeStats> files = new LinkedHashMap<>();
        for (byte[] h : hashes) {
            if (h.length != InfoHash.LENGTH) {
                throw HttpError.badRequest("info_hash: " + h.length + " bytes (expected: 20)");
            }
            InfoHash ih = InfoHash.of(h);
            if (whitelist.allows(ih)) {
                files.put(ih, registry.scrape(ih));
            }
        }
        ByteBuf body = ctx.alloc().buffer(16 + 80 * files.size());
        Responses.scrape(body, files);
        metrics.scrape(System.nanoTime() - start);
        return new Reply(HttpResponseStatus.OK, BENCODE, body);
    }

    private Reply capacity(ChannelHandlerContext ctx, CapacityException e) {
        metrics.capHit(e.cap());
        metrics.error("capacity");
        long heldBack = capLog.acquire();
        if (heldBack >= 0) {
            log.warn("cap hit: {}{}", e.getMessage(), LogThrottle.suffix(heldBack));
        }
        return failure(ctx, HttpResponseStatus.OK, e.getMessage());
    }

    private String whitelistListing() {
        StringBuilder sb = new StringBuilder();
        if (whitelist.isOpen()) {
            sb.append("# open mode: every infohash is served\n");
        }
        whitelist.registered().stream().map(InfoHash::toHex).sorted().forEach(h -> sb.append(h).append(" registered\n"));
        whitelist.directoryEntries().stream().map(InfoHash::toHex).sorted()
                .forEach(h -> sb.append(h).append(" directory\n"));
        return sb.toString();
    }

    /** {@code POST|PUT /whitelist/HEX} registers, {@code DELETE} unregisters; {@code GET} tells. */
    private Reply whitelistChange(ChannelHandlerContext ctx, FullHttpRequest req, String hex) {
        InfoHash ih;
        try {
            ih = InfoHash.fromHex(hex);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("infohash '" + AnnounceQuery.printable(hex) + "' (expected: 40 hex digits)");
        }
        HttpMethod m = req.method();
        if (isGet(m)) {
            boolean allowed = whitelist.allows(ih);
            return text(ctx, allowed ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND, TEXT,
                    ih + (allowed ? " whitelisted\n" : " not whitelisted\n")
                    + settings.embeddedIn().filter(owner -> fromThisHost(ctx))
                            .map(owner -> EMBEDDED_IN + owner + ", and stops with it\n").orElse(""));
        }
        if (!HttpMethod.POST.equals(m) && !HttpMethod.PUT.equals(m) && !HttpMethod.DELETE.equals(m)) {
            throw new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "method " + m + " (expected: GET, HEAD, POST, PUT or DELETE)");
        }
        authorize(ctx, req);
        if (whitelist.isOpen()) {
            return text(ctx, HttpResponseStatus.OK, TEXT, ih + " served: the tracker is in open mode\n");
        }
        if (HttpMethod.DELETE.equals(m)) {
            if (!whitelist.unregister(ih)) {
                return text(ctx, HttpResponseStatus.NOT_FOUND, TEXT, ih + " was not registered\n");
            }
            if (whitelist.allows(ih)) {
                log.info("whitelist: unregistered {} (still served: its torrent is in the whitelist directory)", ih);
                return text(ctx, HttpResponseStatus.OK, TEXT, ih + " unregistered; still served from the whitelist directory\n");
            }
            int dropped = registry.drop(ih);
            log.info("whitelist: unregistered {} by {}; dropped its swarm ({} peers)", ih, ctx.channel().remoteAddress(), dropped);
            return text(ctx, HttpResponseStatus.OK, TEXT, ih + " unregistered; dropped " + dropped + " peers\n");
        }
        boolean added;
        try {
            added = whitelist.register(ih);
        } catch (IllegalStateException e) {
            metrics.capHit("swarms");
            throw new HttpError(HttpResponseStatus.SERVICE_UNAVAILABLE, "capacity", e.getMessage());
        }
        if (added) {
            log.info("whitelist: registered {} by {}", ih, ctx.channel().remoteAddress());
        }
        return text(ctx, added ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, TEXT,
                ih + (added ? " registered\n" : " already registered\n"));
    }

    /**
     * With a token: {@code Authorization: Bearer TOKEN} from anywhere. Without: loopback clients only. Never a browser's
     * request (one with {@code Origin}, or {@code Sec-Fetch-Site} other than {@code none}): a web page open on the tracker's
     * host could POST to 127.0.0.1 without a preflight and register any torrent (murder, curl and scripts send neither).
     */
    private void authorize(ChannelHandlerContext ctx, FullHttpRequest req) {
        String site = req.headers().get("Sec-Fetch-Site", "none");
        if (req.headers().contains(HttpHeaderNames.ORIGIN) || !"none".equalsIgnoreCase(site.trim())) {
            throw new HttpError(HttpResponseStatus.FORBIDDEN, "forbidden", "whitelist changes are not taken from a web page (the"
                    + " request has " + (req.headers().contains(HttpHeaderNames.ORIGIN) ? "an Origin" : "a Sec-Fetch-Site") + " header;"
                    + " expected: murder, curl or a script)");
        }
        if (settings.adminToken().isPresent()) {
            String header = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
            byte[] given = header.startsWith("Bearer ") ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
            byte[] expected = settings.adminToken().get().getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(given, expected)) {
                throw new HttpError(HttpResponseStatus.FORBIDDEN, "forbidden",
                        "whitelist changes need the admin token (expected: Authorization: Bearer TOKEN)");
            }
        } else if (!remoteAddress(ctx).isLoopbackAddress()) {
            throw new HttpError(HttpResponseStatus.FORBIDDEN, "forbidden",
                    "whitelist changes are allowed from loopback only (start the tracker with --admin-token-file to allow others)");
        }
    }

    private Reply error(ChannelHandlerContext ctx, HttpError e, String path, String uri) {
        metrics.error(e.metricReason());
        long heldBack = clientErrors.acquire();
        if (heldBack >= 0) {
            log.info("{} {} from {}: {}{}", e.status().code(), AnnounceQuery.printable(path), ctx.channel().remoteAddress(),
                    e.getMessage(), LogThrottle.suffix(heldBack));
        }
        if (path.startsWith("/whitelist") || path.equals("/stats") || path.equals("/metrics")) {
            return text(ctx, e.status(), TEXT, e.getMessage() + "\n");
        }
        return failure(ctx, e.status(), e.getMessage());
    }

    private static Reply failure(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        ByteBuf body = ctx.alloc().buffer(32 + reason.length());
        Responses.failure(body, reason);
        return new Reply(status, BENCODE, body);
    }

    /**
     * {@code text} as a direct buffer of its exact size (ByteBufUtil.writeUtf8 reserved three bytes a character):
     * direct, so that the replies sharing it are written from it as they are (Netty copies a heap buffer into a
     * direct one of its own for every write).
     */
    private static ByteBuf utf8(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }

    private static Reply text(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String text) {
        return new Reply(status, contentType, ByteBufUtil.writeUtf8(ctx.alloc(), text));
    }

    /** The codec could not parse the request: answer once and close, the framing is lost. */
    private void malformed(ChannelHandlerContext ctx, FullHttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        HttpError e;
        if (cause instanceof TooLongHttpLineException) {
            e = new HttpError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "too_large",
                    "request line longer than " + settings.maxRequestLine() + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException) {
            e = new HttpError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too_large",
                    "request headers larger than " + settings.maxHeaderSize() + " bytes");
        } else if (cause instanceof TooLongFrameException) {
            e = new HttpError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "request too large: "
                    + org.murder.core.Printable.escape(String.valueOf(cause.getMessage()), 200));
        } else {
            // the codec's message quotes the request's bytes (an ESC sequence in its version): escaped as every reason is
            e = HttpError.badRequest("malformed HTTP request: " + (cause == null ? "unknown"
                    : org.murder.core.Printable.escape(String.valueOf(cause.getMessage()), 200)));
        }
        Reply reply = error(ctx, e, "/", "");
        send(ctx, req, reply, false, System.nanoTime(), true);
    }

    /** Writes {@code reply}; {@code broken} when the request could not be parsed (its version is unknown then). */
    private void send(ChannelHandlerContext ctx, FullHttpRequest req, Reply reply, boolean keepAlive, long start, boolean broken) {
        HttpVersion version = !broken && req.protocolVersion() == HttpVersion.HTTP_1_0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        int bodyLength = reply.body().readableBytes();
        boolean head = !broken && HttpMethod.HEAD.equals(req.method());
        if (head) {
            reply.body().release(); // what a GET would get, but its body
        }
        int bytes = head ? 0 : bodyLength; // sent, for the access log
        FullHttpResponse res = new DefaultFullHttpResponse(version, reply.status(), head ? Unpooled.EMPTY_BUFFER : reply.body());
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        res.headers().set("X-Content-Type-Options", "nosniff"); // a reason may quote what the client sent
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bodyLength);
        if (reply.status() == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            res.headers().set(HttpHeaderNames.ALLOW, allowed(broken ? "/" : pathOf(req.uri())));
        }
        if (keepAlive) {
            if (version == HttpVersion.HTTP_1_0) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(res);
        if (broken) {
            Closer.afterFlush(f);
        } else if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        if (settings.accessLog()) {
            access.info("{} \"{} {}\" {} {} {}us", ctx.channel().remoteAddress(), req.method(),
                    AnnounceQuery.printable(req.uri(), 1024), reply.status().code(), bytes, (System.nanoTime() - start) / 1000);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof io.netty.handler.codec.PrematureChannelClosureException) {
            // the client went (a reset, or closed part way through a request's body): its doing, not ours
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            metrics.error("internal");
            long heldBack = internalErrors.acquire(); // one per connection at most, but a client may open thousands
            if (heldBack >= 0) {
                log.warn("connection {} failed: {}{}", ctx.channel().remoteAddress(), cause.toString(), LogThrottle.suffix(heldBack));
            }
        }
        ctx.close();
    }

    /**
     * Whether the client connected from this host (loopback, or the address it reached us on): only
     * such a client (a deploy about to start beside us) is told which command embeds this tracker,
     * not every client that can reach it (a deploy's tag and pid are nobody else's business).
     */
    private static boolean fromThisHost(ChannelHandlerContext ctx) {
        return fromThisHost(remoteAddress(ctx), ((InetSocketAddress) ctx.channel().localAddress()).getAddress());
    }

    /** A client at {@code remote} that reached us on {@code local}: loopback, or the very address it connected to. */
    static boolean fromThisHost(InetAddress remote, InetAddress local) {
        return remote.isLoopbackAddress() || remote.equals(local);
    }

    private static InetAddress remoteAddress(ChannelHandlerContext ctx) {
        return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }
}
