# link-seq --reload end to end, on the jsonl backend: a file rewritten while
# playing takes over on the loop's end and not before, a broken edit is
# reported as --check reports it while the version before plays on, an
# editor's save (a temporary file renamed over the old one) counts, many
# random edits leave no note hanging or doubled, and SIGINT with a swap
# pending still ends every note; then --control's ops, each from the bar line
# after it was sent, 100 random commands, and --control on JACK. Each version
# marks its notes with its own velocity (tests/cli/check_seq_live.py reads
# them back).
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
require_built link-seq
# Debian's interpreter when there is one: a pyenv shim takes 0.4 s to start,
# longer than the windows the checks below wait for.
PYTHON=python3; [ ! -x /usr/bin/python3 ] || PYTHON=/usr/bin/python3
CHECK="$PYTHON $repo/tests/cli/check_seq_live.py"

# version FILE VELOCITY [EXTRA_EVENTS]: a loop of 2 beats (a bar of 2):
# C2 on the loop's first beat, E4, G4 and C5 after it, all at VELOCITY (C5
# late in the pass: a swap before the loop's end would play it early).
version() {
  cat >"$1" <<EOF2
{"format": "link-seq/1", "quantum": 2, "loop_beats": 2,
 "tracks": [{"channel": 1, "events": [
   {"beat": 0, "note": 36, "velocity": $2, "duration": 0.25},
   {"beat": 0.5, "note": 64, "velocity": $2, "duration": 0.25},
   {"beat": 1, "note": 67, "velocity": $2, "duration": 0.4},
   {"beat": 1.5, "note": 72, "velocity": $2, "duration": 0.25}${3:-}
 ]}]}
EOF2
}

# has_velocity OUT V: a note-on of velocity V has been played.
has_velocity() { $CHECK "$1" first "$2" >/dev/null; }
# mid_loop OUT [LATEST]: the last line is early in a pass, on beat 0.25 to
# LATEST (default 1) of 2 (the next line comes by beat 1.4, so the loop's
# end is at least 0.6 beats, 300 ms, away); its beat is left in $beat. Read
# with sed, not python: a slow check on a busy machine would miss the window.
mid_loop() {
  beat=$(tail -n 1 "$1" | sed -n 's/.*"beat":\([0-9.]*\),.*/\1/p')
  [ -n "$beat" ] && awk -v b="$beat" -v l="${2:-1}" 'BEGIN { p = b - 2 * int(b / 2); exit !(p >= 0.25 && p <= l) }'
}

# --- bad usage: exit 2, before anything is opened ---------------------------
for args in "--reload -" "--cut $WORK/x.json" "--reload --swap-at bars $WORK/x.json" \
            "--reload --dry-run $WORK/x.json" "--reload $WORK/no/such.json"; do
  # shellcheck disable=SC2086 # one list of arguments
  expect_exit 2 "$BIN/link-seq" $args
done
pass "--reload with standard input, --cut alone, a bad --swap-at, --dry-run, a missing folder: exit 2"

# --- an edit takes over on the loop's end, not before ------------------------
FILE="$WORK/live.json"
version "$FILE" 1
background "$BIN/link-seq" --backend jsonl --reload --quiet --timeout 0 "$FILE" >"$WORK/out.jsonl" 2>"$WORK/err"
SEQ=$LAST_PID
wait_for 10 "the first version to play" has_velocity "$WORK/out.jsonl" 1
wait_for 5 "the middle of a pass" mid_loop "$WORK/out.jsonl"
version "$FILE" 2
written_at=$beat
wait_for 5 "the second version" has_velocity "$WORK/out.jsonl" 2
first=$($CHECK "$WORK/out.jsonl" first 2)
expected=$(awk -v b="$written_at" 'BEGIN { print 2 * (int(b / 2) + 1) }')
awk -v f="$first" -v e="$expected" 'BEGIN { exit !(f == e) }' \
  || fail "written at beat $written_at: version 2 began on beat $first, expected the loop's end $expected"
$CHECK "$WORK/out.jsonl" seams 2 >/dev/null || fail "versions mixed within a pass"
pass "a rewritten file took over on the loop's end (written on beat $written_at, first new note on beat $first)"

