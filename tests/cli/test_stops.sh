# A session stop, as each --sync tool acts on it (issue 18, item 10).
# link-midiclock (jsonl: its Stop), link-seq (jsonl: the note-off that ends a
# note held through the whole run) and link-play (--json: where its fade
# began) follow one session; link-tempo starts and stops it. Two ways in:
# the tools waiting before the session starts, and the tools joining a
# session that already plays (Link then tells them nothing of the start, and
# a stop does not change the state Link believes). Stops on the next bar
# line must land on that bar line in every tool; stops "now" must land where
# the session dated them, and so together: each tool is late only by what it
# took to hear of the stop.
# STOP_RUNS (default 3) runs of each kind; STOP_WAYS (waiting joined) and
# STOP_HOWS (bar now) pick kinds; STOP_KEEP=DIR keeps the logs.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
RUNS=${STOP_RUNS:-3}

# One note held for 64 beats: whenever the session stops, it is sounding,
# and its note-off is link-seq's stop.
cat >"$WORK/held.json" <<'EOF'
{"format": "link-seq/1", "loop_beats": 64,
 "tracks": [{"channel": 1, "events": [{"beat": 0, "note": "C4", "velocity": 100, "duration": 64}]}]}
EOF

start_jack 256 ""
# The session's holders: they stay while the tools come and go. Two, so that
# neither is left without a partner when link-tempo leaves (Link would clear
# the start/stop state then).
background "$BIN/link-status" --watch --timeout 0 >/dev/null
HOLDERS=$LAST_PID
background "$BIN/link-status" --watch --timeout 0 >/dev/null
HOLDERS="$HOLDERS $LAST_PID"
sleep 0.7

# start_tools: the three tools, --sync, into $WORK/mc.jsonl, seq.jsonl, play.jsonl.
start_tools() {
  background "$BIN/link-midiclock" --backend jsonl --no-idle-clock >"$WORK/mc.jsonl" 2>"$WORK/mc.err"
  MC=$LAST_PID
  background "$BIN/link-seq" --backend jsonl --sync "$WORK/held.json" >"$WORK/seq.jsonl" 2>"$WORK/seq.err"
  SEQ=$LAST_PID
  background "$BIN/link-play" --click --sync --json --no-connect >"$WORK/play.jsonl" 2>"$WORK/play.err"
  PLAY=$LAST_PID
  wait_for 10 "link-play's first line" test -s "$WORK/play.jsonl"
  # The MIDI tools have joined when the session counts them.
  wait_for 10 "five peers" sh -c "'$BIN/link-status' --json --peers 5 --timeout 1 >/dev/null"
}
stop_tools() {
  for pid in $MC $SEQ $PLAY; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in $MC $SEQ $PLAY; do wait "$pid" 2>/dev/null || true; done
  PIDS="$JACK_PID $HOLDERS"
}

# judge HOW: the first stop of the run in the three logs, against the moment
# the session stops (link-tempo --json: change_time_us, change_beat).
judge() {
  python3 - "$1" "$WORK" <<'EOF'
import json, sys
how, work = sys.argv[1], sys.argv[2]
def lines(name):
    out = []
    for line in open(f"{work}/{name}"):
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out
q = 4.0
ref = json.load(open(f"{work}/stop.json"))
mc = [e for e in lines("mc.jsonl") if e.get("message") == "stop" and e.get("beat") is not None]
seq_off = [e for e in lines("seq.jsonl") if e.get("message") == "note_off"]
play = [e for e in lines("play.jsonl") if e.get("event") == "stop"]
if not mc or not seq_off or not play:
    sys.exit(f"no stop: midiclock {len(mc)}, link-seq {len(seq_off)}, link-play {len(play)}")
ms_per_beat = 60000.0 / ref["tempo"]
p = play[0]
# link-play's position is where its fade ended; the 10 ms fade began at the
# stop. Link shares the phase, not beat numbers: compare within the bar.
play_stop = p["start_beat"] + p["position"] - 10.0 / ms_per_beat
d = (play_stop - ref["change_beat"]) % q
if d > q / 2:
    d -= q
late = {"link-midiclock": (mc[0]["time_us"] - ref["change_time_us"]) / 1000.0,
        "link-seq": (seq_off[0]["time_us"] - ref["change_time_us"]) / 1000.0,
        "link-play": d * ms_per_beat}
# What it took to hear of the stop: link-tempo confirms a change once every
# peer has announced it (Link re-announces right after taking it in), and
# prints time_us after that. Every tool has heard by then; a tool may be
# late by that, a window of its own (10 ms for jsonl, a period for JACK) and
# a wake-up, never more. When every peer had announced it before its time
# (a stop on a bar line far enough ahead), every tool is on it exactly.
confirmed_all = open(f"{work}/tempo.err").read().strip() == ""
heard_by = (ref["time_us"] - ref["change_time_us"]) / 1000.0
if not confirmed_all:
    bound, exact = 300.0, False
elif heard_by < 0:
    bound, exact = 0.2, True
else:
    bound, exact = heard_by + 20.0, False
# Each peer maps the session's clock to its own through its own measurement
# of the others: the same moment differs by tens of microseconds between
# peers (seen: up to 47 us), so "exact" and "never early" allow 0.2 ms.
ok = all(-0.2 <= v <= bound for v in late.values())
print(json.dumps({"how": how, "heard_by_ms": round(heard_by, 3), "exact": exact, "ok": ok,
                  "late_ms": {k: round(v, 3) for k, v in late.items()}}))
EOF
}

