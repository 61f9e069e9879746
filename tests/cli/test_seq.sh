# link-seq end to end: a JACK dummy server, jack_midi_dump as the receiving
# synth, link-status peers holding the session, link-tempo for the transport.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"

start_jack
start_midi_monitor
start_watchers

cat >"$WORK/pattern.json" <<'EOF'
{"format": "link-seq/1", "quantum": 2, "loop_beats": 2,
 "tracks": [{"name": "test", "channel": 2, "events": [
   {"beat": 0, "note": "C4", "velocity": 100, "duration": 0.5},
   {"beat": 1, "note": "E4", "velocity": 90, "duration": 0.5},
   {"beat": 1.5, "cc": 74, "value": 64}
 ]}]}
EOF

# --- bad input: exit 2, every problem named, nothing sent --------------------
cat >"$WORK/bad.json" <<'EOF'
{"format": "link-seq/1", "loop_beats": 4,
 "tracks": [{"channel": 17, "events": [
   {"beat": 0, "note": 60, "velocity": 300, "duration": 1},
   {"beat": 4, "cc": 1, "value": 2},
   {"beat": 1, "note": "C4", "velocty": 3, "duration": 1}
 ]}]}
EOF
expect_exit 2 "$BIN/link-seq" --backend jack --connect midi-monitor:input "$WORK/bad.json"
cat >"$WORK/expected" <<EOF
$WORK/bad.json: /tracks/0/channel: expected a channel 1..16, got 17
$WORK/bad.json: /tracks/0/events/0/velocity: expected a velocity 1..127, got 300
$WORK/bad.json: /tracks/0/events/2/velocty: expected a key of an event (beat, note, velocity, duration, cc, value, program, pitch_bend, raw), got "velocty" (did you mean "velocity"?)
$WORK/bad.json: /tracks/0/events/1/beat: expected a beat below loop_beats (4), got 4
link-seq: error: $WORK/bad.json: 4 problems
EOF
diff "$WORK/expected" "$WORK/stderr" >"$WORK/diff" || fail "bad file messages differ: $(cat "$WORK/diff")"
printf '{"format": "link-seq/1",\n  "tracks": [\n    {"channel": 1 "events": []}]}\n' >"$WORK/syntax.json"
expect_exit 2 "$BIN/link-seq" --backend jack --connect midi-monitor:input "$WORK/syntax.json"
grep -q "^$WORK/syntax.json: line 3, column 19: invalid JSON: expected ',' or '}' after an object member, got '\"'$" \
  "$WORK/stderr" || fail "syntax error message: $(cat "$WORK/stderr")"
: >"$WORK/empty.json"
expect_exit 2 "$BIN/link-seq" --backend jack --connect midi-monitor:input "$WORK/empty.json"
grep -q "got an empty file" "$WORK/stderr" || fail "empty file message: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-seq" --backend jack --connect midi-monitor:input "$WORK/missing.json"
grep -q "missing.json: cannot open it: No such file or directory" "$WORK/stderr" \
  || fail "missing file message: $(cat "$WORK/stderr")"
truncate -s 513M "$WORK/huge.json"  # sparse: no disk used
expect_exit 2 "$BIN/link-seq" --backend jack --connect midi-monitor:input "$WORK/huge.json"
grep -q "huge.json: expected a file of at most 512 MiB, got 513 MiB" "$WORK/stderr" \
  || fail "huge file message: $(cat "$WORK/stderr")"
rm -f "$WORK/huge.json"
# A key holding a newline and an escape: shown escaped, never raw on the
# terminal (three lines: the key, the event of no kind, the count).
printf '{"format": "link-seq/1", "tracks": [{"channel": 1, "events": [{"beat": 0, "a\\nb\\u001b[31m": 1}]}]}' \
  >"$WORK/control.json"
expect_exit 2 "$BIN/link-seq" --check "$WORK/control.json"
[ "$(wc -l <"$WORK/stderr")" -eq 3 ] && ! grep -q "$(printf '\033')" "$WORK/stderr" \
  && grep -q '^.*control.json: /tracks/0/events/0/a\\u000ab\\u001b\[31m: expected a key of an event' "$WORK/stderr" \
  || fail "a key with control characters: $(od -c "$WORK/stderr" | head -n 8)"
# --check promises every problem: a misspelt key does not hide the same
# event's beat past loop_beats.
cat >"$WORK/two.json" <<'EOF2'
{"format": "link-seq/1", "loop_beats": 4,
 "tracks": [{"channel": 1, "events": [{"beat": 6, "note": 60, "velocty": 3, "duration": 1}]}]}
