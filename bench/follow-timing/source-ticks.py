#!/usr/bin/env python3
"""bench/follow-timing's midiclock scenario: the ticks link-midiclock should
have sent, from a judge's log of the source's own session (another Link
session, in another namespace), in follow-clock-gen's log format:
    source-ticks.py SOURCE_JUDGE_LOG > GEN_LOG
A tick on every 1/24 beat of the source's session while it plays; its ideal
time where that session's grid puts it (between the judge's 5-ms samples,
along its tempo); BEAT the source's beat (link-midiclock's Start comes on a
bar line of the quantum, 4, so the beat in the bar is the tick's from
Start); SENT_US the same as IDEAL_US (link-midiclock logs nothing)."""
import math, sys

samples = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
playing = [s for s in samples if s[3] == 1]
if len(playing) < 2:
    sys.exit("source-ticks.py: the source's session never played")
index = 0
k = math.ceil(playing[0][1] * 24)
j = 0
while True:
    beat = k / 24
    while j + 1 < len(playing) and playing[j + 1][1] <= beat:
        j += 1
    if j + 1 >= len(playing):
        break
    t, b, tempo, _ = playing[j]
    ideal = t + (beat - b) * 60e6 / tempo
    print(f"{index} {ideal:.1f} {ideal:.1f} {beat:.6f} 0")
    index += 1
    k += 1
