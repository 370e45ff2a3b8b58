"""Makes a libtorrent hybrid (v1 + v2) torrent of a directory: BEP 47 padding after every file but the last.

usage: /usr/bin/python3 lt_make_hybrid.py DIR PIECE_BYTES TRACKER_URL OUT.torrent
"""
import os
import sys

import libtorrent as lt

src, piece, tracker, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
fs = lt.file_storage()
lt.add_files(fs, src)
t = lt.create_torrent(fs, piece)  # hybrid: libtorrent 2's default
t.add_tracker(tracker)
lt.set_piece_hashes(t, os.path.dirname(os.path.abspath(src)))
with open(out, "wb") as f:
    f.write(lt.bencode(t.generate()))