EOF2
expect_exit 2 "$BIN/link-seq" --check "$WORK/two.json"
grep -q '^.*two.json: /tracks/0/events/0/velocty: expected a key of an event' "$WORK/stderr" \
  && grep -q '^.*two.json: /tracks/0/events/0/beat: expected a beat below loop_beats (4), got 6$' "$WORK/stderr" \
  && grep -q '^link-seq: error: .*two.json: 2 problems$' "$WORK/stderr" \
  || fail "a misspelt key and a late beat in one event: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-seq" --backend jack --connect no-such:port "$WORK/pattern.json"
expect_exit 2 "$BIN/link-seq" --bars 2 --beats 3 "$WORK/pattern.json"
sleep 0.3
[ ! -s "$WORK/dump.txt" ] || fail "bad input sent MIDI: $(head -n 3 "$WORK/dump.txt")"
expect_exit 0 "$BIN/link-seq" --check "$WORK/pattern.json"
grep -q "pattern.json: ok: 1 track, 3 events (2 notes), a loop of 2 beats$" "$WORK/stdout" \
  || fail "--check: $(cat "$WORK/stdout")"
pass "bad files exit 2 with every problem named (file, pointer, expected, got) and send nothing"

# --- a short pattern: the right bytes, in order, on the beat -----------------
# Two passes of the 2-beat loop (--beats 4), then link-seq ends by itself.
expect_exit 0 "$BIN/link-seq" --backend jack --connect midi-monitor:input --peers 2 --timeout 5 \
  --beats 4 "$WORK/pattern.json"
sleep 0.2
messages "$WORK/dump.txt" >"$WORK/got"
cat >"$WORK/expected" <<'EOF'
91 3c 64
81 3c 00
91 40 5a
81 40 00
b1 4a 40
91 3c 64
81 3c 00
91 40 5a
81 40 00
b1 4a 40
EOF
diff "$WORK/expected" "$WORK/got" >"$WORK/diff" || fail "pattern bytes differ: $(cat "$WORK/diff")"
# On the beat: at 120 BPM and 48 kHz a beat is 24000 frames. The dummy
# driver's frame count loses the frames of a stalled cycle (an xrun, often
# 10-20 ms on a busy VM), so spacing is checked to 8%: enough to tell a beat
# from half or one and a half. How close to the grid each note is, is
# measured by bench/seq-timing/run, not here.
awk '$1 ~ /^[0-9]+:$/ { f[++n] = $1 + 0 }
     END { beat = (f[3] - f[1]); half = (f[2] - f[1]); pass = (f[6] - f[1]);
           if (beat < 22080 || beat > 25920) { print "C4 to E4: " beat " frames, expected 24000"; exit 1 }
           if (half < 11040 || half > 12960) { print "C4 note length: " half " frames, expected 12000"; exit 1 }
           if (pass < 44160 || pass > 51840) { print "loop pass: " pass " frames, expected 48000"; exit 1 } }' \
  "$WORK/dump.txt" >"$WORK/timing" || fail "$(cat "$WORK/timing")"
pass "a looping pattern arrives with the right bytes, in order, a beat apart, and link-seq ends after --beats"

# --- a client name that is taken: JACK renames us, and we say so -------------
printf '{"format": "link-seq/1", "tracks": [{"channel": 1, "events": [{"beat": 0, "note": 60, "duration": 64}]}]}' \
  >"$WORK/held.json"
background "$BIN/link-seq" --backend jack --name Dup --quantum 1 --timeout 0 "$WORK/held.json"
FIRST=$LAST_PID
wait_for 10 "the first Dup client" jack_port_exists Dup:out
expect_exit 0 "$BIN/link-seq" --backend jack --name Dup --quantum 1 --timeout 0 --beats 1 --quiet "$WORK/pattern.json"
[ "$(cat "$WORK/stderr")" = 'link-seq: warning: JACK client name "Dup" is taken; using "Dup-01"' ] \
  || fail "a second client named Dup: $(cat "$WORK/stderr")"
kill -INT "$FIRST"
wait "$FIRST" || fail "the first Dup link-seq failed"
pass "a taken JACK client name is reported with the name JACK gave instead"

