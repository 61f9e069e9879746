# The --sync start of cli.play_runs, repeated: link-play --click --sync --bars 1
# alone in the session, optionally a `link-status --watch` peer joining JOIN s
# after link-play's first line, then `link-tempo --play --at-next-bar`. Each
# run is judged from link-play's own --json lines (tests/cli/check_play_run.py:
# started once, on a bar line, played its bar, stopped); a run that fails
# keeps its files (link-play's lines and stderr, the watcher's lines,
# link-tempo's output, every announcement heard on the wire) in $KEEP/runN/.
#
#   BIN=build-dev/bin scripts/netns sh bench/sync-start-runs.sh [VARIANT...]
#
# A VARIANT is RUNS:FRAMES:STALL:JOIN, e.g. 30:1024:stall:0.2 (cli.play_runs'
# own run), 30:256:nostall:none (no peer joins). RUNS=N and KEEP=DIR in the
# environment set the defaults. Prints one line a run and a table at the end.
. "$(dirname "$0")/../tests/cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
KEEP=${KEEP:-$(mktemp -d /tmp/sync-start-runs.XXXXXX)}
mkdir -p "$KEEP"
PROBE=${PROBE:-$BIN/probe_announcements}
[ -x "$PROBE" ] || PROBE=""
[ "$#" -gt 0 ] || set -- "${RUNS:-30}:1024:stall:0.2"
Q=2
TOTAL=0
SUMMARY=""

# one_run DIR JOIN: one run, its files in DIR; prints the verdict, returns 1 if broken.
one_run() {
  dir=$1 join=$2
  mkdir -p "$dir"
  probe=""
  if [ -n "$PROBE" ]; then "$PROBE" 30 >"$dir/wire.txt" 2>/dev/null & probe=$!; fi
  "$BIN/link-play" -q "$Q" --json --no-connect --click --sync --bars 1 >"$dir/play.jsonl" 2>"$dir/play.err" &
  play=$!
  # Its first line, or its early end (a JACK client that could not open).
  n=0
  until [ -s "$dir/play.jsonl" ] || has_ended "$play" || [ "$n" -ge 200 ]; do n=$((n + 1)); sleep 0.05; done
  watcher=""
  if [ "$join" != none ]; then
    sleep "$join"
    "$BIN/link-status" --watch --json --timeout 0 >"$dir/watch.jsonl" 2>"$dir/watch.err" &
    watcher=$!
  fi
  set +e
  "$BIN/link-tempo" --play --at-next-bar -q "$Q" --timeout 3 --json >"$dir/tempo.json" 2>"$dir/tempo.err"
  echo "$?" >"$dir/tempo.rc"
  set -e
  # A good run ends about two bars later; one that never starts is ended at 10 s.
  deadline=$(( $(date +%s) + 10 ))
  while ! has_ended "$play" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  has_ended "$play" || kill -TERM "$play"
  set +e; wait "$play"; rc=$?; set -e
  if [ -n "$watcher" ]; then kill "$watcher"; wait "$watcher" 2>/dev/null || true; fi
  if [ -n "$probe" ]; then kill "$probe" 2>/dev/null || true; wait "$probe" 2>/dev/null || true; fi
  if verdict=$(python3 "$HERE/../tests/cli/check_play_run.py" "$dir/play.jsonl" --quantum "$Q" --beats "$Q"); then
    if [ "$rc" -ne 0 ] || [ -s "$dir/play.err" ]; then
      echo "BROKEN: exit $rc, stderr: $(head -c 200 "$dir/play.err")"; return 1
    fi
    echo "ok: $verdict"; rm -rf "$dir"; return 0
  fi
  echo "BROKEN: $verdict (link-tempo exit $(cat "$dir/tempo.rc"))"; return 1
}

for variant in "$@"; do
  IFS=: read -r runs frames stall join <<EOF
$variant
EOF
  start_jack "$frames" ""
  [ "$stall" != stall ] || stall_jack_randomly
  broken=0 i=0
  while [ "$i" -lt "$runs" ]; do
    i=$((i + 1)); TOTAL=$((TOTAL + 1))
    dir="$KEEP/run$TOTAL"
    if verdict=$(one_run "$dir" "$join"); then :; else broken=$((broken + 1)); fi
    echo "run $TOTAL ($variant) $verdict"
  done
  [ "$stall" != stall ] || { kill "$STALL_PID" 2>/dev/null || true; kill -CONT "$JACK_PID" 2>/dev/null || true; }
  stop_jack
  SUMMARY="$SUMMARY
$variant: $broken of $runs broken"
done
echo "--- failed runs' files in $KEEP$SUMMARY"
