package org.murder.tracker.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TrackerHttpHandlerTest {
    private static InetAddress at(String address) throws Exception {
        return InetAddress.getByName(address);
    }

    @Test
    void onlyAClientOfThisHostIsToldWhichCommandEmbedsTheTracker() throws Exception {
        assertTrue(TrackerHttpHandler.fromThisHost(at("127.0.0.1"), at("127.0.0.1")));
        assertTrue(TrackerHttpHandler.fromThisHost(at("127.0.0.2"), at("10.0.0.5")), "any loopback address");
        assertTrue(TrackerHttpHandler.fromThisHost(at("::1"), at("::1")));
        assertTrue(TrackerHttpHandler.fromThisHost(at("10.0.0.5"), at("10.0.0.5")), "this host through its own address");
        assertFalse(TrackerHttpHandler.fromThisHost(at("10.0.0.6"), at("10.0.0.5")), "another host");
        assertFalse(TrackerHttpHandler.fromThisHost(at("fd00::6"), at("fd00::5")));
    }
}