# --- signals mid-note: every note-on gets its note-off -----------------------
cat >"$WORK/long.json" <<'EOF'
{"format": "link-seq/1", "tracks": [
  {"channel": 1, "events": [{"beat": 0, "note": 60, "duration": 64}, {"beat": 0, "note": 64, "duration": 64},
                            {"beat": 0, "cc": 64, "value": 127}]},
  {"channel": 10, "events": [{"beat": 0, "raw": [153, 36, 100]}]}]}
EOF
for sig in INT TERM; do
  mark_dump
  background "$BIN/link-seq" --backend jack --connect midi-monitor:input --quantum 1 --timeout 0 "$WORK/long.json"
  SEQ=$LAST_PID
  wait_for 10 "the notes" sh -c "tail -n +$((MARK + 1)) '$WORK/dump.txt' | grep -q ': 90 40'"
  kill -"$sig" "$SEQ"
  set +e; wait "$SEQ"; code=$?; set -e
  [ "$code" -eq 0 ] || fail "link-seq exited $code on SIG$sig, expected 0"
  sleep 0.2
  balanced "$(since_mark)" >"$WORK/balance" || fail "after SIG$sig: $(cat "$WORK/balance")"
  messages "$(since_mark)" | grep -q "^b0 40 00$" || fail "after SIG$sig: the sustain pedal was left down"
done
pass "SIGINT and SIGTERM mid-note: every note-on has its note-off, the pedal is released, exit 0"

# --- the session's transport stops: notes end, playing waits for the next start
mark_dump
expect_exit 0 "$BIN/link-tempo" --play --peers 2 --timeout 5
background "$BIN/link-seq" --backend jack --connect midi-monitor:input --sync --quantum 1 --peers 2 --timeout 5 \
  "$WORK/long.json"
SEQ=$LAST_PID
wait_for 10 "the notes" sh -c "tail -n +$((MARK + 1)) '$WORK/dump.txt' | grep -q ': 90 40'"
expect_exit 0 "$BIN/link-tempo" --stop --peers 3 --timeout 5
wait_for 5 "the note-offs" sh -c "tail -n +$((MARK + 1)) '$WORK/dump.txt' | grep -q ': 80 40'"
balanced "$(since_mark)" >"$WORK/balance" || fail "after the transport stopped: $(cat "$WORK/balance")"
kill -0 "$SEQ" 2>/dev/null || fail "link-seq ended when the transport stopped"
kill -INT "$SEQ"
wait "$SEQ" || fail "link-seq failed"
pass "--sync: the session stopping ends every sounding note and link-seq waits"

# --- --dry-run and --to-json ---------------------------------------------------
expect_exit 0 "$BIN/link-seq" --dry-run --timeout 0 "$WORK/pattern.json"
[ "$(wc -l <"$WORK/stdout")" -eq 5 ] || fail "--dry-run of a loop prints one pass: $(cat "$WORK/stdout")"
jq -e -s '[.[].bytes] == [[145,60,100],[129,60,0],[145,64,90],[129,64,0],[177,74,64]]
          and (.[2].time_us - .[0].time_us == 500000) and (.[2].beat - .[0].beat == 1)' \
  "$WORK/stdout" >/dev/null || fail "--dry-run schedule: $(cat "$WORK/stdout")"
"$BIN/link-seq" --to-json "$WORK/pattern.json" >"$WORK/again.json"
expect_exit 0 "$BIN/link-seq" --check "$WORK/again.json"
"$BIN/link-seq" --to-json "$WORK/again.json" | diff "$WORK/again.json" - >/dev/null \
  || fail "--to-json is not stable"
# Every kind a file can send has its own name, as the man page lists them.
cat >"$WORK/kinds.json" <<'EOF2'
{"format": "link-seq/1", "tracks": [{"channel": 1, "events": [
  {"beat": 0, "raw": [208, 100]}, {"beat": 0.25, "raw": [162, 60, 40]}, {"beat": 0.5, "raw": [243, 4]},
  {"beat": 0.75, "raw": [241, 35]}, {"beat": 1, "raw": [246]}, {"beat": 1.25, "raw": [254]},
  {"beat": 1.5, "raw": [255]}, {"beat": 1.75, "pitch_bend": 0.5}]}]}
EOF2
expect_exit 0 "$BIN/link-seq" --dry-run --timeout 0 "$WORK/kinds.json"
jq -e -s '[.[].message] == ["channel_pressure", "poly_pressure", "song_select", "mtc_quarter_frame",
                            "tune_request", "active_sensing", "reset", "pitch_bend"]' "$WORK/stdout" >/dev/null \
  || fail "--dry-run message names: $(jq -c -s '[.[].message]' "$WORK/stdout")"