# --- a broken edit: reported as --check reports it, the old version plays on -
cp "$FILE" "$WORK/good.json"
version "$WORK/broken.json" 300
set +e; "$BIN/link-seq" --check "$WORK/broken.json" 2>"$WORK/check_err" >/dev/null; set -e
sed "s|$WORK/broken.json|$FILE|" "$WORK/check_err" >"$WORK/check_expected"
lines_before=$(wc -l <"$WORK/out.jsonl")
cp "$WORK/broken.json" "$FILE"
wait_for 5 "the problem on stderr" grep -q "not reloaded" "$WORK/err"
grep -q "^$FILE: /tracks/0/events/0/velocity: expected a velocity 1..127, got 300$" "$WORK/err" \
  || fail "the broken edit's pointer: $(cat "$WORK/err")"
grep -vF "link-seq: warning:" "$WORK/err" | diff "$WORK/check_expected" - >"$WORK/diff" \
  || fail "not reported as --check reports it: $(cat "$WORK/diff")"
pause 2.2 # a pass and more
kill -0 "$SEQ" || fail "link-seq ended after a broken edit"
tail -n +"$((lines_before + 1))" "$WORK/out.jsonl" >"$WORK/after_broken.jsonl"
[ "$(jq -c 'select(.message == "note_on") | .bytes[2]' "$WORK/after_broken.jsonl" | sort -u)" = 2 ] \
  || fail "after the broken edit, not version 2 alone: $(jq -c 'select(.message == "note_on") | .bytes' "$WORK/after_broken.jsonl" | sort -u | tr '\n' ' ')"
pass "a broken edit is reported with its pointer exactly as --check does, and version 2 plays on"

# --- an editor's save: a temporary file renamed over the old one -------------
version "$WORK/.live.json.swp" 3
mv "$WORK/.live.json.swp" "$FILE"
wait_for 5 "version 3, saved by rename" has_velocity "$WORK/out.jsonl" 3
first=$($CHECK "$WORK/out.jsonl" first 3)
awk -v f="$first" 'BEGIN { exit !(f == 2 * int(f / 2)) }' || fail "version 3 began on beat $first, not a loop's end"
pass "a save by rename is picked up (version 3 from beat $first)"

# interrupted PID WHAT: SIGINT to PID, which must exit 0 (the run's own
# checks of its stderr and output follow).
interrupted() {
  kill -INT "$1"
  set +e; wait "$1"; code=$?; set -e
  [ "$code" -eq 0 ] || fail "$2: exit $code on SIGINT, expected 0"
}

# --- many random edits: nothing hanging, nothing doubled, swaps on the seam --
# Versions 4..103: each a random mix of the notes above and notes that ring
# across the seam, written in place or by rename, ten of them broken,
# 50-150 ms apart (some taking over, some replaced before their boundary).
n=4
broken=0
while [ "$n" -le 103 ]; do
  r=$(shuf -i 0-99 -n 1)
  long=$(shuf -i 40-80 -n 1)
  extra=", {\"beat\": 1.75, \"note\": $long, \"velocity\": $n, \"duration\": $(shuf -i 1-5 -n 1).$(shuf -i 0-9 -n 1)}"
  [ $((r % 3)) -ne 0 ] || extra="$extra, {\"beat\": 0, \"note\": 64, \"velocity\": $n, \"duration\": 0.1}"
  [ $((r % 4)) -ne 0 ] || extra="$extra, {\"beat\": 1.9, \"cc\": 64, \"value\": 127}, {\"beat\": 0.1, \"cc\": 64, \"value\": 0}"
  if [ $((n % 10)) -eq 7 ]; then # ten of them
    printf '{"format": "link-seq/1", "tracks": [{"channel": 1, "events": [{"beat": -%s}]}]}' "$n" >"$WORK/next.json"
    broken=$((broken + 1))
  else
    version "$WORK/next.json" "$n" "$extra"
  fi
  if [ $((r % 2)) -eq 0 ]; then mv "$WORK/next.json" "$FILE"; else cat "$WORK/next.json" >"$FILE"; fi
  sleep "0.$(printf %02d "$(shuf -i 5-15 -n 1)")" # 50-150 ms (shuf drops a leading 0)
  n=$((n + 1))
done
pause 2.5 # the last version takes over
interrupted "$SEQ" "link-seq after the edits"
$CHECK "$WORK/out.jsonl" balanced >"$WORK/balance" 2>&1 || fail "after 100 edits: $(cat "$WORK/balance")"
swaps=$($CHECK "$WORK/out.jsonl" seams 2 2>"$WORK/seams") || fail "after 100 edits: $(cat "$WORK/seams")"
pass "100 random edits ($broken broken, $swaps swaps heard): $(cat "$WORK/balance"), every pass of one version"

