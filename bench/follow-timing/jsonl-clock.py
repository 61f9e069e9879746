#!/usr/bin/env python3
"""bench/follow-timing's exact clock: MIDI clock at BPM as link-follow's
jsonl lines on standard output, each tick's time_us its ideal time in Link's
clock (CLOCK_MONOTONIC_RAW, whole microseconds), written when it is due. No
JACK and no jitter: what the judge then measures is link-follow's grid and
the judge's own view of it, the floor under the JACK scenarios.
    jsonl-clock.py --log FILE [--bpm B] [--seconds S] [--start-after S]
The log is follow-clock-gen's: "INDEX IDEAL_US SENT_US BEAT DROPPED"."""
import argparse, json, sys, time

p = argparse.ArgumentParser()
p.add_argument("--log", required=True)
p.add_argument("--bpm", type=float, default=120.0)
p.add_argument("--seconds", type=float, default=30.0)
p.add_argument("--start-after", type=float, default=1.0)
a = p.parse_args()

def now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000

interval = 60e6 / (a.bpm * 24)
origin = now_us() + 200_000
log = open(a.log, "w")
since_start = -1
i = 0
while i * interval < a.seconds * 1e6:
    ideal = origin + i * interval
    t = round(ideal)
    wait = (t - now_us()) / 1e6
    if wait > 0:
        time.sleep(wait)
    lines = []
    if since_start < 0 and i * interval >= a.start_after * 1e6:
        since_start = 0
        lines.append({"time_us": t, "bytes": [0xFA]})
    lines.append({"time_us": t, "bytes": [0xF8]})
    beat = since_start / 24 if since_start >= 0 else -1.0
    if since_start >= 0:
        since_start += 1
    try:
        sys.stdout.write("".join(json.dumps(l) + "\n" for l in lines))
        sys.stdout.flush()
    except BrokenPipeError:
        break
    log.write(f"{i} {ideal:.1f} {t:.1f} {beat:.6f} 0\n")
    i += 1
log.close()