pass "--dry-run prints the schedule as JSON Lines, every message kind by name; --to-json reads back the same"

# A loop shorter than a sixty-fourth note is refused (a loop of 1e-300 beats
# once hung link-seq); the shortest one plays, and a dense schedule of it is
# printed as it is worked out: a closed pipe or SIGTERM ends it at once.
printf '{"format": "link-seq/1", "loop_beats": 1e-300, "tracks": []}\n' >"$WORK/tiny.json"
expect_exit 2 timeout 20 "$BIN/link-seq" --dry-run --timeout 0 --beats 1 "$WORK/tiny.json"
grep -q "tiny.json: /loop_beats: expected a loop length of at least 0.0625 beats (a sixty-fourth note), got 1e-300$" \
  "$WORK/stderr" || fail "tiny loop message: $(cat "$WORK/stderr")"
expect_exit 2 timeout 20 "$BIN/link-seq" --dry-run --timeout 0 --beats 1 --loop --quantum 1e-300 "$WORK/pattern.json"
grep -q "^link-seq: error: --quantum: expected a number of beats from 0.0625 to 64, got 1e-300$" "$WORK/stderr" \
  || fail "tiny quantum message: $(cat "$WORK/stderr")"
cat >"$WORK/dense.json" <<'EOF'
{"format": "link-seq/1", "quantum": 0.0625, "loop_beats": 0.0625,
 "tracks": [{"channel": 1, "events": [{"beat": 0, "note": 60, "duration": 0.03}]}]}
EOF
timeout 20 "$BIN/link-seq" --dry-run --timeout 0 --beats 1 "$WORK/dense.json" >"$WORK/stdout" \
  || fail "--dry-run of the shortest loop"
[ "$(grep -c '"bytes":\[144,60' "$WORK/stdout")" -eq 16 ] || fail "the shortest loop, one beat: $(cat "$WORK/stdout")"
# 16 million notes: only an early end of the dry run lets these finish in time.
{ timeout 20 "$BIN/link-seq" --dry-run --timeout 0 --beats 1000000 "$WORK/dense.json"; echo $? >"$WORK/rc"; } \
  | head -n 3 >"$WORK/head.txt"
[ "$(wc -l <"$WORK/head.txt")" -eq 3 ] || fail "--dry-run into head: $(cat "$WORK/head.txt")"
[ "$(cat "$WORK/rc")" = 0 ] || fail "--dry-run into head: exit $(cat "$WORK/rc") (124: it went on after head left)"
"$BIN/link-seq" --dry-run --timeout 0 --beats 1000000 "$WORK/dense.json" >/dev/null 2>"$WORK/dense.err" &
dense=$!
sleep 1
kill -TERM "$dense"
wait_for 5 "link-seq --dry-run to end on SIGTERM" has_ended "$dense"
wait "$dense" || fail "--dry-run stopped by SIGTERM: exit $? ($(cat "$WORK/dense.err"))"
pass "loops shorter than a sixty-fourth note are refused; a dense --dry-run stops on a closed pipe or SIGTERM"

# --- more at once than a cycle's port buffer holds: late, never lost ---------
# A controller track of 2048 messages and 16 tracks of 128 notes, all on one
# beat: 4096 messages, more than one cycle's MIDI buffer (32 KiB in JACK 2)
# holds. What does not fit goes out in the next cycle: the independent
# receiver counts every note-on.
python3 -c '
import json, sys
tracks = [{"channel": 1, "events": [{"beat": 0, "cc": 1, "value": i % 128} for i in range(2048)]}]
tracks += [{"channel": c, "events": [{"beat": 0, "note": n, "duration": 0.25} for n in range(128)]}
           for c in range(1, 17)]
json.dump({"format": "link-seq/1", "tracks": tracks}, open(sys.argv[1], "w"))' "$WORK/crowd.json"
background "$BIN/clock-receiver" --jack --note-ons 1 --warmup 0 --seconds 6 --json \
  >"$WORK/crowd-rx.json" 2>"$WORK/crowd-rx.err"
