"""Judges jack_showtime's bar|beat|tick against the Link session's beat grid.

usage: check_jack_bbt.py SHOWTIME STATUS_JSON NOW_RAW_US RAW_MINUS_MONO_US LATENCY_US QUANTUM MEDIAN_TOL MAX_TOL

SHOWTIME is jack_showtime's output: one line per query, with the position's
JACK time (usecs, CLOCK_MONOTONIC) and, while the transport rolls and a
timebase master gives it, BBT. STATUS_JSON is one `link-status --json`
object taken while the showtime ran (tempo unchanged): the session's phase
at a Link time. Link's clock is CLOCK_MONOTONIC_RAW; JACK 2 reads
CLOCK_MONOTONIC_RAW or CLOCK_MONOTONIC, depending on its version:
NOW_RAW_US (read just after the showtime ended) and RAW_MINUS_MONO_US tell
which (the showtime's last position is a moment before now on its own
clock). The position
JACK gives for a cycle is the beat at which that cycle's first frame is heard
(LATENCY_US later). Checks, over the distinct positions:
  - the positions' phase in the bar is the session's: the median error
    within MEDIAN_TOL beats, every one within MAX_TOL (a stalled machine
    makes JACK's cycles late, and a cycle's position is given a cycle ahead,
    so a stall shows as an error of its length);
  - bars step by one, exactly where the phase wraps. A step back of less
    than a beat inside a bar is no wrap: after a tempo fall heard late,
    link-jack-transport steps back to the grid within the bar (its man
    page, Position).
Prints the errors' median and maximum in beats; exits 1 on a failed check.
"""
import json
import re
import sys

showtime, status_file, now_raw, raw_minus_mono, latency, quantum, median_tol, max_tol = sys.argv[1:9]
now_raw, raw_minus_mono = float(now_raw), float(raw_minus_mono)
latency, quantum, median_tol, max_tol = float(latency), float(quantum), float(median_tol), float(max_tol)
status = json.load(open(status_file))
line_re = re.compile(r"usecs = (\d+)\s+state: Rolling\s+BBT:\s+(-?\d+)\|(\d+)\|(\d+)")

positions = []
for line in open(showtime, errors="replace"):
    m = line_re.search(line)
    if not m:
        continue
    usecs, bar, beat, tick = int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))
    if positions and positions[-1][0] == usecs:
        continue
    positions.append((usecs, bar, beat, tick))

if len(positions) < 20:
    print(f"only {len(positions)} rolling positions with BBT")
    sys.exit(1)

# JACK's clock: the reading that puts the last position closest before now.
last = positions[-1][0]
mono_to_link = min((0.0, raw_minus_mono), key=lambda o: abs(now_raw - (last + o)))

errors = []
bad = []
for usecs, bar, beat, tick in positions:
    t = usecs + mono_to_link + latency
    want = (status["phase"] + (t - status["time_us"]) * status["tempo"] / 60e6) % quantum
    got = (beat - 1) + tick / 1920.0
    err = (got - want + quantum / 2) % quantum - quantum / 2
    errors.append(err)
    if abs(err) > max_tol:
        bad.append(f"usecs {usecs}: {bar}|{beat}|{tick} is phase {got:.4f}, the session's is {want:.4f}")

for (u0, bar0, beat0, tick0), (u1, bar1, beat1, tick1) in zip(positions, positions[1:]):
    back = ((beat0 - 1) * 1920 + tick0 - (beat1 - 1) * 1920 - tick1) / 1920.0
    stepped = bar1 == bar0 + 1 and back > 0
    stayed = bar1 == bar0 and back < 1.0
    if not (stepped or stayed):
        bad.append(f"bar {bar0} ({bar0}|{beat0}|{tick0}) is followed by {bar1}|{beat1}|{tick1}")

ordered = sorted(abs(e) for e in errors)
signed = sorted(errors)
print(f"{len(positions)} positions, bars {positions[0][1]}..{positions[-1][1]}: phase error median "
      f"{signed[len(signed) // 2]:+.4f} beats, max |error| {ordered[-1]:.4f} beats")
if ordered[len(ordered) // 2] > median_tol:
    bad.insert(0, f"the median error is above {median_tol} beats")
if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
