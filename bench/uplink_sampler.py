#!/usr/bin/env python3
"""Where did the swarm's time go? Used by bench/swarm.sh (run in the bridge's namespace).

  uplink_sampler.py OUT ORIGIN_COUNTER [HOST_COUNTER...]
      writes "EPOCH CPU_BUSY CPU_TOTAL ORIGIN_BYTES HOST_BYTES..." every 50 ms (at most an hour):
      each counter is a bridge port's rx_bytes (what that host's shaped uplink put on the wire,
      frames as tbf counts them), CPU_* the machine's busy and total ticks from /proc/stat
  uplink_sampler.py --report OUT READY LAST RATE_BPS
      prints when the origin's counter reached 99.9 % of what it counted after READY (epoch
      seconds), as seconds after READY, and how long after that the last host finished (LAST:
      seconds after READY); then, with host counters, how busy the hosts' uplinks and the machine
      were in three phases: the first 5 s (the hosts have little to pass on, and their JVMs compile
      the code they run), the middle (until the origin's last data) and the tail (until LAST)
"""
import sys
import time

START = 5.0   # seconds: the start phase


def cpu_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]   # user nice system irq softirq steal
    return busy, busy + v[3] + v[4]                  # + idle iowait


def sample(out_path, counters):
    end = time.time() + 3600
    with open(out_path, "w") as out:
        while time.time() < end:
            busy, total = cpu_ticks()
            row = ["%.3f" % time.time(), str(busy), str(total)]
            for c in counters:
                with open(c) as f:
                    row.append(f.read().strip())
            out.write(" ".join(row) + "\n")
            out.flush()
            time.sleep(0.05)


def rows_of(out_path):
    rows = []
    with open(out_path) as f:
        lines = [line for line in f if line.endswith("\n")]   # not one cut short when the sampler was stopped
    for line in lines:
        parts = line.split()
        if len(parts) >= 4:
            try:
                rows.append((float(parts[0]), int(parts[1]), int(parts[2]), [int(x) for x in parts[3:]]))
            except ValueError:
                pass
    width = max((len(r[3]) for r in rows), default=0)
    return [r for r in rows if len(r[3]) == width]


def at(rows, t):
    """The last sample at or before t (the first if none)."""
    best = rows[0]
    for r in rows:
        if r[0] <= t:
            best = r
        else:
            break
    return best


def phase(rows, t0, t1, rate_bytes):
    """Hosts' uplinks' mean busy share (each host's wire bytes against its rate), and the machine's busy share."""
    a, b = at(rows, t0), at(rows, t1)
    dt = b[0] - a[0]
    if dt <= 0.2 or len(a[3]) < 2:
        return None
    hosts = len(a[3]) - 1
    sent = sum(b[3][i] - a[3][i] for i in range(1, hosts + 1))
    cpu = (b[1] - a[1]) / max(1, b[2] - a[2])
    return sent / (rate_bytes * dt * hosts), cpu, dt


def report(out_path, ready, last, rate_bps):
    rows = rows_of(out_path)
    if not rows:
        return
    base = at(rows, ready)[3][0]
    total = rows[-1][3][0] - base
    if total <= 0:
        return
    done = next(t for t, _, _, v in rows if v[0] - base >= 0.999 * total) - ready
    print("#        the origin sent its last data %.1f s after it was ready; the last host finished %.1f s later"
          % (done, last - done))
    if len(rows[0][3]) < 2 or rate_bps <= 0:
        return
    parts = []
    start = min(START, done)
    for name, t0, t1 in (("first %.0f s" % start, 0, start), ("middle", start, done), ("tail", done, last)):
        p = phase(rows, ready + t0, ready + t1, rate_bps / 8)
        if p:
            parts.append("%s %.0f %% (machine %.0f %% busy, %.1f s)" % (name, 100 * p[0], 100 * p[1], p[2]))
    if parts:
        print("#        hosts' uplinks busy (wire bytes against C): " + "; ".join(parts))
    # the origin's own uplink, where it was not busy: each second's wire bytes against C; what it fell short by,
    # summed, is the time the origin lost (a 16-host run on 2 cores lost most of it in its first seconds, with
    # every JVM compiling and the machine 100 % busy)
    seconds = []
    lost = 0.0
    t = 0.0
    while t + 1 <= done:
        a, b = at(rows, ready + t), at(rows, ready + t + 1)
        if b[0] - a[0] > 0.5:
            share = (b[3][0] - a[3][0]) / (rate_bps / 8 * (b[0] - a[0]))
            cpu = (b[1] - a[1]) / max(1, b[2] - a[2])
            lost += max(0.0, 1 - share)
            if share < 0.9:
                seconds.append("%.0f s: %.0f %% (machine %.0f %%)" % (t, 100 * share, 100 * cpu))
        t += 1
    print("#        the origin's uplink lost %.1f s against C before its last data; seconds below 90 %%: %s"
          % (lost, ", ".join(seconds) if seconds else "none"))


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        report(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]) if len(sys.argv) > 5 else 0)
    else:
        sample(sys.argv[1], sys.argv[2:])