rx=$LAST_PID
wait_for 5 "clock-receiver's port" jack_port_exists clock-receiver:in
expect_exit 0 "$BIN/link-seq" --backend jack --connect clock-receiver:in --timeout 0 --quantum 1 "$WORK/crowd.json"
[ ! -s "$WORK/stderr" ] || fail "4096 messages on one beat: $(cat "$WORK/stderr")"
wait "$rx" || fail "clock-receiver: $(cat "$WORK/crowd-rx.err")"
json_is "$(cat "$WORK/crowd-rx.json")" '.note_ons == 2048' >/dev/null \
  || fail "4096 messages on one beat: the receiver counted $(jq .note_ons "$WORK/crowd-rx.json") of 2048 note-ons"
pass "4096 messages on one beat: what a cycle's buffer cannot hold goes out in the next, none lost"

# Beyond the backlog too (24000 controller messages on one beat): what could
# not be sent is counted and reported, exit 1.
python3 -c '
import json, sys
events = [{"beat": 0, "cc": 1, "value": i % 128} for i in range(1500)]
json.dump({"format": "link-seq/1", "tracks": [{"channel": c, "events": events} for c in range(1, 17)]},
          open(sys.argv[1], "w"))' "$WORK/crowd.json"
expect_exit 1 "$BIN/link-seq" --backend jack --connect midi-monitor:input --timeout 0 --quantum 1 "$WORK/crowd.json"
grep -q "^link-seq: error: JACK port link-seq:out -> midi-monitor:input: [0-9]* MIDI messages could not be sent: more came at once than the port's buffer and the backlog behind it hold$" \
  "$WORK/stderr" || fail "dropped messages: $(cat "$WORK/stderr")"
lost=$(sed -n 's/.*: \([0-9]*\) MIDI messages could not be sent.*/\1/p' "$WORK/stderr")
[ "$lost" -gt 0 ] && [ "$lost" -lt 24000 ] || fail "dropped $lost of 24000 controller messages"
pass "messages beyond the buffer and its backlog are counted ($lost of 24000) and end the run with exit 1"

# --- a Standard MIDI File: type 1, 96 ticks per quarter note -----------------
# Track 1: tempo and time signature 3/4 (ignored / quantum 3); track 2: a
# note on channel 3 at tick 96 for 48 ticks, then a program change.
printf 'MThd\000\000\000\006\000\001\000\002\000\140' >"$WORK/song.mid"
printf 'MTrk\000\000\000\023\000\377\121\003\007\241\040\000\377\130\004\003\002\030\010\000\377\057\000' >>"$WORK/song.mid"
printf 'MTrk\000\000\000\017\140\222\074\144\060\202\074\000\000\302\005\000\377\057\000' >>"$WORK/song.mid"
"$BIN/link-seq" --to-json "$WORK/song.mid" >"$WORK/song.json" 2>"$WORK/stderr" || fail "--to-json song.mid: $(cat "$WORK/stderr")"
json_is "$(cat "$WORK/song.json")" '.quantum == 3 and (.tracks | length) == 1 and .tracks[0].channel == 3
       and .tracks[0].events == [{"beat": 1, "note": 60, "velocity": 100, "duration": 0.5},
                                 {"beat": 1.5, "program": 5}]' >/dev/null \
  || fail "song.mid as JSON: $(cat "$WORK/song.json")"
expect_exit 0 "$BIN/link-seq" --dry-run --timeout 0 "$WORK/song.mid"
jq -e -s '[.[].bytes] == [[146,60,100],[130,60,0],[194,5]]' "$WORK/stdout" >/dev/null \
  || fail "song.mid schedule: $(cat "$WORK/stdout")"
printf 'MThd\000\000\000\006\000\002\000\001\000\140' >"$WORK/type2.mid"
expect_exit 2 "$BIN/link-seq" --check "$WORK/type2.mid"
grep -q "type2.mid: expected a Standard MIDI File of type 0 or 1, got type 2" "$WORK/stderr" \
  || fail "type 2 message: $(cat "$WORK/stderr")"
# A .mid that is no MIDI file: both readers' reasons, on one line.
printf 'RIFF\044\000\000\000WAVEfmt ' >"$WORK/wav.mid"
expect_exit 2 "$BIN/link-seq" --check "$WORK/wav.mid"
[ "$(cat "$WORK/stderr")" = "link-seq: error: $WORK/wav.mid: not a MIDI file (no MThd header; it begins with \"RIFF\") and not link-seq JSON (line 1, column 1: invalid JSON: expected a value, got 'R')" ] \
  || fail "a WAV file named .mid: $(cat "$WORK/stderr")"
pass "a MIDI file plays through --dry-run and --to-json (ticks as beats, its tempo ignored); type 2 and a WAV named .mid exit 2"
