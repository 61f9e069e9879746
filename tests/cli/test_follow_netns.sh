# link-follow led by our own link-midiclock across two Link sessions: in
# namespace A (the script's own) a session at 133 BPM that link-tempo starts
# and stops, and link-midiclock sending its clock over JACK MIDI; in
# namespace B (a network namespace of its own, scripts/hosts.sh's host 1, no
# other host on its bridge: a separate Link session) link-follow reads that
# clock from the same JACK server, and link-status there, an independent
# peer of B, judges B's session. Both namespaces share the mount namespace,
# so JACK's sockets and shared memory under /dev/shm are reachable from B.
# Link's host clock is the machine's, the same in both, so A's beats and B's
# can be compared at one time.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
. "$repo/scripts/hosts.sh"
require_built link-follow link-midiclock link-status link-tempo

start_jack
hosts_create 1

# B's peers in the background, and what B's watcher saw.
b_bg() { on_host_bg 1 "$@"; PIDS="$PIDS $HOST_PID"; LAST_PID=$HOST_PID; }
b_near() { last_json "$WORK/b-watch.jsonl" "$1"; }
a_near() { last_json "$WORK/watch.jsonl" "$1"; }

# --- two sessions: A at 133 BPM, B on its own ----------------------------------
start_watchers
"$BIN/link-tempo" 133 --peers 2 --timeout 5 >/dev/null || fail "link-tempo 133 in A"
wait_for 5 "A's watcher to see 133 BPM" a_near '.tempo == 133'
# Two watchers in B, as in A: Link clears the start/stop state of a peer
# whose last partner leaves (session/AnnouncedTransport.hpp), so one watcher
# alone would forget the transport when link-follow leaves.
b_bg "$BIN/link-status" --watch --timeout 0 >"$WORK/b-watch.jsonl"
wait_for 5 "B's watcher" test -s "$WORK/b-watch.jsonl"
sleep 1.5
b_near '.peers == 0 and .tempo != 133' >/dev/null \
  || fail "B is not a session of its own: $(tail -n 1 "$WORK/b-watch.jsonl")"
pass "A and B are separate Link sessions (B's watcher: no peer, $(tail -n 1 "$WORK/b-watch.jsonl" | jq .tempo) BPM)"
b_bg "$BIN/link-status" --watch --timeout 0 >/dev/null
wait_for 5 "B's second watcher" b_near '.peers == 1'

# --- JACK across the namespaces -------------------------------------------------
background "$BIN/link-midiclock" --backend jack --quiet --peers 2 --timeout 5
CLOCK=$LAST_PID
wait_for 10 "link-midiclock's port" port_up "$CLOCK" link-midiclock:out
b_bg "$BIN/link-follow" --backend jack --connect link-midiclock:out --json --quiet >"$WORK/b-follow.jsonl" 2>"$WORK/b-follow.err"
FOLLOW=$LAST_PID
wait_for 10 "link-follow's port (from B)" port_up "$FOLLOW" link-follow:in
pass "link-follow in B joined A's JACK server and connected link-midiclock:out"

# --- tempo: B takes A's 133 BPM ---------------------------------------------------
wait_for 10 "B's session at 133 BPM" b_near '.tempo > 132.99 and .tempo < 133.01 and .peers == 2'
pass "B's session follows the clock: $(tail -n 1 "$WORK/b-watch.jsonl" | jq .tempo) BPM"

# --- start: B plays with A, on A's beats -------------------------------------------
"$BIN/link-tempo" --play --peers 2 --timeout 5 >/dev/null || fail "link-tempo --play in A"
wait_for 10 "B's session to play" b_near '.is_playing'
sleep 2
# A's beat and B's at their own times, carried to one time along each
# session's tempo; compared in the bar (Start puts the first tick on a bar).
for i in 1 2 3; do
  "$BIN/link-status" --json --peers 2 --timeout 5 >>"$WORK/a-status.jsonl"
  on_host 1 "$BIN/link-status" --json --peers 3 --timeout 5 >>"$WORK/b-status.jsonl"
  sleep 0.2
done
python3 - "$WORK/a-status.jsonl" "$WORK/b-status.jsonl" >"$WORK/phase.txt" <<'PY' || fail "$(cat "$WORK/phase.txt")"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
bad = False
for x, y in zip(a, b):
    b_at_a = y["beat"] + (x["time_us"] - y["time_us"]) * y["tempo"] / 60e6
    off_us = ((b_at_a - x["beat"] + 2) % 4 - 2) * 60e6 / x["tempo"]
    print(f"A beat {x['beat']:.4f}, B {b_at_a:.4f}: {off_us:.0f} us")
    bad = bad or abs(off_us) > 1000 or not (x["is_playing"] and y["is_playing"])
sys.exit(1 if bad else 0)
PY
pass "B's beats lie on A's within 1 ms: $(tr '\n' ';' <"$WORK/phase.txt")"

# --- a tempo change in A reaches B ------------------------------------------------
"$BIN/link-tempo" 97.5 --peers 2 --timeout 5 >/dev/null || fail "link-tempo 97.5 in A"
wait_for 10 "B's session at 97.5 BPM" b_near '.tempo > 97.49 and .tempo < 97.51'
pass "A's tempo change 133 -> 97.5 reaches B: $(tail -n 1 "$WORK/b-watch.jsonl" | jq .tempo) BPM"

# --- stop -----------------------------------------------------------------------------
"$BIN/link-tempo" --stop --peers 2 --timeout 5 >/dev/null || fail "link-tempo --stop in A"
wait_for 10 "B's session to stop" b_near '.is_playing == false'
pass "A stops: B's session stops"

# --- SIGINT: B's session stays as the clock left it ----------------------------------
"$BIN/link-tempo" --play --peers 2 --timeout 5 >/dev/null || fail "link-tempo --play in A (again)"
wait_for 10 "B's session to play again" b_near '.is_playing'
sleep 1
before=$(on_host 1 "$BIN/link-status" --json --peers 3 --timeout 5)
kill -INT "$FOLLOW"
set +e; wait "$FOLLOW"; rc=$?; set -e
[ "$rc" -eq 0 ] || fail "link-follow exited $rc on SIGINT"
sleep 0.5
after=$(on_host 1 "$BIN/link-status" --json --peers 2 --timeout 5)
json_is "$after" ".is_playing and (.tempo - $(echo "$before" | jq .tempo) | fabs) < 0.001" >/dev/null \
  || fail "B's session changed when link-follow left: before $before, after $after; B's watcher: $(tail -n 3 "$WORK/b-watch.jsonl")"
a_near '.tempo == 97.5' >/dev/null || fail "A's session moved: $(tail -n 1 "$WORK/watch.jsonl")"
pass "SIGINT: exit 0, B's session plays on at $(echo "$after" | jq .tempo) BPM; A's untouched"
tail -n 1 "$WORK/b-follow.jsonl" | jq -c '{ticks, commits, missing_ticks, tempo_changes_seen}'
