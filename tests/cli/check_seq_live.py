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
Prints what is wrong and exits 1.
"""
import json
import sys


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