# --- SIGINT with a swap pending: every note still ends ----------------------
version "$FILE" 1 ', {"beat": 0.1, "note": 50, "velocity": 1, "duration": 1.8}, {"beat": 0.1, "cc": 64, "value": 127}'
background "$BIN/link-seq" --backend jsonl --reload --quiet --timeout 0 "$FILE" >"$WORK/int.jsonl" 2>"$WORK/err"
SEQ=$LAST_PID
wait_for 10 "the first version to play" has_velocity "$WORK/int.jsonl" 1
wait_for 5 "the start of a pass" mid_loop "$WORK/int.jsonl" 0.5
version "$FILE" 2
sleep 0.3 # seen (20 ms looks, 50 ms quiet), not yet due (by beat 1.6 of the 2-beat loop)
interrupted "$SEQ" "link-seq with a swap pending"
[ ! -s "$WORK/err" ] || fail "stderr: $(cat "$WORK/err")"
! has_velocity "$WORK/int.jsonl" 2 || fail "the pending version played before its boundary"
$CHECK "$WORK/int.jsonl" balanced >"$WORK/balance" 2>&1 || fail "SIGINT with a swap pending: $(cat "$WORK/balance")"
jq -c 'select(.message == "control_change") | .bytes' "$WORK/int.jsonl" | tail -n 1 | grep -qx '\[176,64,0\]' \
  || fail "SIGINT with a swap pending: the sustain pedal was left down"
pass "SIGINT with a swap pending: exit 0, $(cat "$WORK/balance"), the pedal released, the new version never heard"

# --- --control: commands on standard input, a reply each, edits on the seam --
# No file: an empty loop to fill. Commands go through a FIFO held open on fd 3.
rm -f "$WORK/cmds"; mkfifo "$WORK/cmds"
"$BIN/link-seq" --control --quantum 2 --backend jsonl --output "$WORK/ctl.jsonl" --quiet --timeout 0 \
  <"$WORK/cmds" >"$WORK/replies" 2>"$WORK/err" &
CTL=$!; PIDS="$PIDS $CTL"
exec 3>"$WORK/cmds"
# send_version V: replace the sequence with version V, as one command line.
send_version() {
  version "$WORK/v.json" "$1"
  printf '{"op":"replace","sequence":%s}\n' "$(tr -d '\n' <"$WORK/v.json")" >&3
}
replies() { [ "$(wc -l <"$WORK/replies")" -ge "$1" ]; }
send_version 1
wait_for 10 "version 1 from the script" has_velocity "$WORK/ctl.jsonl" 1
wait_for 5 "the middle of a pass" mid_loop "$WORK/ctl.jsonl"
send_version 2
written_at=$beat
wait_for 5 "version 2 from the script" has_velocity "$WORK/ctl.jsonl" 2
first=$($CHECK "$WORK/ctl.jsonl" first 2)
expected=$(awk -v b="$written_at" 'BEGIN { print 2 * (int(b / 2) + 1) }')
[ "$first" = "$expected" ] || awk -v f="$first" -v e="$expected" 'BEGIN { exit !(f == e) }' \
  || fail "--control: replaced on beat $written_at, version 2 began on beat $first, expected $expected"
echo '{"op":"replace","sequence":{"format":"link-seq/1","tracks":[{"channel":17,"events":[]}]}}' >&3
echo '{"op":"clear","track":"nope"}' >&3
wait_for 5 "four replies" replies 4
sed -n 3p "$WORK/replies" | jq -e '.ok == false and .problems == ["/sequence/tracks/0/channel: expected a channel 1..16, got 17"]' >/dev/null \
  || fail "--control: a bad replace: $(sed -n 3p "$WORK/replies")"
sed -n 4p "$WORK/replies" | jq -e '.ok == false and (.error | startswith("/track: expected"))' >/dev/null \
  || fail "--control: clearing a track that does not exist: $(sed -n 4p "$WORK/replies")"
wait_for 5 "the middle of a pass" mid_loop "$WORK/ctl.jsonl"
echo '{"op":"clear"}' >&3
cleared_at=$beat
echo '{"op":"status"}' >&3
wait_for 5 "six replies" replies 6
sed -n 6p "$WORK/replies" | jq -e '.ok and .version == 3 and .pending == 4' >/dev/null \
  || fail "--control: status with the clear pending: $(sed -n 6p "$WORK/replies")"
