#!/usr/bin/env python3
"""The measuring half of bench/many-hosts/run, which makes the hosts (scripts/hosts.sh)
and hands over their namespaces: python3 bench/many-hosts/many-hosts.py BIN ROUNDS NETNS-FILE...

Starts `link-status --watch --json` on every host and measures:
- convergence: from the first link-status started to the moment the last
  host's count reached N-1 peers for good (and every host shows one tempo);
- for ROUNDS rounds, a fresh tempo set with link-tempo on a rotating host,
  timed to the first and the last host whose link-status printed it:
  * `now`: `link-tempo BPM`, timed from a clock reading just before it is
    started (so its own start-up and joining are included);
  * `bar`: `link-tempo --at-next-bar BPM`, started just after a bar line; it
    commits when the next bar line comes, and that bar line (computed from
    the session's grid as the host's link-status reports it) is the commit
    time, so these figures are Link's propagation alone (plus link-tempo's
    wake-up at the bar line, which sleep_until_host_time keeps to its own
    timer overshoot);
- link-tempo's departure: from its exit to the last host's count dropping
  back to N-1;
- link-tempo's own exit status (1: it did not hear every peer confirm in time);
- Link's multicast announcements as probe_announcements (a passive listener,
  built with the tests) hears them on the last host for 5 s, if it is built;
- the link-status processes' CPU, and UDP datagrams the hosts' kernels dropped.
The bench fails (exit 1) only when a tempo never reached some host or a host
saw it before its commit.

Every time is on Link's host clock: link-status's time_us is CLOCK_MONOTONIC_RAW
in microseconds, read when the tool noticed the change, on a clock all hosts
share (they are namespaces of one machine); our own readings use the same clock.
"""

import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

QUANTUM = 4.0


def now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000


class Watch:
    """One host's link-status --watch --json, its lines read as they come."""

    def __init__(self, host, netns, bin_dir, out_dir):
        self.host = host
        self.netns = netns
        self.path = os.path.join(out_dir, f"status{host}.jsonl")
        self.lines = []
        self._offset = 0
        self._partial = b""
        with open(self.path, "wb") as out:
            self.proc = subprocess.Popen(
                ["nsenter", f"--net={netns}", f"{bin_dir}/link-status", "--watch", "--json",
                 "--timeout", "0"], stdout=out, stderr=subprocess.DEVNULL)

    def poll(self):
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        self._offset += len(data)
        data = self._partial + data
        *whole, self._partial = data.split(b"\n")
        for line in whole:
            self.lines.append(json.loads(line))

    def last(self):
        return self.lines[-1] if self.lines else None


def percentile(values, q):
    """Linear between the closest ranks (numpy's default)."""
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def describe(values_us):
    if not values_us:
        return "no samples"
    ms = [v / 1000.0 for v in values_us]
    return (f"p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
            f"max {max(ms):.1f} ms, min {min(ms):.1f} ms")


def describe_counts(pairs):
    confirmed = sorted(c for c, _ in pairs)
    return (f"peers that announced it within link-tempo's wait: median "
            f"{confirmed[len(confirmed) // 2]}, least {confirmed[0]}, most {confirmed[-1]}, "
            f"of {max(p for _, p in pairs)}")


