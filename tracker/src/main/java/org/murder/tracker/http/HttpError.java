package org.murder.tracker.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the tracker will not serve, with the HTTP status and a one-line reason naming the
 * field, the bad value and what was expected. It closes nothing: the handler answers it and the
 * connection goes on. No stack trace: bad input is routine for a server.
 */
public final class HttpError extends RuntimeException {
    private final HttpResponseStatus status;
    private final String metricReason;

    public HttpError(HttpResponseStatus status, String metricReason, String message) {
        super(message, null, false, false);
        this.status = status;
        this.metricReason = metricReason;
    }

    /** 400 with the reason: a missing or malformed parameter. */
    public static HttpError badRequest(String message) {
        return new HttpError(HttpResponseStatus.BAD_REQUEST, "bad_request", message);
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The label of {@code murder_tracker_errors_total} this error counts under. */
    public String metricReason() {
        return metricReason;
    }
}