pause 2.2
exec 3>&-
interrupted "$CTL" "--control"
[ ! -s "$WORK/err" ] || fail "--control: stderr: $(cat "$WORK/err")"
last_on=$(jq -s '[.[] | select(.message == "note_on")] | last | .beat' "$WORK/ctl.jsonl")
boundary=$(awk -v b="$cleared_at" 'BEGIN { print 2 * (int(b / 2) + 1) }')
awk -v l="$last_on" -v b="$boundary" 'BEGIN { exit !(l < b && l >= b - 1) }' \
  || fail "--control: cleared on beat $cleared_at: the last note began on beat $last_on, expected the pass before $boundary to play out"
$CHECK "$WORK/ctl.jsonl" balanced >"$WORK/balance" 2>&1 || fail "--control: $(cat "$WORK/balance")"
$CHECK "$WORK/ctl.jsonl" seams 2 >/dev/null 2>"$WORK/seams" || fail "--control: $(cat "$WORK/seams")"
pass "--control: replace took over on the loop's end (beat $first), a bad replace answered with its pointer, clear silent from beat $boundary, status showed it pending; $(cat "$WORK/balance")"

# --- --control add, mute, unmute, stop, start: each from the next bar line ---
# No file: an empty loop of one bar (2 beats) to fill. Each command is sent
# in the middle of a bar; what it does must begin on the next bar line, not
# before, and the events there must be sent at the time the output's own
# beat grid (the line through every note-on's beat and time) gives that bar.
rm -f "$WORK/ops"; mkfifo "$WORK/ops"
"$BIN/link-seq" --control --quantum 2 --backend jsonl --output "$WORK/ops.jsonl" --quiet --timeout 0 \
  <"$WORK/ops" >"$WORK/ops_replies" 2>"$WORK/err" &
OPS=$!; PIDS="$PIDS $OPS"
exec 4>"$WORK/ops"
OUT="$WORK/ops.jsonl"
next_bar() { awk -v b="$1" 'BEGIN { print 2 * (int(b / 2) + 1) }'; }
# mid_bar_now: the session's beat now (from the output's grid) is early in a
# bar, 0.25..1 of 2, as for mid_loop but with nothing sent lately; in $beat.
mid_bar_now() {
  beat=$($CHECK "$OUT" now_beat) || return 1
  awk -v b="$beat" 'BEGIN { p = b - 2 * int(b / 2); exit !(p >= 0.25 && p <= 1) }'
}
# op COMMAND: sent early in a bar; the bar line it is due on is left in $bar.
op() {
  wait_for 5 "the middle of a bar" mid_bar_now
  echo "$1" >&4
  bar=$(next_bar "$beat")
}
ons() { $CHECK "$OUT" ons "$@"; }
has_on() { [ -n "$(ons "$@")" ]; }
on_grid() { $CHECK "$OUT" on_grid "$1" 2 >"$WORK/grid" 2>&1 || fail "$2: $(cat "$WORK/grid")"; }
same() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; }

# add to a track that does not exist yet: a new track, from the start.
echo '{"op":"add","track":"a","events":[{"beat":0,"note":60,"velocity":10,"duration":0.25},{"beat":1,"note":62,"velocity":10,"duration":0.25}]}' >&4
wait_for 10 "the first add to play" has_velocity "$OUT" 10
wait_for 5 "a second pass" has_on 10 "$(awk -v b="$($CHECK "$OUT" first 10)" 'BEGIN { print b + 2 }')" 1e9
sed -n 1p "$WORK/ops_replies" | jq -e '.ok and .version == 2 and .track == 0' >/dev/null \
  || fail "add: reply $(sed -n 1p "$WORK/ops_replies")"
# add to track "b", beats from the boundary: a long note from the bar line on.
op '{"op":"add","track":"b","events":[{"beat":0,"note":64,"velocity":20,"duration":3}]}'
add_bar=$bar
wait_for 5 "the add to track b" has_velocity "$OUT" 20
same "$($CHECK "$OUT" first 20)" "$add_bar" || fail "add sent on beat $beat: first note on beat $($CHECK "$OUT" first 20), expected the bar line $add_bar"
on_grid "$add_bar" "add"
# mute a: its notes stop from the next bar line; b plays on.
op '{"op":"mute","track":"a"}'
mute_bar=$bar
wait_for 5 "a pass after the mute" has_on 20 "$mute_bar" 1e9
has_on 10 "$((mute_bar - 2))" "$mute_bar" || fail "mute sent on beat $beat: track a silent before the bar line $mute_bar"
! has_on 10 "$mute_bar" 1e9 || fail "mute sent on beat $beat: track a played on beat $(ons 10 "$mute_bar" 1e9) after $mute_bar"
on_grid "$mute_bar" "mute"
# unmute a: back from the next bar line.
op '{"op":"unmute","track":0}'
unmute_bar=$bar
wait_for 5 "track a again" has_on 10 "$mute_bar" 1e9
same "$(ons 10 "$mute_bar" 1e9 | cut -d' ' -f1)" "$unmute_bar" \
  || fail "unmute sent on beat $beat: track a again from beat $(ons 10 "$mute_bar" 1e9 | cut -d' ' -f1), expected $unmute_bar"
