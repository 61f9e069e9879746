#!/usr/bin/env python3
"""A MIDI clock as link-follow's jsonl backend reads it, in real time: one
line per message, {"time_us": T, "bytes": [...]}, T on Link's host clock
(CLOCK_MONOTONIC_RAW, microseconds), each line written at its time.

    gen_clock.py [--jitter-us J] [--seed S] [--log FILE] STEP...

Steps, in order:
    ticks BPM SECONDS   clock ticks at BPM for SECONDS
    start | stop | continue
                        that message, half a tick before the next tick
    spp SIXTEENTHS      Song Position Pointer
    pause SECONDS       nothing for that long
    garbage             SysEx, stray data bytes, notes with running status,
                        undefined status bytes, and one line that is not JSON
Every tick is moved by a uniform random amount in [-J, J] us. --log FILE
gets a line per tick, "INDEX IDEAL_US" (the time without jitter; INDEX
counts from the last start, -1 while stopped), and per transport message,
"start|stop|continue IDEAL_US".
"""
import argparse
import json
import random
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--jitter-us", type=float, default=0.0)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--log")
parser.add_argument("steps", nargs="+")
args = parser.parse_args()
rng = random.Random(args.seed)
log = open(args.log, "w", buffering=1) if args.log else None


def now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000


def send(t_us, data, raw=None):
    # Sleep until the message's time (Link's clock), then write it.
    while True:
        ahead = (t_us - now_us()) / 1e6
        if ahead <= 0:
            break
        time.sleep(min(ahead, 0.05))
    line = raw if raw is not None else json.dumps({"time_us": int(round(t_us)), "bytes": data})
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        sys.exit(0)


words = " ".join(args.steps).split()
t = now_us() + 200_000.0   # the next tick's ideal time
interval = 60e6 / (120 * 24)
index = -1                 # the newest tick's number since the last start
playing = False
i = 0
while i < len(words):
    w = words[i]
    if w == "ticks":
        bpm, seconds = float(words[i + 1]), float(words[i + 2])
        i += 3
        interval = 60e6 / (bpm * 24)
        end = t + seconds * 1e6
        while t < end:
            if playing:
                index += 1
            if log:
                log.write(f"{index if playing else -1} {t:.0f}\n")
            send(t + rng.uniform(-args.jitter_us, args.jitter_us), [0xF8])
            t += interval
        continue
    if w in ("start", "stop", "continue"):
        at = t - interval / 2
        if log:
            log.write(f"{w} {at:.0f}\n")
        send(at, [{"start": 0xFA, "stop": 0xFC, "continue": 0xFB}[w]])
        playing = w != "stop"
        if w == "start":
            index = -1  # the next tick is tick 0
        i += 1
        continue
    if w == "spp":
        n = int(words[i + 1])
        send(t - interval / 2, [0xF2, n & 0x7F, n >> 7])
        i += 2
        continue
    if w == "pause":
        t += float(words[i + 1]) * 1e6
        i += 2
        continue
    if w == "garbage":
        at = t - interval / 2
        send(at, [0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7])      # SysEx
        send(at, [0x40, 0x41])                              # stray data bytes
        send(at, [0x90, 60, 100, 62, 100, 64, 100])         # running status
        send(at, [0xF4, 0xFD])                              # undefined
        send(at, None, raw="this is not JSON")
        i += 1
        continue
    sys.exit(f"gen_clock.py: unknown step '{w}'")
