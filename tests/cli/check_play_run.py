#!/usr/bin/env python3
"""Judges one link-play run from its --json lines (tests/cli/test_play_runs.sh).

  check_play_run.py FILE --quantum Q (--beats N | --to-bar)

--beats N: the run plays N beats (--bars, or a file's end) and stops there.
--to-bar: it was stopped with --stop-at-bar, so it stops on a bar line.
Prints one line: what was wrong (exit 1), or what the run did (exit 0).
"""
import argparse
import json
import math
import sys

# Positions come from the audio thread's last period: at the stop, at most a
# period of 1024 frames past the beat (21 ms: 0.064 beats at 180 BPM).
STOP_SLACK = 0.08


def wrong(msg):
    print(msg)
    sys.exit(1)


def numbers(value, where):
    """Every number in a line is finite."""
    if isinstance(value, dict):
        for k, v in value.items():
            numbers(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            numbers(v, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        wrong(f"{where} is {value}")


def on_bar(beat, q):
    return abs(beat / q - round(beat / q)) < 1e-6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--quantum", type=float, required=True)
    ap.add_argument("--beats", type=float)
    ap.add_argument("--to-bar", action="store_true")
    a = ap.parse_args()
    q = a.quantum
    lines = []
    with open(a.file, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            try:
                lines.append(json.loads(text))
            except ValueError as e:
                wrong(f"line {n} is not JSON ({e}): {text.strip()[:120]}")
    if not lines:
        wrong("no JSON lines at all")
    events = [j["event"] for j in lines]
    if events[0] != "waiting" or events[-1] != "end":
        wrong(f"expected waiting first and end last, got {events[0]} ... {events[-1]}")
    if events.count("start") != 1 or events.count("stop") != 1 or events.index("start") > events.index("stop"):
        wrong(f"expected one start, then one stop, got {' '.join(e for e in events if e not in ('beat',))}")
    longest = a.beats if a.beats is not None else 1e9
    beats_seen = []
    for n, j in enumerate(lines, 1):
        numbers(j, f"line {n}")
        pos = j["position"]
        if not 0.0 <= pos <= longest + STOP_SLACK:
            wrong(f"line {n} ({j['event']}): position {pos} outside 0..{longest}")
        for f in j["files"]:
            at, lb, p = f["position_s"], f["loop_beats"], f["pass"]
            if at is not None and not -1e-3 <= at <= f["seconds"] + 1e-3:
                wrong(f"line {n}: {f['file']} at {at} s, outside its {f['seconds']} s")
            if not isinstance(p, int) or p < 0:
                wrong(f"line {n}: {f['file']} pass {p}")
            if j["event"] != "waiting" and lb > 0 and p > pos / lb + 1:
                wrong(f"line {n}: {f['file']} pass {p} at position {pos} with passes of {lb} beats")
            if j["event"] == "beat" and lb > 0 and at is None and (pos - p * lb) < 0.9 * f["seconds"] * j["tempo"] / 60 \
                    and f.get("plays_at") is None:
                wrong(f"line {n}: {f['file']} silent {pos - p * lb:.3f} beats into a pass of a "
                      f"{f['seconds']} s file")
        if j["event"] == "beat":
            beats_seen.append(math.floor(pos + 1e-6))
    start = lines[events.index("start")]
    stop = lines[events.index("stop")]
    if "start_beat" not in start:
        # A link-play from before start_beat (0.x, the runs of issue 17): the
        # start bar from the start line's session beat and position.
        for j in lines:
            j["start_beat"] = round((start["beat"] - start["position"]) / q) * q
    sb = start["start_beat"]
    if sb is None or not on_bar(sb, q):
        wrong(f"start_beat {sb} is not a bar line of {q} beats")
    # Known while waiting once the player has chosen its bar: the same bar,
    # or one whole bars away (the grid moved).
    for n, j in enumerate(lines[:events.index("start")], 1):
        if j["start_beat"] is not None and not on_bar(j["start_beat"] - sb, q):
            wrong(f"line {n}: waiting for bar {j['start_beat']}, started on {sb}")
    if not 0.0 <= start["position"] <= 0.5:
        wrong(f"the start line's position is {start['position']}")
    # The session's beat when the start was seen, against the start bar and
    # the position the player reported (from its latest period).
    if abs(start["beat"] - (sb + start["position"])) > 0.25:
        wrong(f"started at session beat {start['beat']}, {start['position']} beats after start bar {sb}")
    end = stop["position"]
    if a.beats is not None and not a.beats - 1e-6 <= end <= a.beats + STOP_SLACK:
        wrong(f"stopped at position {end}, expected {a.beats} beats")
    if a.to_bar and (end < q - 1e-6 or abs(end / q - round(end / q)) * q > STOP_SLACK):
        wrong(f"stopped at position {end}, not on a bar line of {q} beats")
    if stop["start_beat"] != sb and not on_bar(stop["start_beat"] - sb, q):
        wrong(f"start bar moved from {sb} to {stop['start_beat']}, not by whole bars")
    # A beat line for every beat between start and stop.
    want = list(range(math.floor(start["position"] + 1e-6) + 1, math.floor(end - STOP_SLACK) + 1))
    missing = sorted(set(want) - set(beats_seen))
    if missing or beats_seen != sorted(set(beats_seen)):
        wrong(f"beat lines {beats_seen}, expected {want}")
    if lines[-1]["playing"]:
        wrong("the end line says it is still playing")
    print(f"start bar {sb:g} (seen at beat {start['beat']:.3f}), stopped at {end:.3f} beats, "
          f"{len(beats_seen)} beat lines")


if __name__ == "__main__":
    main()
