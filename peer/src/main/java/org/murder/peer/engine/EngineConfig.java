package org.murder.peer.engine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import org.murder.core.PortRange;
import org.murder.core.RackName;
import org.murder.core.Rate;

/**
 * Everything that tunes the engine, with datacenter defaults: peers are trusted, links are fast,
 * so unchoke every interested peer up to a cap, keep request pipelines as deep as each peer's rate
 * needs and reannounce often.
 * Build with {@link #builder()}; values are validated when built.
 *
 * @param portRange          listen on the first free port of this range
 * @param bindAddress        address to listen on (empty: all)
 * @param announceIp         address to tell the tracker (empty: the tracker uses the source address)
 * @param maxConnections     most peer connections per torrent
 * @param maxUnchoked        most peers we upload to at once per torrent
 * @param pipelineBlocks     most data in flight per peer, in 16 KiB blocks (a request to a murder peer spans several)
 * @param pipelineTime       requests in flight per murder peer: this long at the rate it delivers (other clients: at
 *                           least 250 ms; links whose round trip exceeds it want more; see RequestDepth)
 * @param randomFirstPieces  pieces picked at random before rarest-first starts
 * @param orderWindow        bytes of pieces to choose among: a new piece is chosen at random among the
 *                           first this many bytes of the rarest pieces the peer has, in file order
 *                           (at least 32 pieces; see PiecePicker), so the download runs nearly in
 *                           order and the file's md5 keeps pace with it instead of reading most of
 *                           the file back after the last piece
 * @param reannounce         announce interval while downloading (the tracker's interval applies once seeding)
 * @param stallTimeout       fail a download when no data arrives for this long
 * @param idleTimeout        close a connection that sends nothing for this long
 * @param handshakeTimeout   close a connection whose handshake has not come in this long
 * @param keepAlive          send a keep-alive after this long without sending
 * @param maxQueuedUploads   most requests a peer may have queued with us; more is a flood and closes it
 * @param maxUp              upload limit for the whole process
 * @param maxDown            download limit for the whole process
 * @param ioThreads          Netty event loop threads
 * @param hashThreads        threads verifying pieces
 * @param rack               the rack to tell the tracker (empty: none; see the tracker's PeerChoice)
 * @param rackProofs         proves our rack to murder peers and checks theirs: a peer's rack is then believed only
 *                           with a proof under the same key, and a tracker's word on racks is not taken (empty: racks
 *                           said are believed, as standalone peers without a shared secret must)
 */
