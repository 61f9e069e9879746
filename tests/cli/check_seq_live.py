#!/usr/bin/env python3
"""Judges link-seq --reload's JSON Lines output (the jsonl backend) for
tests/cli/test_seq_live.sh. Each version the test writes marks its notes
with its own velocity (its number), so the output tells which version
played each note.

    check_seq_live.py FILE balanced
        every note-on has exactly one note-off after it, per channel and
        pitch, and no note-on of one pitch twice on one beat
    check_seq_live.py FILE seams PASS
        versions only move forward, and never change inside a pass of PASS
        beats: a swap falls on a pass's boundary, so every note-on of one
        pass is of one version; prints the number of swaps seen
    check_seq_live.py FILE first VELOCITY
        prints the beat of the first note-on of that velocity (none: exit 1)
    check_seq_live.py FILE last_beat
        prints the beat of the last line
    check_seq_live.py FILE ons VELOCITY FROM TO
        prints the beats of the note-ons of that velocity in [FROM, TO)
    check_seq_live.py FILE offs NOTE BEAT
        exit 0 when a note-off of NOTE was sent on BEAT
    check_seq_live.py FILE now_beat
        prints the session beat of this moment, from the grid of the output
        (Link's host time is CLOCK_MONOTONIC_RAW in microseconds)
    check_seq_live.py FILE on_grid BEAT BAR
        BEAT is a bar line (a multiple of BAR), and the events on it were
        sent at the time the beat grid gives it: the grid is the line through
        every note-on's (beat, time_us), and they must lie within 1 ms of it
Prints what is wrong and exits 1.
"""
import json
import sys
import time


def events(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # the last line, half written while we read
    return out


def note_ons(evs):
    return [e for e in evs if e["message"] == "note_on" and e["bytes"][2] > 0]


def balanced(evs):
    sounding = {}
    seen = set()
    bad = []
    for e in evs:
        b = e["bytes"]
        kind = e["message"]
        if kind not in ("note_on", "note_off"):
            continue
        key = (b[0] & 15, b[1])
        if kind == "note_on" and b[2] > 0:
            if sounding.get(key):
                bad.append(f"second note-on without a note-off: {e}")
            sounding[key] = True
            at = (key, round(e["beat"], 6))
            if at in seen:
                bad.append(f"a note-on doubled: {e}")
            seen.add(at)
        else:
            if not sounding.get(key):
                bad.append(f"note-off without a note-on: {e}")
            sounding[key] = False
    bad += [f"still sounding: channel {k[0] + 1} note {k[1]}" for k, v in sounding.items() if v]
    return bad


def seams(evs, length):
    bad = []
    version_of_pass = {}
    last = 0
    swaps = 0
    for e in note_ons(evs):
        version = e["bytes"][2]
        if version < last:
            bad.append(f"version {version} after version {last}: {e}")
        if version > last and last:
            swaps += 1
        last = max(last, version)
        p = int(e["beat"] // length + 1e-9)
        if version_of_pass.setdefault(p, version) != version:
            bad.append(f"pass {p} (beat {p * length}) mixes versions {version_of_pass[p]} and {version}")
    return bad, swaps


def grid(evs):
    """(mean beat, mean time, us per beat) of the line through the note-ons."""
    ons = note_ons(evs)
    n = len(ons)
    if n < 2 or len({e["beat"] for e in ons}) < 2:
        return None
    mb = sum(e["beat"] for e in ons) / n
    mt = sum(e["time_us"] for e in ons) / n
    sbb = sum((e["beat"] - mb) ** 2 for e in ons)
    return mb, mt, sum((e["beat"] - mb) * (e["time_us"] - mt) for e in ons) / sbb


def on_grid(evs, beat, bar):
    bad = []
    if abs(beat / bar - round(beat / bar)) > 1e-6:
        bad.append(f"beat {beat} is not on a bar line (a bar: {bar} beats)")
    line = grid(evs)
    if not line:
        return bad + ["fewer than two note-ons on different beats: no grid"]
    mb, mt, slope = line
    at = [e for e in evs if abs(e["beat"] - beat) < 1e-6]
    if not at:
        bad.append(f"nothing sent on beat {beat}")
    for e in at:
        expected = mt + (beat - mb) * slope
        if abs(e["time_us"] - expected) > 1000:
            bad.append(f"sent {e['time_us'] - expected:.0f} us off the grid's beat {beat}: {e}")
    return bad


def main():
    path, what = sys.argv[1], sys.argv[2]
    evs = events(path)
    if what == "balanced":
        bad = balanced(evs)
        print(f"{len(note_ons(evs))} note-ons, {len(bad)} problems")
    elif what == "seams":
        bad, swaps = seams(evs, float(sys.argv[3]))
        print(swaps)
    elif what == "first":
        ons = [e for e in note_ons(evs) if e["bytes"][2] == int(sys.argv[3])]
        if not ons:
            sys.exit(1)
        print(ons[0]["beat"])
        return
    elif what == "ons":
        v, lo, hi = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
        print(" ".join(f"{e['beat']:g}" for e in note_ons(evs)
                       if e["bytes"][2] == v and lo - 1e-6 <= e["beat"] < hi - 1e-6))
        return
    elif what == "offs":
        note, beat = int(sys.argv[3]), float(sys.argv[4])
        sys.exit(0 if any((e["message"] == "note_off" or (e["message"] == "note_on" and e["bytes"][2] == 0))
                          and e["bytes"][1] == note and abs(e["beat"] - beat) < 1e-6 for e in evs) else 1)
    elif what == "now_beat":
        line = grid(evs)
        if not line:
            sys.exit(1)
        mb, mt, slope = line
        now_us = time.clock_gettime(time.CLOCK_MONOTONIC_RAW) * 1e6
        print(f"{mb + (now_us - mt) / slope:.4f}")
        return
    elif what == "on_grid":
        bad = on_grid(evs, float(sys.argv[3]), float(sys.argv[4]))
    elif what == "last_beat":
        if not evs:
            sys.exit(1)
        print(evs[-1]["beat"])
        return
    else:
        sys.exit(f"check_seq_live.py: unknown check {what}")
    for line in bad[:20]:
        print(line, file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
