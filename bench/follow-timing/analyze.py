#!/usr/bin/env python3
"""bench/follow-timing's analysis of one run:
    analyze.py NAME GEN_LOG JUDGE_LOG FOLLOW_JSONL [--step-at-us T] [--warmup S]
GEN_LOG: follow-clock-gen's ticks ("INDEX IDEAL_US SENT_US BEAT DROPPED");
JUDGE_LOG: follow-judge's samples ("TIME_US BEAT TEMPO PLAYING");
FOLLOW_JSONL: link-follow --json's events.
Prints one JSON object: the session's tempo error against the source's true
tempo (from its ideal ticks, which follow-clock-gen schedules in Link's
clock: each stretch of constant tempo whole), beside it the error against a line through the
ideal tick times of the surrounding second (what earlier runs reported), the
naive last-interval estimate's error on the ticks as sent, the source's
beats against the session's beat grid (in the bar), settle time after a
step, and link-follow's commits a second."""
import bisect, json, sys

name, gen_log, judge_log, follow_log = sys.argv[1:5]
opts = dict(zip(sys.argv[5::2], sys.argv[6::2]))
warmup_s = float(opts.get("--warmup", 2))
step_s = float(opts["--step-at"]) if "--step-at" in opts else None

ticks = [l.split() for l in open(gen_log)]
ticks = [(int(i), float(a), float(s), float(b), d == "1") for i, a, s, b, d in ticks]
samples = [tuple(map(float, l.split())) for l in open(judge_log) if len(l.split()) == 4]
events = [json.loads(l) for l in open(follow_log) if l.strip()]
t0 = ticks[0][1]
sample_t = [s[0] for s in samples]

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))] if v else None

ideal_t = [x[1] for x in ticks]

def line_bpm(t):
    # A line through the ideal times within half a second either side.
    lo = bisect.bisect_left(ideal_t, t - 0.5e6)
    hi = bisect.bisect_right(ideal_t, t + 0.5e6)
    pts = [(x[0], x[1]) for x in ticks[lo:hi]]
    if len(pts) < 10:
        return None
    n = len(pts); mk = sum(p[0] for p in pts) / n; mt = sum(p[1] for p in pts) / n
    b = sum((p[0] - mk) * (p[1] - mt) for p in pts) / sum((p[0] - mk) ** 2 for p in pts)
    return 60e6 / (24 * b)

# The source's own tempo: its ideal ticks are exact (follow-clock-gen
# schedules them in Link's clock), but logged to 0.1 us, which over one
# interval is 5 ppm; so each stretch of constant tempo (the whole run, or
# either side of a step) is taken whole: its first and last ideal times.
segments = []  # (first tick, last tick) of each stretch
first = 0
for k in range(1, len(ticks) - 1):
    a, b, c = ticks[k - 1], ticks[k], ticks[k + 1]
    if abs((c[1] - b[1]) / (c[0] - b[0]) - (b[1] - a[1]) / (b[0] - a[0])) > 1.0:
        segments.append((first, k))
        first = k
segments.append((first, len(ticks) - 1))
seg_start_t = [ticks[f][1] for f, _ in segments]

def true_bpm(t):
    f, l = segments[max(0, bisect.bisect_right(seg_start_t, t) - 1)]
    if l <= f:
        return None
    return 60e6 / (24 * (ticks[l][1] - ticks[f][1]) / (ticks[l][0] - ticks[f][0]))

