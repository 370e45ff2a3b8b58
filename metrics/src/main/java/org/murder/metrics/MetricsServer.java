package org.murder.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Enumeration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * A daemon's metrics over HTTP: {@code GET /metrics} (the Prometheus client's scrape handler: text
 * format, gzip, OpenMetrics when asked, {@code name[]} filters) and {@code GET /healthz} (200
 * {@code ok}, or 503 and the reason).
 *
 * <p>Connections are read by Netty, on one thread of their own, and a request is answered on
 * {@link #THREADS} threads once it has come whole: a client that sends a byte now and then holds a
 * socket, not a thread. (The JDK's server, before, read requests on its handler threads: a few
 * clients renewing one-byte requests kept {@code /healthz} from everyone else.) A request must come
 * whole within {@link #MAX_REQUEST_SECONDS} of its first byte and a connection may wait idle
 * {@link #IDLE_SECONDS}; past {@link #MAX_CONNECTIONS} open, a new connection closes the oldest.
 */
public final class MetricsServer implements Closeable {
    static final String PATHS = "/metrics, /healthz";

    /** Requests answered at once (each read whole before): a scrape and a health check side by side. */
    static final int THREADS = 2;
    /** A request (line, headers) must come whole within this of its first byte, or its connection is closed. */
    static final int MAX_REQUEST_SECONDS = 5;
    /** A connection with no request under way is closed after this (a scraper reconnects; Prometheus keeps one alive between scrapes). */
    static final int IDLE_SECONDS = 60;
    /** Connections open at once; one more closes the oldest, so a new health check always gets in. */
    static final int MAX_CONNECTIONS = 256;
    /** A request line longer than this is refused (414); headers beyond {@link #MAX_HEADERS} (431); a body is not read. */
    private static final int MAX_REQUEST_LINE = 4096;
    private static final int MAX_HEADERS = 8192;

    private final EventLoopGroup group;
    private final ExecutorService handlers;
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(EventLoopGroup group, ExecutorService handlers, Channel listener) {
        this.group = group;
        this.handlers = handlers;
        this.listener = listener;
    }

    /** Listens on {@code endpoint}; a port in use or an address not of this host is a one-line {@link MurderException}. */
    public static MetricsServer start(MetricsEndpoint endpoint, PrometheusRegistry registry, HealthCheck health) {
        EventLoopGroup group = new NioEventLoopGroup(1, daemon("murder-metrics-io"));
        ExecutorService handlers = Executors.newFixedThreadPool(THREADS, daemon("murder-metrics"));
        PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
        ArrayDeque<Channel> open = new ArrayDeque<>(); // oldest first; touched on the I/O thread only
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.size() >= MAX_CONNECTIONS) {
                            open.pollFirst().close();
                        }
                        open.addLast(ch);
                        ch.closeFuture().addListener(f -> open.remove(ch));
                        RequestDeadline deadline = new RequestDeadline();
                        ch.pipeline().addLast(deadline) // sees the bytes: a request's time starts at its first
                                .addLast(new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADERS, 8192))
                                .addLast(new HttpObjectAggregator(0))
                                .addLast(new Answer(scrape, health, handlers, deadline));
                    }
                });
        try {
            Channel listener = bootstrap.bind(endpoint.socketAddress()).syncUninterruptibly().channel();
            return new MetricsServer(group, handlers, listener);
        } catch (Exception e) { // Netty rethrows the bind's BindException as it is
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            handlers.shutdownNow();
            throw bindFailure(endpoint, e);
        }
    }

    private static MurderException bindFailure(MetricsEndpoint endpoint, Exception e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof BindException || e.getCause() instanceof BindException || message.contains("in use")
                || message.toLowerCase(java.util.Locale.ROOT).contains("assign")) {
            if (message.contains("in use")) {
                return MurderException.failure("--metrics-port: " + endpoint.port() + " is in use (expected: a free TCP port)", e);
            }
            return MurderException.failure("--metrics-bind: cannot listen on " + endpoint.bind().getHostAddress() + " ("
                    + message.toLowerCase(java.util.Locale.ROOT) + "; expected: an address of this host, or 0.0.0.0)", e);
        }
        return MurderException.failure("metrics: cannot listen on " + endpoint.bind().getHostAddress() + ":" + endpoint.port()
                + " (" + message + ")", e);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Closes a connection whose request has not come whole {@link #MAX_REQUEST_SECONDS} after its first
     * byte, or that sent nothing for {@link #IDLE_SECONDS} (between requests, or from its opening).
     * First in the pipeline, where the bytes are; {@link Answer} tells it when a request came whole and
     * when its answer went out. On the connection's event loop only.
     */
    private static final class RequestDeadline extends io.netty.channel.ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> timer;
        private boolean underWay;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            arm(IDLE_SECONDS);
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

        /** The request came whole: it is answered now, whatever that takes. */
        void whole() {
            cancel();
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

    /** Answers a whole request on a handler thread and writes the answer back on the connection's own. */
    private static final class Answer extends SimpleChannelInboundHandler<HttpObject> {
        private final PrometheusScrapeHandler scrape;
        private final HealthCheck health;
        private final ExecutorService handlers;
        private final RequestDeadline deadline;

        Answer(PrometheusScrapeHandler scrape, HealthCheck health, ExecutorService handlers, RequestDeadline deadline) {
            this.scrape = scrape;
            this.health = health;
            this.handlers = handlers;
            this.deadline = deadline;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            deadline.whole();
            if (!(msg instanceof FullHttpRequest request) || request.decoderResult().isFailure()) {
                Throwable cause = msg.decoderResult().cause();
                HttpResponseStatus status = cause instanceof io.netty.handler.codec.TooLongFrameException
                        ? (String.valueOf(cause.getMessage()).contains("header") ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                                : HttpResponseStatus.REQUEST_URI_TOO_LONG)
                        : HttpResponseStatus.BAD_REQUEST;
                send(ctx, text(status, status.reasonPhrase().toLowerCase(java.util.Locale.ROOT) + "\n", false), false, deadline);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String method = request.method().name();
            String uri = request.uri();
            io.netty.handler.codec.http.HttpHeaders headers = request.headers().copy();
            try {
                handlers.execute(() -> {
                    FullHttpResponse response = answer(method, uri, headers);
                    ctx.executor().execute(() -> send(ctx, response, keepAlive, deadline));
                });
            } catch (RejectedExecutionException closing) {
                ctx.close();
            }
        }

        private FullHttpResponse answer(String method, String uri, io.netty.handler.codec.http.HttpHeaders headers) {
            boolean head = method.equals("HEAD");
            if (!method.equals("GET") && !head) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + Printable.escape(method)
                        + " not allowed (expected: GET or HEAD)\n", false);
            }
            QueryStringDecoder query = new QueryStringDecoder(uri);
            String path = query.path();
            try {
                switch (path) {
                    case "/metrics" -> {
                        return scrape(method, uri, query, headers);
                    }
                    case "/healthz" -> {
                        HealthStatus status = health.check();
                        return text(status.healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                status.detail() + "\n", head);
                    }
                    default -> {
                        return text(HttpResponseStatus.NOT_FOUND, "unknown path '" + Printable.escape(path) + "' (expected: "
                                + PATHS + ")\n", head);
                    }
                }
            } catch (RuntimeException | IOException e) {
                return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + Printable.escape(String.valueOf(e.getMessage()))
                        + "\n", head);
            }
        }

        private FullHttpResponse scrape(String method, String uri, QueryStringDecoder query,
                                        io.netty.handler.codec.http.HttpHeaders headers) throws IOException {
            ScrapeExchange exchange = new ScrapeExchange(method, uri, query, headers);
            scrape.handleRequest(exchange);
            return exchange.response();
        }

        private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, RequestDeadline deadline) {
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            written.addListener(keepAlive ? f -> deadline.answered() : ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection, mostly: nothing to tell anyone
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    /** The Prometheus client's view of one request, and the answer it writes, held whole in memory. */
    private static final class ScrapeExchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final String method;
        private final String uri;
        private final QueryStringDecoder query;
        private final io.netty.handler.codec.http.HttpHeaders headers;
        private final ByteBuf body = Unpooled.buffer();
        private final io.netty.handler.codec.http.HttpHeaders answerHeaders = new io.netty.handler.codec.http.DefaultHttpHeaders();
        private HttpResponseStatus status = HttpResponseStatus.INTERNAL_SERVER_ERROR;

        ScrapeExchange(String method, String uri, QueryStringDecoder query, io.netty.handler.codec.http.HttpHeaders headers) {
            this.method = method;
            this.uri = uri;
            this.query = query;
            this.headers = headers;
        }

        FullHttpResponse response() {
            boolean head = method.equals("HEAD");
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, head ? Unpooled.EMPTY_BUFFER : body);
            if (head) {
                body.release();
            }
            r.headers().set(answerHeaders);
            if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            }
            return r;
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
            // the answer is sent by the server once the handler returned
        }

        @Override
        public String getQueryString() {
            int q = uri.indexOf('?');
            return q < 0 ? null : uri.substring(q + 1);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(headers.getAll(name));
        }

        @Override
        public String getMethod() {
            return method;
        }

        @Override
        public String getRequestPath() {
            return query.path();
        }

        @Override
        public void setHeader(String name, String value) {
            answerHeaders.set(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            status = HttpResponseStatus.valueOf(statusCode);
            if (contentLength > 0) {
                answerHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            }
            return new ByteBufOutputStream(body);
        }
    }

    /** Stops listening; safe to call again (a signal's stop and the main thread's may both close it). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            handlers.shutdownNow();
        }
    }

    /** The address bound (the port chosen, when asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** {@code http://ADDR:PORT/metrics}, for the startup line. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
    }
}