RESULTS="$WORK/results.jsonl"
RUN_NO=0
: >"$RESULTS"
run() { # WAY HOW
  way=$1 how=$2
  if [ "$way" = joined ]; then
    "$BIN/link-tempo" --play --peers 1 --timeout 5 >/dev/null 2>&1 || fail "link-tempo --play"
    sleep 0.3
    start_tools
  else
    start_tools
    "$BIN/link-tempo" --play --at-next-bar --timeout 5 >/dev/null 2>&1 || fail "link-tempo --play --at-next-bar"
  fi
  # Each tool starts on the first bar line after it knows the session plays,
  # which after joining need not be the same bar line in all three.
  wait_for 10 "link-play playing ($way)" grep -q '"event":"start"' "$WORK/play.jsonl"
  wait_for 10 "link-midiclock's Start ($way)" grep -q '"message":"start"' "$WORK/mc.jsonl"
  wait_for 10 "link-seq's note ($way)" grep -q '"message":"note_on"' "$WORK/seq.jsonl"
  sleep "0.$(shuf -i 300-999 -n 1)"
  if [ "$how" = bar ]; then
    "$BIN/link-tempo" --json --stop --at-next-bar --timeout 5 >"$WORK/stop.json" 2>"$WORK/tempo.err" || fail "link-tempo --stop --at-next-bar"
  else
    "$BIN/link-tempo" --json --stop --timeout 5 >"$WORK/stop.json" 2>"$WORK/tempo.err" || fail "link-tempo --stop"
  fi
  wait_for 10 "link-play's stop ($way, $how)" grep -q '"event":"stop"' "$WORK/play.jsonl"
  sleep 0.3
  stop_tools
  RUN_NO=$((RUN_NO + 1))
  [ -z "${STOP_KEEP:-}" ] || for f in mc.jsonl seq.jsonl play.jsonl stop.json mc.err seq.err play.err; do
    cp "$WORK/$f" "$STOP_KEEP/$RUN_NO-$f"; done
  verdict=$(judge "$how" 2>&1) || fail "$way/$how: $verdict"
  echo "$way $how $verdict"
  printf '{"way":"%s","verdict":%s}\n' "$way" "$verdict" >>"$RESULTS"
}

i=0
while [ "$i" -lt "$RUNS" ]; do
  for way in ${STOP_WAYS:-waiting joined}; do
    for how in ${STOP_HOWS:-bar now}; do run "$way" "$how"; done
  done
  i=$((i + 1))
done

# The figures, and every stop judged by its own bound (judge above).
python3 - "$RESULTS" <<'EOF' || fail "a tool acted on a stop away from its time (the runs above)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for way in ("waiting", "joined"):
    for how in ("bar", "now"):
        for exact in (True, False):
            picked = [r for r in rows if r["way"] == way and r["verdict"]["how"] == how and r["verdict"]["exact"] == exact]
            for tool in ("link-midiclock", "link-seq", "link-play"):
                v = sorted(r["verdict"]["late_ms"][tool] for r in picked)
                if v:
                    kind = "heard before it" if exact else "heard after it"
                    print(f"{way:8s} {how:4s} {kind:16s} {tool:15s} n={len(v):2d} min {v[0]:8.3f}  median {v[len(v)//2]:8.3f}  max {v[-1]:8.3f} ms")
bad = [r for r in rows if not r["verdict"]["ok"]]
sys.exit(1 if bad else 0)
EOF
pass "every tool acts on the session's stop time: $(grep -c '"exact": true' "$RESULTS") stops heard in advance exactly on time"
