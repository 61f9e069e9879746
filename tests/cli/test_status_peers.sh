# Two link-status processes see each other, and --peers/--timeout behave.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"

# Nobody else here yet: --peers 1 must give up with exit 3.
expect_exit 3 "$BIN/link-status" --json --peers 1 --timeout 0.3
grep -q "link-status: error: --peers: found 0 of 1 peers" "$WORK/stderr" || fail "exit 3 message: $(cat "$WORK/stderr")"
pass "no peers: exit 3 with a message"

# Without --peers, an empty network is not an error.
expect_exit 0 "$BIN/link-status" --json --timeout 0.2
json_is "$(cat "$WORK/stdout")" '.peers == 0 and .tempo == 120' >/dev/null || fail "lone status: $(cat "$WORK/stdout")"
pass "lone link-status reports peers 0"

background "$BIN/link-status" --watch --interval 100 --timeout 0 >"$WORK/watch.jsonl"
wait_for 5 "the watcher's first line" test -s "$WORK/watch.jsonl"

expect_exit 0 "$BIN/link-status" --json --peers 1 --timeout 5
json_is "$(cat "$WORK/stdout")" '.peers == 1' >/dev/null || fail "second status: $(cat "$WORK/stdout")"
# Every key, with its JSON type.
json_is "$(cat "$WORK/stdout")" '(.tempo|type)=="number" and (.beat|type)=="number" and (.phase|type)=="number"
       and (.quantum|type)=="number" and (.is_playing|type)=="boolean"
       and (.peers|type)=="number" and (.start_stop_sync|type)=="boolean"
       and (.time_us|type)=="number" and (keys|length)==8' >/dev/null \
  || fail "JSON keys or types: $(cat "$WORK/stdout")"
pass "second link-status sees the first"

# The watcher sees the second one come and go (a longer-lived one, so its
# membership announcement goes out).
background "$BIN/link-status" --watch --timeout 0 >/dev/null
wait_for 5 "the watcher to count a peer" last_json "$WORK/watch.jsonl" '.peers == 1'
kill "$LAST_PID"
wait_for 5 "the watcher to count the peer gone" last_json "$WORK/watch.jsonl" '.peers == 0'
pass "link-status --watch follows the peer count"

# --peers is every tool's: a negative count is refused as written (CLI11
# reads unsigned numbers with strtoull, which once made -1 the largest size_t).
for tool in link-status link-tempo link-midiclock link-seq link-play; do
  expect_exit 2 "$BIN/$tool" --peers -1 --timeout 0
  grep -qx "$tool: error: --peers: expected 0\.\.1000, got -1" "$WORK/stderr" \
    || fail "$tool --peers -1: $(cat "$WORK/stderr")"
done
pass "--peers -1 is reported as -1 by every tool"
