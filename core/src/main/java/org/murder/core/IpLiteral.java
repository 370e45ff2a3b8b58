package org.murder.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP address written out, told without a DNS lookup: what --ip, --bind and --web-bind take. */
public final class IpLiteral {
    private IpLiteral() {
    }

    /**
     * {@code value}, given as {@code option}, as an address to listen on: an IP address, or a name
     * this host resolves; else bad input (exit 2) naming both. An empty value is no address (the
     * JDK would take it for loopback).
     */
    public static InetAddress bindAddress(String option, String value) {
        try {
            if (value == null || value.isBlank()) {
                throw new UnknownHostException(value);
            }
            return InetAddress.getByName(value);
        } catch (UnknownHostException e) {
            throw MurderException.badInput(option + " '" + Printable.escape(String.valueOf(value)) + "': unknown address (expected: an IP"
                    + " address of this host, or 0.0.0.0 for every interface)");
        }
    }

    /** An IPv4 address in dotted quads, or an IPv6 one (a colon in it: the JDK then parses, never looks up). */
    public static boolean is(String text) {
        if (text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return java.util.Arrays.stream(text.split("\\.")).allMatch(o -> Integer.parseInt(o) <= 255);
        }
        if (!text.matches("[0-9A-Fa-f:.]{2,45}") || !text.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(text) != null;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