def cpu_seconds(pid):
    """utime + stime of a process so far (/proc/PID/stat, after the command name)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(watches, condition, limit_s, poll_s=0.01):
    end = time.monotonic() + limit_s
    while True:
        for w in watches:
            w.poll()
        if condition():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(poll_s)


def first_seen(w, bpm, since_us):
    for line in w.lines:
        if line["time_us"] >= since_us and abs(line["tempo"] - bpm) < 0.0005:
            return line["time_us"]
    return None


def settled_at(w, peers):
    """When the host's count last became `peers`: the first of its final run
    of lines with that count (link-status also repeats a line every second)."""
    i = len(w.lines) - 1
    while i > 0 and w.lines[i - 1]["peers"] == peers:
        i -= 1
    return w.lines[i]["time_us"]


def run_tempo(netns, bin_dir, args):
    return subprocess.run(["nsenter", f"--net={netns}", f"{bin_dir}/link-tempo", *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=30, check=False)


def main():
    bin_dir, rounds, netns = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    n = len(netns)
    raw = open(os.environ["RAW"], "w") if os.environ.get("RAW") else None
    out_dir = tempfile.mkdtemp(prefix="many-hosts.")
    watches = []

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # --- convergence ------------------------------------------------------
        t_start = now_us()
        for k, ns in enumerate(netns, 1):
            watches.append(Watch(k, ns, bin_dir, out_dir))
        t_started = now_us()

        def converged():
            last = [w.last() for w in watches]
            return (all(l is not None and l["peers"] == n - 1 for l in last)
                    and len({l["tempo"] for l in last}) == 1)

        if not wait_until(watches, converged, 60):
            counts = sorted((w.last() or {}).get("peers", -1) for w in watches)
            sys.exit(f"many-hosts: error: no convergence within 60 s; peer counts {counts}")
        settled = [settled_at(w, n - 1) for w in watches]
        print(f"{n} hosts: {n} link-status started in {(t_started - t_start) / 1000:.0f} ms; "
              f"every host counts {n - 1} peers {(max(settled) - t_start) / 1000:.0f} ms after "
              f"the first start ({(max(settled) - t_started) / 1000:.0f} ms after the last); "
              f"first host at {(min(settled) - t_start) / 1000:.0f} ms", flush=True)
        time.sleep(1.0)
        t_cpu, cpu_before = time.monotonic(), sum(cpu_seconds(w.proc.pid) for w in watches)

        # --- Link's own announcements, as a passive listener on the last host hears them
        probe = os.path.join(bin_dir, "probe_announcements")
        if os.access(probe, os.X_OK):
            heard = subprocess.run(["nsenter", f"--net={netns[-1]}", probe, "5"],
                                   capture_output=True, text=True, check=True).stdout.split("\n")
            alive = [l.split() for l in heard if " alive " in l]
            byes = sum(" bye-bye " in l for l in heard)
            nodes = {a[3] for a in alive}
            print(f"Link's multicast announcements heard on host {n} in 5 s: {len(alive)} alive "
                  f"from {len(nodes)} nodes (one a node every "
                  f"{5000 * len(nodes) / max(1, len(alive)):.0f} ms on average; Link's nominal "
                  f"period is 250 ms), {byes} bye-bye", flush=True)

        # --- tempo rounds -------------------------------------------------------
        results = {"now": [], "bar": []}
        departures = []
        exits = []
        unconfirmed = []  # (confirmed, peers) of the rounds link-tempo exited 1
        failures = []
        late_bars = 0
        for mode in ("now", "bar"):
            for r in range(1, rounds + 1):
                host = (r - 1) % n  # index into watches
                bpm = 100.25 + r if mode == "now" else 100.75 + r
                if mode == "now":
                    t0 = now_us()
                    done = run_tempo(netns[host], bin_dir, [f"{bpm:g}"])
                else:
                    # The grid from the host's newest line; start link-tempo
                    # 30 ms after a bar line, so it has joined long before the next.
                    for w in watches:
                        w.poll()
                    line = watches[host].last()
                    bar_us = QUANTUM * 60e6 / line["tempo"]
                    bar_line = line["time_us"] + (QUANTUM - line["phase"]) * 60e6 / line["tempo"]
                    now = now_us()
                    while bar_line < now:
                        bar_line += bar_us
                    time.sleep((bar_line + 30_000 - now) / 1e6)
                    t0 = bar_line + bar_us  # the commit: link-tempo's next bar line
                    done = run_tempo(netns[host], bin_dir, ["--at-next-bar", f"{bpm:g}"])
                t_exit = now_us()
                exits.append(done.returncode)
                if done.returncode not in (0, 1):
                    failures.append(f"{mode} round {r}: link-tempo exited {done.returncode}: "
                                    f"{done.stderr.strip()}")
                confirmed = re.search(r"(\d+) of (\d+) peers announced", done.stderr)
                if confirmed:
                    unconfirmed.append((int(confirmed.group(1)), int(confirmed.group(2))))
                since = 0  # every round's tempo is new: no line before it shows it
                reached = wait_until(
                    watches, lambda: all(first_seen(w, bpm, since) is not None for w in watches), 10)
                if not reached:
                    missing = [w.host for w in watches if first_seen(w, bpm, since) is None]
                    failures.append(f"{mode} round {r}: {bpm:g} BPM never reached hosts {missing}")
                    continue
                seen = [first_seen(w, bpm, since) for w in watches]
                if mode == "bar" and min(seen) > t0 + bar_us / 2:
                    # link-tempo took more than a bar to join: it committed a bar later.
                    late_bars += 1
                    t0 += bar_us
                if min(seen) < t0:
                    failures.append(f"{mode} round {r}: a host saw {bpm:g} BPM "
                                    f"{(t0 - min(seen)) / 1000:.1f} ms before the commit")
                    continue
                entry = {"mode": mode, "round": r, "host": host + 1, "bpm": bpm,
                         "first_us": min(seen) - t0, "last_us": max(seen) - t0,
                         "spread_us": max(seen) - min(seen), "exit_us": t_exit - t0,
                         "seen_us": [round(t - t0) for t in seen]}
                results[mode].append(entry)
                # link-tempo's departure from every count.
                gone = wait_until(watches, lambda: all(w.last()["peers"] == n - 1 for w in watches), 10)
                if gone:
                    last_drop = max(settled_at(w, n - 1) for w in watches)
                    entry["departure_us"] = max(0, last_drop - t_exit)
                    departures.append(entry["departure_us"])
                else:
                    failures.append(f"{mode} round {r}: link-tempo still counted 10 s after it exited")
                if raw:
                    raw.write(json.dumps(entry) + "\n")
                    raw.flush()
                time.sleep(0.2)

        cpu = sum(cpu_seconds(w.proc.pid) for w in watches) - cpu_before
        wall = time.monotonic() - t_cpu
        print(f"{rounds} rounds each, a fresh tempo on host 1, 2, ... {n}, 1, ...:")
        for mode, what in (("now", "link-tempo BPM, from just before it starts"),
                           ("bar", "link-tempo --at-next-bar BPM, from the bar line it commits on")):
            rs = results[mode]
            print(f"  {what} ({len(rs)} rounds):")
            print(f"    to the last host:  {describe([e['last_us'] for e in rs])}")
            print(f"    to the first host: {describe([e['first_us'] for e in rs])}")
            print(f"    first to last:     {describe([e['spread_us'] for e in rs])}")
        print(f"  link-tempo's departure, from its exit to the last host counting {n - 1} again: "
              f"{describe(departures)}; more than 1 s: {sum(d > 1e6 for d in departures)} of "
              f"{len(departures)}")
        print(f"  link-tempo exited 0 in {exits.count(0)} of {len(exits)} rounds, 1 in "
              f"{exits.count(1)}" + (
                  f" (change not confirmed: {describe_counts(unconfirmed)})" if unconfirmed else ""))
        print(f"  CPU of the {n} link-status processes over the rounds: {100 * cpu / wall:.1f}% of "
              f"one core together ({100 * cpu / wall / n:.2f}% each)")
        # Datagrams the hosts' kernels dropped (full socket buffers, bad checksums).
        dropped = 0
        for ns in netns:
            snmp = subprocess.run(["nsenter", f"--net={ns}", "cat", "/proc/net/snmp"],
                                  capture_output=True, text=True, check=True).stdout
            udp = [line.split()[1:] for line in snmp.splitlines() if line.startswith("Udp:")]
            counters = dict(zip(udp[0], map(int, udp[1])))
            dropped += counters["InErrors"] + counters["RcvbufErrors"]
        print(f"  UDP datagrams dropped on receipt, all hosts together: {dropped}")
        if late_bars:
            print(f"  --at-next-bar rounds that committed a bar later than planned: {late_bars}")
        for f in failures:
            print(f"  FAILED: {f}")
        return 1 if failures else 0
    finally:
        for w in watches:
            w.proc.terminate()
        for w in watches:
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                w.proc.kill()
        for name in os.listdir(out_dir):
            os.unlink(os.path.join(out_dir, name))
        os.rmdir(out_dir)


if __name__ == "__main__":
    sys.exit(main())
