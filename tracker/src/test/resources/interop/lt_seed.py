"""Seeds one torrent with libtorrent on 127.0.0.1 until stdin closes or the deadline passes.

usage: /usr/bin/python3 lt_seed.py TORRENT SAVE_DIR LISTEN_PORT SECONDS
Prints 'SEEDING' once the data is checked and the torrent seeds, then one 'PEERS n' line per second.
"""
import sys
import threading
import time

import libtorrent as lt

torrent, save_dir, port, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
settings = {
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    "announce_to_all_trackers": True,
    "min_announce_interval": 1,  # follow our tracker's interval (default: at most every 5 min)
    "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.tracker_notification,
}
ses = lt.session(settings)
h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save_dir})
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
deadline = time.time() + seconds
announced = False
while not stop.is_set() and time.time() < deadline:
    for a in ses.pop_alerts():
        if isinstance(a, (lt.tracker_error_alert, lt.tracker_warning_alert)):
            print("TRACKER", a.message(), flush=True)
        elif isinstance(a, lt.tracker_reply_alert):
            print("TRACKER reply: %d peers" % a.num_peers, flush=True)
    st = h.status()
    if st.is_seeding and not announced:
        h.force_reannounce()
        print("SEEDING", flush=True)
        announced = True
    print("PEERS %d" % st.num_peers, flush=True)
    time.sleep(0.5)
