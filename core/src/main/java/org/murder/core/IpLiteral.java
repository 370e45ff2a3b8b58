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

    /** A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), underscores too (container names). */
    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");

    /**
     * An IP address ({@link #is}) or a host name ({@link #HOST_NAME}; not all digits and dots:
     * "999.1.1.1" and "1.2.3.256" are no address and no name).
     */
    public static boolean isHostOrAddress(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        return is(text) || HOST_NAME.matcher(text).matches() && !text.matches("[0-9.]+");
    }
}