on_grid "$unmute_bar" "unmute"
# stop: the long note ends on the bar line, nothing after it.
op '{"op":"stop"}'
stop_bar=$bar
wait_for 5 "the stop's note-off" $CHECK "$OUT" offs 64 "$stop_bar"
has_on 20 "$((stop_bar - 2))" "$stop_bar" || fail "stop sent on beat $beat: silent before the bar line $stop_bar"
on_grid "$stop_bar" "stop"
pause 1.2
! has_on 10 "$stop_bar" 1e9 && ! has_on 20 "$stop_bar" 1e9 || fail "stop on $stop_bar: still playing"
# start: again from the next bar line, where the loop would have been.
op '{"op":"start"}'
start_bar=$bar
wait_for 5 "playing again" has_on 20 "$stop_bar" 1e9
same "$(ons 20 "$stop_bar" 1e9 | cut -d' ' -f1)" "$start_bar" && same "$(ons 10 "$stop_bar" 1e9 | cut -d' ' -f1)" "$start_bar" \
  || fail "start sent on beat $beat: playing again from beat $(ons 20 "$stop_bar" 1e9 | cut -d' ' -f1), expected $start_bar"
on_grid "$start_bar" "start"
[ "$(jq -s 'map(select(.ok)) | length' "$WORK/ops_replies")" = 6 ] || fail "replies: $(cat "$WORK/ops_replies")"
pass "--control: add (bar $add_bar), mute ($mute_bar), unmute ($unmute_bar), stop ($stop_bar), start ($start_bar) each from the bar line after it was sent, on the output's grid"

# --- 100 random commands: nothing hanging, nothing doubled ------------------
# Each add has a pitch of its own (two events of one pitch on one beat would
# be one note twice); mutes, stops and clears fall anywhere.
i=0
while [ "$i" -lt 100 ]; do
  r=$(shuf -i 0-19 -n 1)
  track=$(shuf -e a b c -n 1)
  # Most adds at absolute beats, so the loop stays 4 beats long and busy;
  # a beat counted from the boundary makes it grow.
  at='"at":"beat",'; [ $((r % 4)) -ne 0 ] || at=
  case $r in
  [0-9] | 1[0-3]) echo "{\"op\":\"add\",\"track\":\"$track\",$at\"events\":[{\"beat\":$(shuf -i 0-3 -n 1).$(shuf -i 0-9 -n 1),\"note\":$((20 + i)),\"velocity\":30,\"duration\":$(shuf -i 0-4 -n 1).$(shuf -i 1-9 -n 1)},{\"beat\":0.5,\"cc\":64,\"value\":$(shuf -e 0 127 -n 1)}]}" ;;
  14) echo "{\"op\":\"mute\",\"track\":\"$track\"}" ;;
  15 | 16) echo "{\"op\":\"unmute\",\"track\":\"$track\"}" ;;
  17) echo '{"op":"stop"}' ;;
  18) echo '{"op":"start"}' ;;
  19) if [ "$i" -lt 50 ]; then echo "{\"op\":\"clear\",\"track\":\"$track\"}"; else echo '{"op":"clear"}'; fi ;;
  esac >&4
  sleep "0.$(printf %02d "$(shuf -i 5-15 -n 1)")"
  i=$((i + 1))
