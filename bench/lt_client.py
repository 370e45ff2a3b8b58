"""libtorrent seed or leecher for bench/loopback.sh, on 127.0.0.1 only.

usage: /usr/bin/python3 lt_client.py seed|leech TORRENT SAVE_DIR PORT SECONDS
A seed runs until SECONDS pass or it is killed; a leecher exits 0 as soon as it has everything
(exit 1 if SECONDS pass first).
"""
import sys
import time

import libtorrent as lt

mode, torrent, save_dir, port, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
settings = {
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    # TCP only. libtorrent tries uTP first on outgoing connections to peers it learns from a
    # tracker, so two libtorrent clients talk uTP to each other: on loopback that crawls at
    # ~6-13 MB/s with idle CPUs (uTP's ~1500-byte packets and delay-based congestion control),
    # 1 GiB in ~165 s instead of a few seconds. Our client and aria2c speak TCP only anyway.
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    # A deeper send buffer (default 500 kB high / 10 kB low watermark) keeps a loopback socket
    # busy: 256 MiB seed -> leecher in ~1.0 s instead of ~1.7 s.
    "send_buffer_watermark": 4 * 1024 * 1024, "send_buffer_low_watermark": 1024 * 1024,
    "min_announce_interval": 1,
    "alert_mask": lt.alert.category_t.error_notification,
}
ses = lt.session(settings)
h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save_dir})
deadline = time.time() + seconds
reannounced = False
while time.time() < deadline:
    st = h.status()
    if mode == "leech" and st.is_seeding:
        sys.exit(0)
    if mode == "seed" and st.is_seeding and not reannounced:
        h.force_reannounce()
        print("SEEDING", flush=True)
        reannounced = True
    time.sleep(0.05)
sys.exit(0 if mode == "seed" else 1)
