# --watch ends cleanly when its reader goes away, and on SIGINT/SIGTERM.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"

lines=$(timeout 10 sh -c "'$BIN/link-status' --watch --interval 50 --timeout 0 | head -n 3" | wc -l) \
  || fail "link-status --watch | head -n 3 did not end within 10 s"
[ "$lines" -eq 3 ] || fail "expected 3 lines, got $lines"
pass "--watch | head -n 3 ends"

for sig in INT TERM HUP; do
  background "$BIN/link-status" --watch --interval 50 --timeout 0 >"$WORK/out.jsonl"
  pid=$LAST_PID
  wait_for 5 "the first line" test -s "$WORK/out.jsonl"
  kill -s "$sig" "$pid"
  set +e; wait "$pid"; code=$?; set -e
  PIDS=""
  [ "$code" -eq 0 ] || fail "SIG$sig: exit $code, expected 0"
  jq -e . "$WORK/out.jsonl" >/dev/null || fail "SIG$sig left a broken line: $(tail -c 200 "$WORK/out.jsonl")"
done
pass "--watch exits 0 on SIGINT, SIGTERM, SIGHUP with whole lines"
