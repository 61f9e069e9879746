#!/usr/bin/env python3
"""Writes a 16-bit WAV file for the tests: a sharp onset at the start of the
file (full level on the first sample, decaying over 5 ms) and silence after,
so a receiver can tell to the frame where the file started.

    gen_click.py FILE SECONDS [--rate HZ] [--channels N] [--level L]
"""
import argparse
import math
import struct
import wave

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("seconds", type=float)
parser.add_argument("--rate", type=int, default=48000)
parser.add_argument("--channels", type=int, default=1)
parser.add_argument("--level", type=float, default=0.8)
args = parser.parse_args()

frames = round(args.seconds * args.rate)
decay = args.rate * 0.005
with wave.open(args.file, "wb") as out:
    out.setnchannels(args.channels)
    out.setsampwidth(2)
    out.setframerate(args.rate)
    data = bytearray()
    for i in range(frames):
        # Alternating sign keeps the burst free of a DC step.
        v = args.level * math.exp(-i / decay) * (1 if i % 2 == 0 else -1) if i < 10 * decay else 0.0
        data += struct.pack("<h", int(round(v * 32767))) * args.channels
    out.writeframes(bytes(data))