done
echo '{"op":"start"}' >&4
pause 2.5
# Then SIGINT with a stop pending: every note still ends.
op '{"op":"stop"}'
echo '{"op":"status"}' >&4
wait_for 5 "the status reply" sh -c "[ \$(wc -l <'$WORK/ops_replies') -ge 109 ]"
tail -n 1 "$WORK/ops_replies" | jq -e '.pending != null' >/dev/null || fail "--control: no stop pending: $(tail -n 1 "$WORK/ops_replies")"
exec 4>&-
interrupted "$OPS" "--control after 100 commands"
[ ! -s "$WORK/err" ] || fail "--control: stderr: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/ops_replies")" -eq 109 ] || fail "--control: $(wc -l <"$WORK/ops_replies") replies to 109 commands"
$CHECK "$OUT" balanced >"$WORK/balance" 2>&1 || fail "after 100 random commands: $(cat "$WORK/balance")"
pass "100 random commands (add, mute, unmute, stop, start, clear), then SIGINT with a stop pending: $(cat "$WORK/balance"), $(jq -s 'map(select(.ok | not)) | length' "$WORK/ops_replies") refused"

# --- the same on JACK: the swap happens in the process callback --------------
# jack_midi_dump as the synth: a rewrite heard, then SIGINT, nothing hanging.
start_jack
start_midi_monitor
version "$FILE" 1 ', {"beat": 1.2, "note": 50, "velocity": 1, "duration": 2.5}'
background "$BIN/link-seq" --backend jack --connect midi-monitor:input --reload --quiet --timeout 0 "$FILE" 2>"$WORK/err"
SEQ=$LAST_PID
# heard BYTES: the MIDI monitor got that message.
heard() { messages "$WORK/dump.txt" | grep -qx "$1"; }
wait_for 10 "version 1 on JACK" heard "90 24 01"
version "$FILE" 2 ', {"beat": 1.2, "note": 50, "velocity": 2, "duration": 2.5}'
wait_for 5 "version 2 on JACK" heard "90 24 02"
pause 1.3
interrupted "$SEQ" "link-seq on JACK"
[ ! -s "$WORK/err" ] || fail "stderr on JACK: $(cat "$WORK/err")"
sleep 0.2
balanced "$WORK/dump.txt" >"$WORK/balance" || fail "on JACK: $(cat "$WORK/balance")"
# Version 1's notes stop where version 2's begin: no 01 velocity after the first 02.
messages "$WORK/dump.txt" | awk '$3 == "02" { two = 1 } two && $1 ~ /^9/ && $3 == "01" { bad = 1 } END { exit bad }' \
  || fail "on JACK, version 1 played after version 2 began"
pass "on JACK: a rewrite heard from the loop's end on, every note ended after SIGINT ($(messages "$WORK/dump.txt" | grep -c '^9') note-ons)"

# --control on JACK: an add heard, a stop that silences it (its notes ended),
# a start that brings it back, then SIGINT; nothing hanging.
mark_dump
rm -f "$WORK/jcmds"; mkfifo "$WORK/jcmds"
"$BIN/link-seq" --backend jack --connect midi-monitor:input --control --quantum 2 --quiet --timeout 0 \
  <"$WORK/jcmds" >"$WORK/jreplies" 2>"$WORK/err" &
SEQ=$!; PIDS="$PIDS $SEQ"
exec 5>"$WORK/jcmds"
echo '{"op":"add","track":"a","at":"beat","events":[{"beat":0,"note":40,"velocity":5,"duration":1.5},{"beat":1,"note":41,"velocity":5,"duration":3}]}' >&5
heard_since() { messages "$(since_mark)" | grep -qx "$1"; }
wait_for 10 "the add on JACK" heard_since "90 29 05"
echo '{"op":"stop"}' >&5
ons_since() { messages "$(since_mark)" | grep '^9' | grep -vc ' 00$' || true; }
wait_for 5 "the reply to the stop on JACK" sh -c "[ \$(wc -l <'$WORK/jreplies') -ge 2 ]"
pause 1.2 # past the bar line the stop is due on
stopped_ons=$(ons_since)
pause 1.2
[ "$(ons_since)" = "$stopped_ons" ] || fail "on JACK, note-ons after the stop took over ($stopped_ons, then $(ons_since))"
echo '{"op":"start"}' >&5
more_ons() { [ "$(ons_since)" -gt "$stopped_ons" ]; }
wait_for 5 "playing again on JACK" more_ons
exec 5>&-
interrupted "$SEQ" "--control on JACK"
[ ! -s "$WORK/err" ] || fail "--control on JACK: stderr: $(cat "$WORK/err")"
sleep 0.2
balanced "$(since_mark)" >"$WORK/balance" || fail "--control on JACK: $(cat "$WORK/balance")"
pass "--control on JACK: add heard, silent after stop ($stopped_ons note-ons before it), playing again after start, every note ended after SIGINT"
