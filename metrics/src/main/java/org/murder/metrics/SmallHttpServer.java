package org.murder.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.murder.core.Printable;

/**
 * A small HTTP/1.1 server for a daemon's own pages ({@code /metrics}, {@code /healthz}, the deploy's
 * web page): GET and HEAD of small answers made whole in memory.
 *
 * <p>Connections are read by Netty on one thread of their own, and a request is handed to the
 * {@link Handler} on a few threads once it has come whole: a client that sends a byte now and then
 * holds a socket, not a thread. (The JDK's server, before, read requests on its handler threads: a
 * few clients renewing one-byte requests kept {@code /healthz} from everyone else.) A request must
 * come whole within {@link #MAX_REQUEST_SECONDS} of its first byte (the first one of a connection:
 * of its opening), a connection may wait idle {@link #IDLE_SECONDS} between requests, and past
 * {@link #MAX_CONNECTIONS} open a new connection closes the oldest of the address that holds the
 * most, so a new client always gets in and one address opening connections in a loop closes its own
 * (closing the oldest of all, it closed every other client's before their requests came); an answer
 * must be written within {@link #IDLE_SECONDS} of its request. A
 * request line over 4 KiB is answered 414, headers over 8 KiB 431, a body 413, garbage 400; each closes
 * its connection.
 */
public final class SmallHttpServer implements Closeable {
    /**
     * A request target in absolute form ({@code http://host:port/metrics?x}, RFC 9112 3.2.2, which a server must accept) as
     * its path and query; any other form as it is. It was answered 404.
     */
    static String originForm(String target) {
        for (String scheme : new String[] {"http://", "https://"}) {
            if (target.regionMatches(true, 0, scheme, 0, scheme.length())) {
                int path = target.indexOf('/', scheme.length());
                int query = target.indexOf('?', scheme.length());
                if (path < 0 || (query >= 0 && query < path)) {
                    return query < 0 ? "/" : "/" + target.substring(query);
                }
                return target.substring(path);
            }
        }
        return target;
    }

    /** A request (line, headers) must come whole within this of its first byte, or its connection is closed. */
    public static final int MAX_REQUEST_SECONDS = 5;
    /** A connection with no request under way is closed after this (a scraper reconnects; Prometheus keeps one alive between scrapes). */
    public static final int IDLE_SECONDS = 60;
    /** Connections open at once; one more closes the oldest. */
    public static final int MAX_CONNECTIONS = 256;
    private static final int MAX_REQUEST_LINE = 4096;
    private static final int MAX_HEADERS = 8192;

    /** One request, read whole. */
    public record Request(String method, String uri, String path, io.netty.handler.codec.http.HttpHeaders headers) {
        public boolean isHead() {
            return method.equals("HEAD");
        }

        /** Every value of header {@code name} (any case), in order. */
        public List<String> header(String name) {
            return headers.getAll(name);
        }
    }

