package org.murder.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A request target in absolute form (RFC 9112 3.2.2) is served as its path: it was answered 404. */
class SmallHttpServerTest {
    @Test
    void anAbsoluteFormTargetIsItsPathAndQuery() {
        assertEquals("/metrics", SmallHttpServer.originForm("http://127.0.0.1:9481/metrics"));
        assertEquals("/metrics?name[]=x", SmallHttpServer.originForm("HTTP://host:9481/metrics?name[]=x"));
        assertEquals("/", SmallHttpServer.originForm("http://host:9481"));
        assertEquals("/?a=1", SmallHttpServer.originForm("https://host?a=1"));
        assertEquals("/healthz", SmallHttpServer.originForm("/healthz"));
        assertEquals("*", SmallHttpServer.originForm("*"));
    }
}
