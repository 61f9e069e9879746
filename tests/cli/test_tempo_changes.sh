# link-tempo changes what a running link-status --watch prints: tempo,
# nudges, transport; bad input changes nothing.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"

background "$BIN/link-status" --watch --interval 100 --timeout 0 >"$WORK/watch.jsonl"
wait_for 5 "the watcher's first line" test -s "$WORK/watch.jsonl"
# A second long-running peer: Link clears a session's start/stop state when
# its last other peer leaves, so with two watchers the state outlives each
# link-tempo run, as it does in a real session of several apps.
background "$BIN/link-status" --watch --timeout 0 >/dev/null
wait_for 5 "two watchers" last_json "$WORK/watch.jsonl" '.peers == 1'

expect_exit 0 "$BIN/link-tempo" 133 --peers 2 --timeout 5
wait_for 5 "tempo 133 in the watch" last_json "$WORK/watch.jsonl" '.tempo == 133'
pass "link-tempo 133 reaches link-status --watch"

expect_exit 0 "$BIN/link-tempo" +2 --peers 2 --timeout 5
wait_for 5 "tempo 135" last_json "$WORK/watch.jsonl" '.tempo == 135'
expect_exit 0 "$BIN/link-tempo" --peers 2 --timeout 5 -- -2.5
wait_for 5 "tempo 132.5" last_json "$WORK/watch.jsonl" '.tempo == 132.5'
pass "nudges +2 and -2.5"

expect_exit 0 "$BIN/link-tempo" --peers 2 --timeout 5
[ "$(cat "$WORK/stdout")" = "132.50" ] || fail "reading the tempo printed '$(cat "$WORK/stdout")'"
pass "link-tempo prints the session tempo"

expect_exit 0 "$BIN/link-tempo" --play --peers 2 --timeout 5
wait_for 5 "is_playing true" last_json "$WORK/watch.jsonl" '.is_playing == true'
expect_exit 0 "$BIN/link-tempo" --stop --peers 2 --timeout 5
wait_for 5 "is_playing false" last_json "$WORK/watch.jsonl" '.is_playing == false'
pass "--play and --stop show in is_playing"

# A fresh link-status joining a playing session must say so (Link itself does
# not hand over the start/stop state to a joining peer).
expect_exit 0 "$BIN/link-tempo" --play --peers 2 --timeout 5
expect_exit 0 "$BIN/link-status" --json --peers 2 --timeout 5
json_is "$(cat "$WORK/stdout")" '.is_playing == true' >/dev/null || fail "joining status: $(cat "$WORK/stdout")"
pass "a joining link-status sees the session playing"

# Bad input: exit 2, a message naming the problem, and nothing committed.
for word in 1000 19 0 nan inf -inf "" abc 12x 1e3 "+" "128 "; do
  expect_exit 2 "$BIN/link-tempo" --timeout 0 -- "$word"
  grep -q "^link-tempo: error: " "$WORK/stderr" || fail "message for '$word': $(cat "$WORK/stderr")"
done
expect_exit 2 "$BIN/link-tempo" --peers 2 --timeout 5 -- -200
grep -q "would become" "$WORK/stderr" || fail "nudge out of range message: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-tempo" --play --stop
expect_exit 2 "$BIN/link-tempo" --quantum 0
expect_exit 2 "$BIN/link-tempo" --at-next-bar
expect_exit 2 "$BIN/link-tempo" --no-such-flag
sleep 0.5
last_json "$WORK/watch.jsonl" '.tempo == 132.5' >/dev/null || fail "bad input changed the tempo: $(tail -n 1 "$WORK/watch.jsonl")"
pass "bad input exits 2 and commits nothing"

# --at-next-bar: the change lands on a bar line of the session.
expect_exit 0 "$BIN/link-tempo" 100 --at-next-bar --peers 2 --timeout 5
wait_for 5 "tempo 100" last_json "$WORK/watch.jsonl" '.tempo == 100'
pass "--at-next-bar applies the change"

# No peers at all: a warning on stderr, still exit 0.
for pid in $PIDS; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
PIDS=""
sleep 0.3
expect_exit 0 "$BIN/link-tempo" 140 --timeout 0.2
grep -q "no peers" "$WORK/stderr" || fail "no-peers note: $(cat "$WORK/stderr")"
pass "no peers: says so and exits 0"