# Where the source was disturbed: a tick that went out late, because JACK's
# cycle that should have carried it came late (an xrun of the dummy driver:
# the machine stalled), comes in a burst with its neighbours. A tick later
# than its ideal time by more than 2 ms and six times the jitter (from the
# median absolute deviation of sent against ideal) marks it; from 0.5 s
# before to 3 s after such a tick, nothing is judged (the share is reported).
devs = sorted(abs(x[2] - x[1]) for x in ticks)
jitter_sd = 1.4826 * devs[len(devs) // 2]
LATE_US = 2000 + 6 * jitter_sd
bad_times = [x[1] for x in ticks if x[2] - x[1] > LATE_US]
def near_disturbance(t):
    k = bisect.bisect_left(bad_times, t - 3e6)
    return k < len(bad_times) and bad_times[k] <= t + 0.5e6

def steady(t):  # seconds since the first tick, away from the start, any step and JACK's disturbances
    s = (t - t0) / 1e6
    if s < warmup_s or near_disturbance(t):
        return False
    return step_s is None or not (step_s - 0.5 <= s < step_s + warmup_s)

# The session's tempo against the source's, sampled every 50 ms.
tempo_err, line_err = [], []
for s in samples[::10]:
    if steady(s[0]) and s[0] < ticks[-1][1] - 0.5e6:
        tb = true_bpm(s[0])
        if tb:
            tempo_err.append(abs(s[2] - tb))
        lb = line_bpm(s[0])
        if lb:
            line_err.append(abs(s[2] - lb))
# The naive estimate: the last interval of the ticks as sent (what link-follow got).
naive_err = []
for a, b in zip(ticks, ticks[1:]):
    if a[4] or b[4] or not steady(b[1]) or b[0] != a[0] + 1:
        continue
    tb = true_bpm(b[1])
    if tb and b[2] > a[2]:
        naive_err.append(abs(60e6 / (24 * (b[2] - a[2])) - tb))
# The source's beats against the session's grid, in the bar (Link shares the
# phase, not the beat numbers), at each tick's ideal time.
phase_us = []
for i, ideal, sent, beat, dropped in ticks:
    if beat < 0 or not steady(ideal):
        continue
    k = bisect.bisect_right(sample_t, ideal) - 1
    if k < 0 or k + 1 >= len(samples):
        continue
    st, sb, stempo, playing = samples[k]
    if not playing:
        continue
    session_beat = sb + (ideal - st) * stempo / 60e6
    off = (session_beat - beat + 2) % 4 - 2
    phase_us.append(abs(off) * 60e6 / stempo)
# The judge's own floor: link-follow's events give the session's beat at
# the commit's time as link-follow itself set it; the judge's samples from
# 0.3 s after a commit to 0.1 s before the next one, carried back along the grid (Link's
# tempo is whole microseconds a beat), should give the same beat. What they
# differ by is the measurement's: Link's time transform between the two
# peers and the judge's own sampling.
judge_us = []
grid_events = [e for e in events if e.get("event") in ("tempo", "phase", "start", "continue")]
for e, nxt in zip(grid_events, grid_events[1:] + [None]):
    mpb = round(60e6 / e["tempo"])
    lo = bisect.bisect_left(sample_t, e["time_us"] + 0.3e6)
    # A Start is committed up to a tick before its time: stop short of it.
    hi = bisect.bisect_left(sample_t, nxt["time_us"] - 0.1e6) if nxt else len(samples)
    for st, sb, stempo, playing in samples[lo:hi]:
        expected = e["beat"] + (st - e["time_us"]) / mpb
        judge_us.append(abs((sb - expected + 2) % 4 - 2) * mpb)
# Settle after a step: from the step until the session stays within 0.1 BPM.
settle_s = None
if step_s is not None:
    step_t = t0 + step_s * 1e6
    target = true_bpm(step_t + 2e6)
    last_out = None
    for s in samples:
        if s[0] >= step_t and abs(s[2] - target) > 0.1 and not (s[0] > step_t + 2e6 and near_disturbance(s[0])):
            last_out = s[0]
    settle_s = (last_out - step_t) / 1e6 if last_out else 0.0
# Commits a second, and in the steady stretches.
commits = [e for e in events if e.get("event") in ("tempo", "phase")]
duration = (ticks[-1][1] - t0) / 1e6
steady_commits = [e for e in commits if steady(e["time_us"])]
# Settled: 10 s after the first tick (and after a step), away from disturbances.
late_commits = [e for e in steady_commits if (e["time_us"] - t0) / 1e6 >= 10
                and (step_s is None or not (step_s - 0.5 <= (e["time_us"] - t0) / 1e6 < step_s + 10))]
end = [e for e in events if e.get("event") == "end"]
out = {
    "run": name,
    "seconds": round(duration, 1),
    "tempo_error_bpm": {"p50": pct(tempo_err, .5), "p99": pct(tempo_err, .99), "max": pct(tempo_err, 1), "n": len(tempo_err)},
    "tempo_error_vs_line_bpm": {"p50": pct(line_err, .5), "p99": pct(line_err, .99), "max": pct(line_err, 1)},
    "naive_error_bpm": {"p50": pct(naive_err, .5), "p99": pct(naive_err, .99), "max": pct(naive_err, 1), "n": len(naive_err)},
    "beat_error_us": {"p50": pct(phase_us, .5), "p99": pct(phase_us, .99), "max": pct(phase_us, 1), "n": len(phase_us)},
    "judge_vs_follower_us": {"p50": pct(judge_us, .5), "p99": pct(judge_us, .99), "max": pct(judge_us, 1), "n": len(judge_us)},
    "settle_s": settle_s,
    "late_ticks": len(bad_times),
    "excluded_as_disturbed": round(sum(1 for x in ticks if near_disturbance(x[1])) / len(ticks), 3),
    "commits": len(commits),
    "commits_per_s": round(len(commits) / duration, 3),
    "commits_while_steady": len(steady_commits),
    "commits_steady_after_10s": len(late_commits),
    "commit_kinds": {k: sum(1 for e in commits if e["event"] == k) for k in ("tempo", "phase")},
    "follow_end": end[0] if end else None,
}
for k, v in out.items():
    if isinstance(v, dict):
        out[k] = {a: (round(b, 4) if isinstance(b, float) else b) for a, b in v.items()}
print(json.dumps(out))
