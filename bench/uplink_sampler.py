#!/usr/bin/env python3
"""When did the origin send its last data? Used by bench/swarm.sh.

  uplink_sampler.py COUNTER_FILE OUT       append "EPOCH BYTES" every 50 ms (at most an hour)
  uplink_sampler.py --report OUT READY LAST
      prints when the counter reached 99.9 % of what it counted after READY (epoch seconds), as
      seconds after READY, and how long after that the last host finished (LAST: seconds after READY)
"""
import sys
import time


def sample(counter, out_path):
    end = time.time() + 3600
    with open(out_path, "w") as out:
        while time.time() < end:
            with open(counter) as f:
                out.write("%.3f %s\n" % (time.time(), f.read().strip()))
            out.flush()
            time.sleep(0.05)


def report(out_path, ready, last):
    rows = []
    for line in open(out_path):
        parts = line.split()
        if len(parts) == 2:
            rows.append((float(parts[0]), int(parts[1])))
    if not rows:
        return
    before = [b for t, b in rows if t <= ready]
    base = before[-1] if before else rows[0][1]
    total = rows[-1][1] - base
    if total <= 0:
        return
    done = next(t for t, b in rows if b - base >= 0.999 * total) - ready
    print("#        the origin sent its last data %.1f s after it was ready; the last host finished %.1f s later"
          % (done, last - done))


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        report(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        sample(sys.argv[1], sys.argv[2])