    /** An answer: its status, headers (Content-Length is set from the body) and body (left out for HEAD). */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public Response {
            headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        public static Response text(int status, String body) {
            return new Response(status, Map.of("Content-Type", "text/plain; charset=utf-8"), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Answers one request, on one of the server's handler threads. */
    public interface Handler {
        Response handle(Request request) throws IOException;
    }

    private final EventLoopGroup group;
    private final ExecutorService handlers;
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SmallHttpServer(EventLoopGroup group, ExecutorService handlers, Channel listener) {
        this.group = group;
        this.handlers = handlers;
        this.listener = listener;
    }

    /**
     * Listens on {@code address} (port 0: a free one) and answers with {@code handler} on {@code threads}
     * threads named {@code name}.
     *
     * @throws IOException the bind's failure as it is ({@link java.net.BindException} for a port in use or an address not of this host)
     */
    public static SmallHttpServer start(InetSocketAddress address, String name, int threads, Handler handler) throws IOException {
        EventLoopGroup group = new NioEventLoopGroup(1, daemon(name + "-io"));
        ExecutorService handlers = Executors.newFixedThreadPool(threads, daemon(name));
        OpenConnections open = new OpenConnections(); // on the one I/O thread only
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024) // 64 dropped SYNs of a client that connects in a loop: 1 s stalls
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.size() >= MAX_CONNECTIONS) {
                            open.oldestOfBusiestSource().close();
                        }
                        open.add(ch);
                        ch.closeFuture().addListener(f -> open.remove(ch));
                        RequestDeadline deadline = new RequestDeadline();
                        ch.pipeline().addLast(deadline) // sees the bytes: a request's time starts at its first
                                .addLast(new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADERS, 8192))
                                .addLast(new WholeRequests())
                                .addLast(new Answer(handler, handlers, deadline));
                    }
                });
        try {
            Channel listener = bootstrap.bind(address).syncUninterruptibly().channel();
            return new SmallHttpServer(group, handlers, listener);
        } catch (Exception e) { // Netty rethrows the bind's own exception, checked or not
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            handlers.shutdownNow();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Open connections by source address, oldest first in each. */
    private static final class OpenConnections {
        private final Map<java.net.InetAddress, ArrayDeque<Channel>> bySource = new java.util.HashMap<>();
        private int size;

        int size() {
            return size;
        }

        void add(Channel ch) {
            bySource.computeIfAbsent(source(ch), k -> new ArrayDeque<>()).addLast(ch);
            size++;
        }

        void remove(Channel ch) {
            ArrayDeque<Channel> of = bySource.get(source(ch));
            if (of != null && of.remove(ch)) {
                size--;
                if (of.isEmpty()) {
                    bySource.remove(source(ch));
                }
            }
        }

        /** The oldest connection of the address holding the most (at most {@link #MAX_CONNECTIONS} to look through). */
        Channel oldestOfBusiestSource() {
            ArrayDeque<Channel> busiest = null;
            for (ArrayDeque<Channel> of : bySource.values()) {
                if (busiest == null || of.size() > busiest.size()) {
                    busiest = of;
                }
            }
            return busiest.peekFirst();
        }

        private static java.net.InetAddress source(Channel ch) {
            return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The address bound (the port chosen, when asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening and closes every connection; safe to call again. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            handlers.shutdownNow();
        }
    }

    /**
     * Closes a connection whose request has not come whole {@link #MAX_REQUEST_SECONDS} after its first
     * byte (the first request of a connection: of its opening), or that sent nothing for {@link #IDLE_SECONDS}
     * between requests.
     * First in the pipeline, where the bytes are; {@link Answer} tells it when a request came whole and
     * when its answer went out. On the connection's event loop only.
     */
    private static final class RequestDeadline extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> timer;
        private boolean underWay;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            underWay = true; // its first request is due from now: a connection that sends nothing is not kept a minute
            arm(MAX_REQUEST_SECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!underWay) {
                underWay = true;
                arm(MAX_REQUEST_SECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        /**
         * The request came whole: it is answered now, and the answer must be written within {@link #IDLE_SECONDS} (a client
         * that asked and reads nothing would hold the connection and its answer for good).
         */
        void whole() {
            arm(IDLE_SECONDS);
        }

        /** Its answer was written: the connection may wait idle for the next request. */
        void answered() {
            underWay = false;
            if (ctx.channel().isActive()) {
                arm(IDLE_SECONDS);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        private void arm(int seconds) {
            cancel();
            timer = ctx.executor().schedule(() -> {
                ctx.close();
            }, seconds, TimeUnit.SECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /**
     * Makes each request whole for {@link Answer}: a GET or HEAD has no body. One that comes with one
     * (or chunks), and what the codec could not read (400, 414, 431), become a {@link Refusal}, answered
     * in its turn among the requests before it (Netty's aggregator answered a body at once, ahead of
     * them) and then closing the connection; what follows it is discarded.
     */
    private static final class WholeRequests extends MessageToMessageDecoder<HttpObject> {
        private HttpRequest head;

        @Override
        protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) {
            if (msg.decoderResult().isFailure()) {
                Throwable cause = msg.decoderResult().cause();
                int status = cause instanceof TooLongFrameException
                        ? (String.valueOf(cause.getMessage()).contains("header") ? 431 : 414)
                        : 400;
                out.add(new Refusal(status, HttpResponseStatus.valueOf(status).reasonPhrase().toLowerCase(Locale.ROOT) + "\n"));
                head = null;
                return;
            }
            if (msg instanceof HttpRequest request) {
                if (request.protocolVersion().majorVersion() != 1) { // Netty takes any HTTP/N.M: HTTP/9.9 was answered 200
                    out.add(new Refusal(505, "HTTP version " + request.protocolVersion().text() + " not supported (expected:"
                            + " HTTP/1.0 or HTTP/1.1)\n"));
                    head = null;
                    return;
                }
                head = request;
            }
            if (head == null) {
                return; // what follows a refused request
            }
            if (msg instanceof HttpContent content && content.content().isReadable()) {
                out.add(new Refusal(413, "a request with a body (expected: GET or HEAD without one)\n"));
                head = null;
            } else if (msg instanceof LastHttpContent) {
                out.add(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER,
                        head.headers(), EmptyHttpHeaders.INSTANCE));
                head = null;
            }
        }
    }

    /** A request answered with {@code status} and {@code text}, after which its connection closes. */
    private record Refusal(int status, String text) {
    }

    /**
     * Answers a connection's whole requests one at a time, each on a handler thread, and writes the
     * answer back on the connection's own. Reading pauses while one is answered; requests that came
     * in the same read wait their turn, {@link #MAX_WAITING} at most (a client that pipelines more is
     * closed: a thousand requests in one packet were a thousand answers built at once).
     */
    private static final class Answer extends SimpleChannelInboundHandler<Object> {
        static final int MAX_WAITING = 8;
        private final Handler handler;
        private final ExecutorService handlers;
        private final RequestDeadline deadline;
        /** On the connection's event loop only. */
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        private boolean busy;

        Answer(Handler handler, ExecutorService handlers, RequestDeadline deadline) {
            this.handler = handler;
            this.handlers = handlers;
            this.deadline = deadline;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            deadline.whole();
            Runnable next;
            if (msg instanceof Refusal refusal) {
                next = () -> send(ctx, response(Response.text(refusal.status(), refusal.text()), false), false);
            } else {
                FullHttpRequest request = (FullHttpRequest) msg;
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                HttpVersion version = request.protocolVersion();
                String uri = originForm(request.uri());
                Request r = new Request(request.method().name(), uri, new QueryStringDecoder(uri).path(), request.headers().copy());
                next = () -> dispatch(ctx, r, keepAlive, version);
            }
            if (!busy) {
                busy = true;
                ctx.channel().config().setAutoRead(false);
                next.run();
            } else if (waiting.size() < MAX_WAITING) {
                waiting.add(next);
            } else {
                ctx.close();
            }
        }

        private void dispatch(ChannelHandlerContext ctx, Request r, boolean keepAlive, HttpVersion version) {
            try {
                handlers.execute(() -> {
                    FullHttpResponse out;
                    try {
                        out = response(java.util.Objects.requireNonNull(handler.handle(r), "no answer"), r.isHead());
                    } catch (Exception | Error e) { // whatever it was, the client gets an answer and the connection goes on
                        out = response(Response.text(500, "error: " + Printable.escape(String.valueOf(e.getMessage())) + "\n"),
                                r.isHead());
                    }
                    if (version == HttpVersion.HTTP_1_0) { // its client looks for "Connection: keep-alive" in a 1.0 answer
                        out.setProtocolVersion(HttpVersion.HTTP_1_0);
                    }
                    FullHttpResponse answer = out;
                    try {
                        ctx.executor().execute(() -> send(ctx, answer, keepAlive));
                    } catch (RejectedExecutionException stopping) { // the server closes: its loop is gone
                        answer.release();
                    }
                });
            } catch (RejectedExecutionException closing) {
                ctx.close();
            }
        }

        private void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.writeAndFlush(response).addListener(keepAlive ? f -> answered(ctx) : ChannelFutureListener.CLOSE);
        }

        /** On the connection's loop: the next request that waits, or reading again. */
        private void answered(ChannelHandlerContext ctx) {
            deadline.answered();
            Runnable next = waiting.poll();
            if (next != null) {
                next.run();
            } else {
                busy = false;
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection, mostly: nothing to tell anyone
        }
    }

    private static FullHttpResponse response(Response answer, boolean head) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
        r.headers().set("X-Content-Type-Options", "nosniff"); // an error may quote what the client sent
        answer.headers().forEach((name, value) -> r.headers().set(name, value));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        return r;
    }
}