public record EngineConfig(PortRange portRange, Optional<InetAddress> bindAddress, Optional<String> announceIp,
        int maxConnections, int maxUnchoked, int pipelineBlocks, Duration pipelineTime, int randomFirstPieces, long orderWindow, Duration reannounce,
        Duration stallTimeout, Duration idleTimeout, Duration handshakeTimeout, Duration keepAlive, int maxQueuedUploads, Rate maxUp, Rate maxDown,
        int ioThreads, int hashThreads, Optional<RackName> rack, Optional<RackProofs> rackProofs) {

    public static final int BLOCK_SIZE = 16 * 1024;
    /** A download without data this long fails, unless its caller says otherwise (murder peer: --stall-timeout). */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(2);
    /**
     * Blocks per request to another murder peer: 64 KiB, which murder accepts (up to 128 KiB, any
     * version) and other clients do not (BEP 3: they close a connection asking more than 16 KiB).
     * A quarter of the requests, replies, writes and bookkeeping: on loopback, one GiB 1 -> 1 in
     * 3.0-3.1 s against 3.5, 4.1 CPU s per GiB against 4.7 (128 KiB measured the same as 64).
     */
    public static final int MURDER_REQUEST_BLOCKS = 4;
    public static final PortRange DEFAULT_PORTS = new PortRange(6881, 6889);

    public EngineConfig {
        positive("maxConnections", maxConnections);
        positive("maxUnchoked", maxUnchoked);
        positive("pipelineBlocks", pipelineBlocks);
        positive("maxQueuedUploads", maxQueuedUploads);
        positive("ioThreads", ioThreads);
        positive("hashThreads", hashThreads);
        if (orderWindow < 1) {
            throw new IllegalArgumentException("orderWindow: " + orderWindow + " (expected: >= 1 byte)");
        }
        if (randomFirstPieces < 0) {
            throw new IllegalArgumentException("randomFirstPieces: " + randomFirstPieces + " (expected: >= 0)");
        }
        for (var d : new Object[][] {{"pipelineTime", pipelineTime}, {"reannounce", reannounce}, {"stallTimeout", stallTimeout},
                {"idleTimeout", idleTimeout}, {"handshakeTimeout", handshakeTimeout}, {"keepAlive", keepAlive}}) {
            if (((Duration) d[1]).isNegative() || ((Duration) d[1]).isZero()) {
                throw new IllegalArgumentException(d[0] + ": " + d[1] + " (expected: a positive duration)");
            }
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.portRange = portRange;
        b.bindAddress = bindAddress;
        b.announceIp = announceIp;
        b.maxConnections = maxConnections;
        b.maxUnchoked = maxUnchoked;
        b.pipelineBlocks = pipelineBlocks;
        b.pipelineTime = pipelineTime;
        b.randomFirstPieces = randomFirstPieces;
        b.orderWindow = orderWindow;
        b.reannounce = reannounce;
        b.stallTimeout = stallTimeout;
        b.idleTimeout = idleTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.keepAlive = keepAlive;
        b.maxQueuedUploads = maxQueuedUploads;
        b.maxUp = maxUp;
        b.maxDown = maxDown;
        b.ioThreads = ioThreads;
        b.hashThreads = hashThreads;
        b.rack = rack;
        b.rackProofs = rackProofs;
        return b;
    }

    /** Defaults in one place. */
    public static final class Builder {
        private PortRange portRange = DEFAULT_PORTS;
        private Optional<InetAddress> bindAddress = Optional.empty();
        private Optional<String> announceIp = Optional.empty();
        private int maxConnections = 100;
        /**
         * 8, as libtorrent: a host that uploads to every interested peer at once (64 before) sends
         * each a piece at c/64, so a piece it got waits that much longer before its peers can pass
         * it on. In bench/swarm-sim.sh: 150 hosts at 8 Mbit/s, last host 2.46 -> 1.52 x F/c; 100
         * hosts at 1 Mbit/s, 2.05 -> 1.41; 300 hosts at 50 Mbit/s, 1.77 -> 1.73; 16 hosts unchanged.
         */
        private int maxUnchoked = 8;
        private int pipelineBlocks = 256;
        /** 100 ms (250 before: promised more pieces to busy peers' queues; see RequestDepth). */
        private Duration pipelineTime = Duration.ofMillis(100);
        private int randomFirstPieces = 4;
        private long orderWindow = 16L << 20;
        private Duration reannounce = Duration.ofSeconds(15);
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
        private Duration idleTimeout = Duration.ofMinutes(3);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration keepAlive = Duration.ofMinutes(1);
        private int maxQueuedUploads = 4096;
        private Rate maxUp = Rate.UNLIMITED;
        private Rate maxDown = Rate.UNLIMITED;
        private int ioThreads = 1;
        private int hashThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Optional<RackName> rack = Optional.empty();
        private Optional<RackProofs> rackProofs = Optional.empty();

        public Builder portRange(PortRange v) {
            portRange = v;
            return this;
        }

        public Builder bindAddress(InetAddress v) {
            bindAddress = Optional.ofNullable(v);
            return this;
        }

        public Builder announceIp(String v) {
            announceIp = Optional.ofNullable(v);
            return this;
        }

        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        public Builder maxUnchoked(int v) {
            maxUnchoked = v;
            return this;
        }

        public Builder pipelineBlocks(int v) {
            pipelineBlocks = v;
            return this;
        }

        public Builder pipelineTime(Duration v) {
            pipelineTime = v;
            return this;
        }

        public Builder randomFirstPieces(int v) {
            randomFirstPieces = v;
            return this;
        }

        public Builder orderWindow(long v) {
            orderWindow = v;
            return this;
        }

        public Builder reannounce(Duration v) {
            reannounce = v;
            return this;
        }

        public Builder stallTimeout(Duration v) {
            stallTimeout = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder handshakeTimeout(Duration v) {
            handshakeTimeout = v;
            return this;
        }

        public Builder keepAlive(Duration v) {
            keepAlive = v;
            return this;
        }

        public Builder maxQueuedUploads(int v) {
            maxQueuedUploads = v;
            return this;
        }

        public Builder maxUp(Rate v) {
            maxUp = v;
            return this;
        }

        public Builder maxDown(Rate v) {
            maxDown = v;
            return this;
        }

        public Builder ioThreads(int v) {
            ioThreads = v;
            return this;
        }

        public Builder hashThreads(int v) {
            hashThreads = v;
            return this;
        }

        public Builder rack(RackName v) {
            rack = Optional.ofNullable(v);
            return this;
        }

        /** See {@link EngineConfig#rackProofs()}; null: none. */
        public Builder rackProofs(RackProofs v) {
            rackProofs = Optional.ofNullable(v);
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(portRange, bindAddress, announceIp, maxConnections, maxUnchoked, pipelineBlocks,
                    pipelineTime, randomFirstPieces, orderWindow, reannounce, stallTimeout, idleTimeout, handshakeTimeout, keepAlive, maxQueuedUploads, maxUp, maxDown,
                    ioThreads, hashThreads, rack, rackProofs);
        }
    }
}
