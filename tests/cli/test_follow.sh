# link-follow end to end: a generated MIDI clock on standard input (jsonl),
# then x42's jack_midi_clock on a dummy JACK server, lead the session; two
# link-status watchers and fresh link-status runs are the independent peers
# that judge it.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
GEN="$(dirname "$0")/gen_clock.py"

# --- bad flags: exit 2 with a clear message, before anything opens ------------
bad() { text=$1; shift; expect_refused "^link-follow: error: $text" "$BIN/link-follow" "$@"; }
bad "--backend: expected auto, jack, alsa or jsonl, got 'midi2'" --backend midi2
bad "--tempo-resolution: expected BPM in 0.001..10, got 0" --tempo-resolution 0
bad "--max-commits: expected a rate in 0.1..100 a second, got 1000" --max-commits 1000
bad "--offset-ms: expected milliseconds in -1000..1000, got 5000" --offset-ms 5000
bad "--connect: the jsonl backend reads standard input" --backend jsonl --connect x:y
bad "--port: expected a port name without ':'" --port a:b
bad "--quantum" --quantum 0
expect_exit 2 "$BIN/link-follow" --tempo-resolution abc
pass "bad flags exit 2 with a message naming the flag"

# No ALSA sequencer on a machine without sound devices: exit 1, one clear line.
if [ ! -e /dev/snd/seq ]; then
  expect_exit 1 "$BIN/link-follow" --backend alsa
  grep -q "^link-follow: error: ALSA sequencer: cannot open the ALSA sequencer .*snd-seq" "$WORK/stderr" \
    || fail "alsa without a sequencer: $(cat "$WORK/stderr")"
  [ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "more than our one message: $(cat "$WORK/stderr")"
  bad "--connect ::: not an ALSA sequencer port" --backend alsa --connect ::
  pass "--backend alsa without a sequencer exits 1 with one clear message; a bad address exits 2 first"
fi

# --- jsonl: the end of standard input ends the run ---------------------------
printf '{"time_us":1000,"bytes":[248]}\n{"bytes":[248]}\n' >"$WORK/two.jsonl"
expect_exit 0 "$BIN/link-follow" --backend jsonl --timeout 0 <"$WORK/two.jsonl"
grep -q "^2 ticks, 0 commits" "$WORK/stdout" || fail "end of input: $(cat "$WORK/stdout")"
pass "the end of standard input ends the run with a summary"

# --- the live line: on a terminal only ----------------------------------------
# script(1) gives link-follow a terminal for standard error; standard input
# is a pipe that stays open a moment and sends nothing.
script -qec "sh -c 'sleep 1.5 | \"$BIN/link-follow\" --backend jsonl --timeout 0'" /dev/null >"$WORK/tty.txt"
grep -q "BPM.*waiting for clock" "$WORK/tty.txt" || fail "no live line on a terminal: $(cat "$WORK/tty.txt")"
script -qec "sh -c 'sleep 1.5 | \"$BIN/link-follow\" --backend jsonl --timeout 0 --quiet'" /dev/null >"$WORK/tty.txt"
if grep -q "waiting for clock" "$WORK/tty.txt"; then fail "--quiet drew a live line"; fi
pass "a live line on a terminal, none with --quiet"

start_watchers

# --- jsonl: tempo, Start, Stop, bad input, SIGINT ----------------------------
# A 132 BPM clock with +-1 ms jitter; Start; Stop; 100 BPM; garbage of every
# kind; Start again; then on until we stop it.
# Through a FIFO, so the test knows link-follow's own PID; each side opens it
# in a shell of its own (dash does not retry an open() a signal interrupted).
mkfifo "$WORK/clock"
background sh -c 'exec "$0" --backend jsonl --json <"$1" >"$2" 2>"$3"' "$BIN/link-follow" \
  "$WORK/clock" "$WORK/follow.jsonl" "$WORK/follow.err"
FOLLOW=$LAST_PID
background sh -c 'exec python3 "$0" --jitter-us 1000 --log "$1" \
  ticks 132 4 start ticks 132 5 stop ticks 132 1 ticks 100 4 garbage start ticks 100 120 >"$2"' \
  "$GEN" "$WORK/gen.log" "$WORK/clock"

near() { last_json "$WORK/watch.jsonl" "$1"; }
wait_for 10 "the watcher to see 132 BPM" near '.tempo > 131.98 and .tempo < 132.02'
pass "a watcher sees the clock's tempo (132 +- 0.02 BPM with +-1 ms jitter)"
wait_for 10 "the session to play on MIDI Start" near '.is_playing'
pass "MIDI Start: the session plays"

# The session's beats against the clock's own: a fresh peer's beat at its
# time_us, and the generator's tick times without jitter (tick 0 is beat 0,
# a bar line). Link shares the phase in the bar, not the beat numbers (a
# peer's count may differ by whole bars), so beats are compared in the bar.
sleep 1.5
for i in 1 2 3; do "$BIN/link-status" --json --peers 2 --timeout 5 >>"$WORK/status.jsonl"; sleep 0.3; done
python3 - "$WORK/gen.log" "$WORK/status.jsonl" >"$WORK/phase.txt" <<'PY' || fail "$(cat "$WORK/phase.txt")"
import json, sys
ticks = [l.split() for l in open(sys.argv[1])]
started = [i for i, t in enumerate(ticks) if t[0] == "start"][0]
t0 = float(ticks[started + 1][1])            # tick 0's ideal time
dt = float(ticks[started + 2][1]) - t0       # 132 BPM's interval
for line in open(sys.argv[2]):
    s = json.loads(line)
    source_beat = (s["time_us"] - t0) / dt / 24
    off = (s["beat"] - source_beat + 2) % 4 - 2
    error_us = off * 60e6 / s["tempo"]
    print(f"beat {s['beat']:.4f} clock {source_beat:.4f}: {error_us:.0f} us")
    if abs(error_us) > 2000 or abs(s["tempo"] - 132) > 0.05 or not s["is_playing"]:
        sys.exit(1)
PY
pass "the session's beats lie on the clock's: $(tr '\n' ';' <"$WORK/phase.txt")"

wait_for 10 "the session to stop on MIDI Stop" near '.is_playing == false'
pass "MIDI Stop: the session stops"
wait_for 10 "the watcher to see 100 BPM" near '.tempo > 99.98 and .tempo < 100.02'
pass "a tempo step 132 -> 100 is followed"
wait_for 10 "the second Start" near '.is_playing'
sleep 1.5

# SIGINT leaves the session as the clock left it: playing, at 100 BPM.
before=$("$BIN/link-status" --json --peers 2 --timeout 5)
kill -INT "$FOLLOW"
set +e; wait "$FOLLOW"; rc=$?; set -e
[ "$rc" -eq 0 ] || fail "link-follow exited $rc on SIGINT"
sleep 0.5
after=$("$BIN/link-status" --json --peers 2 --timeout 5)
json_is "$after" ".is_playing and (.tempo - $(echo "$before" | jq .tempo) | fabs) < 0.001" >/dev/null \
  || fail "the session changed when link-follow left: before $before, after $after"
pass "SIGINT: exit 0, the session plays on at the clock's last tempo"

last_json "$WORK/follow.jsonl" '.event == "end" and .ignored.sysex == 1 and .ignored.running_status == 2
  and .ignored.stray_bytes == 2 and .ignored.undefined == 2 and .ignored.unreadable_lines == 1' >/dev/null \
  || fail "the end event does not count the garbage: $(tail -n 1 "$WORK/follow.jsonl")"
grep -q "^link-follow: warning: standard input line [0-9]*: expected a JSON object" "$WORK/follow.err" \
  || fail "no warning for the bad line: $(cat "$WORK/follow.err")"
commits=$(jq -s '[.[] | select(.event == "tempo" or .event == "phase")] | length' "$WORK/follow.jsonl")
[ "$commits" -le 20 ] || fail "$commits tempo/phase commits in about 20 s of clock"
pass "SysEx, stray bytes, running status, undefined bytes and a bad line: ignored and counted; $commits tempo/phase commits"

# --- JACK: x42's jack_midi_clock leads -----------------------------------------
start_jack
background jack_midi_clock -b 124 -B
wait_for 5 "jack_midi_clock's port" jack_port_exists jack_midi_clock:mclk_out
expect_exit 2 "$BIN/link-follow" --backend jack --connect no-such:port
grep -q "no-such:port: no such JACK port" "$WORK/stderr" || fail "missing port: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-follow" --backend jack --connect system:playback_1
grep -q "not a JACK MIDI output port" "$WORK/stderr" || fail "audio port: $(cat "$WORK/stderr")"
expect_exit 0 "$BIN/link-follow" --backend jack --list
grep -q "^jack_midi_clock:mclk_out" "$WORK/stdout" || fail "--list: $(cat "$WORK/stdout")"
pass "JACK: a missing or non-MIDI port exits 2; --list shows the MIDI outputs"

echo stop | jack_transport >/dev/null 2>&1
background "$BIN/link-follow" --backend jack --connect jack_midi_clock:mclk_out --json >"$WORK/jack.jsonl"
FOLLOW=$LAST_PID
wait_for 10 "link-follow's JACK port" jack_port_exists link-follow:in
sleep 0.5
echo play | jack_transport >/dev/null 2>&1
wait_for 10 "the session to play with jack_midi_clock" near '.is_playing'
# 124 BPM in the dummy driver's frames read 124.004 to 124.015 in Link's
# clock in runs on the loaded build VM (with xruns). Why above 124 was not
# found: CLOCK_MONOTONIC, which the driver sleeps on, ran 3.9 ppm from Link's
# CLOCK_MONOTONIC_RAW when measured, far too little. Held to 0.05 BPM here.
wait_for 10 "the watcher to see 124 BPM" near '.tempo > 123.95 and .tempo < 124.05'
pass "jack_midi_clock -b 124: the session plays at $(tail -n 1 "$WORK/watch.jsonl" | jq .tempo) BPM"
echo stop | jack_transport >/dev/null 2>&1
wait_for 10 "the session to stop with jack_midi_clock" near '.is_playing == false'
grep -q '"event":"clock_lost"' "$WORK/jack.jsonl" || { sleep 1; grep -q '"event":"clock_lost"' "$WORK/jack.jsonl"; } \
  || fail "no clock_lost event once jack_midi_clock stopped ticking"
pass "jack_transport stop: the session stops; the silent clock is reported lost"
kill -INT "$FOLLOW"; wait "$FOLLOW" || fail "link-follow (JACK) exited $? on SIGINT"

# With jack_midi_clock's jitter (-J 10) it still leads. That jitter moves
# the tempo, not only the ticks: measured on a dump, the intervals vary by
# 1.6 ms (sd) and the ticks wander up to 6 ms about their straight line, and
# the mean came out 0.3 % slow. The session follows that wobble (a known
# weakness, ARCHITECTURE.md), so it is only held to 2 BPM here.
background jack_midi_clock -b 96 -B -J 10
wait_for 5 "the jittery clock's port" jack_port_exists jack_midi_clock-01:mclk_out
background "$BIN/link-follow" --backend jack --connect jack_midi_clock-01:mclk_out --json >"$WORK/jitter.jsonl"
FOLLOW=$LAST_PID
wait_for 10 "link-follow's JACK port" port_up "$FOLLOW" link-follow:in
echo play | jack_transport >/dev/null 2>&1
wait_for 15 "the watcher to see about 96 BPM from a jittery clock" near '.tempo > 94 and .tempo < 98'
sleep 3
# The session wobbles with that clock: judged by its median over those 3 s.
median=$(jq -s --argjson since "$(( $(tail -n 1 "$WORK/watch.jsonl" | jq .time_us) - 3000000 ))" \
  '[.[] | select(.time_us >= $since) | .tempo] | sort | .[length / 2 | floor]' "$WORK/watch.jsonl")
json_is "$(tail -n 1 "$WORK/watch.jsonl")" ".is_playing and $median > 94 and $median < 98" >/dev/null \
  || fail "the jittery clock: median $median BPM over 3 s; last: $(tail -n 1 "$WORK/watch.jsonl")"
pass "jack_midi_clock -J 10 at 96 BPM: the session's median over 3 s $median BPM"
kill -INT "$FOLLOW"; wait "$FOLLOW" || fail "link-follow (jitter) exited $? on SIGINT"
echo "jack_midi_clock -J 10, about 5 s: $(tail -n 1 "$WORK/jitter.jsonl" | jq -c '{commits, tempo_changes_seen}')"
