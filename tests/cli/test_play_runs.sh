# link-play, many short runs, each judged on its own --json lines
# (tests/cli/check_play_run.py): the start on a bar line, a beat line for
# every beat, every position finite and within its file, the stop on the
# expected beat. 32 runs: eight kinds (click, one file, loops, two files,
# --follow-tempo, --sync, --stop-at-bar, a bar of 3), each alone in the
# session, alone with a peer joining during the count-in, beside LinkHut,
# and beside LinkHut with a peer joining; JACK periods of 256 and 1024
# frames, in JACK's default asynchronous mode (as users run it), with the
# server stopped for 10-40 ms at random moments as a stalling VM stops it.
# Those stalls are xruns, and every run before the fix of issue 17 that met
# one in the wrong cycle stopped early, never started or went silent.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
command -v LinkHut >/dev/null || fail "LinkHut not installed (ableton-link-utils)"

gen() { python3 "$(dirname "$0")/gen_click.py" "$@"; }
gen "$WORK/bar.wav" 2.0                       # a 4/4 bar at 120 BPM
gen "$WORK/beat.wav" 0.5 --rate 44100 --channels 2
check() { python3 "$(dirname "$0")/check_play_run.py" "$@"; }

RUNS=0
BROKEN=0
first_line_or_end() { test -s "$1" || has_ended "$2"; }
# run NAME QUANTUM EXPECT JOINER ARGS...: one link-play run. EXPECT: beats
# played (a number), or "bar" (stopped with --stop-at-bar on Ctrl-C during
# its second beat). JOINER: yes to start a peer during the count-in.
run() {
  name=$1 q=$2 expect=$3 joiner=$4; shift 4
  out="$WORK/run$RUNS.jsonl" err="$WORK/run$RUNS.err"
  RUNS=$((RUNS + 1))
  "$BIN/link-play" -q "$q" --json --no-connect "$@" >"$out" 2>"$err" &
  play=$!
  # Its first line, or its end: a run that ends before it (JACK refused the
  # client) is judged and counted like any other.
  wait_for 10 "link-play waiting ($name)" first_line_or_end "$out" "$play"
  joined=""
  if [ "$joiner" = yes ]; then
    sleep 0.2
    "$BIN/link-status" --watch --timeout 0 >/dev/null 2>&1 &
    joined=$!
  fi
  # Its exit status is told with a broken run: 1 says the start was never
  # confirmed, so the fault is the start's, not link-play's.
  tempo=""
  case " $* " in
    *" --sync "*) tempo=0; "$BIN/link-tempo" --play --at-next-bar -q "$q" --timeout 3 >/dev/null 2>&1 || tempo=$? ;;
  esac
  if [ "$expect" = bar ]; then
    wait_for 10 "link-play's second beat ($name)" grep -q '"event":"beat"' "$out"
    kill -INT "$play"
  fi
  # Even a lost run ends: one that has not stopped after 20 s is ended, and judged.
  deadline=$(( $(date +%s) + 20 ))
  while ! has_ended "$play" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  has_ended "$play" || kill -TERM "$play"
  set +e; wait "$play"; rc=$?; set -e
  [ -z "$joined" ] || { kill "$joined"; wait "$joined" 2>/dev/null || true; }
  case " $* " in
    *" --sync "*) "$BIN/link-tempo" --stop --timeout 3 >/dev/null 2>&1 || true ;;
  esac
  if [ "$expect" = bar ]; then how="--to-bar"; else how="--beats $expect"; fi
  # shellcheck disable=SC2086
  if verdict=$(check "$out" --quantum "$q" $how); then
    if [ "$rc" -ne 0 ] || [ -s "$err" ]; then
      verdict="exit $rc, stderr: $(head -c 300 "$err")"
      BROKEN=$((BROKEN + 1)); echo "BROKEN run $RUNS ($name, $CONDITION): $verdict"
    else
      echo "ok run $RUNS ($name, $CONDITION): $verdict"
    fi
  else
    [ -z "$tempo" ] || verdict="$verdict (link-tempo --play exited $tempo)"
    BROKEN=$((BROKEN + 1)); echo "BROKEN run $RUNS ($name, $CONDITION): $verdict"
  fi
  [ -z "${PLAY_RUNS_KEEP:-}" ] || cp "$out" "$err" "$PLAY_RUNS_KEEP/"
}

# kinds JOINER: the eight kinds of run, quantum $Q.
kinds() {
  run click "$Q" "$((2 * Q))" "$1" --click --bars 2
  run file "$Q" "$Q" "$1" "$WORK/bar.wav" --bars 1
  run loop "$Q" "$((2 * Q))" "$1" "$WORK/bar.wav" --loop --bars 2
  run two-files "$Q" "$((2 * Q))" "$1" "$WORK/bar.wav" "$WORK/beat.wav" --loop --bars 2
  run follow-tempo "$Q" "$((2 * Q))" "$1" "$WORK/bar.wav" --bpm-of bar.wav=120 --follow-tempo --loop --bars 2
  run sync "$Q" "$Q" "$1" --click --sync --bars 1
  run stop-at-bar "$Q" bar "$1" "$WORK/bar.wav" --loop --stop-at-bar
  run bar-of-3 3 6 "$1" --click --bars 2
}


# Alone, the session is link-play's own at 120 BPM: bars of 2 beats keep it short.
CONDITION="alone, 256 frames"; Q=2
start_jack 256 ""; stall_jack_randomly
kinds no
CONDITION="alone, a peer joins, 1024 frames"
stop_jack; start_jack 1024 ""; stall_jack_randomly
kinds yes
CONDITION="LinkHut at 180 BPM, 256 frames"; Q=4
stop_jack; start_jack 256 ""; stall_jack_randomly; start_linkhut 180
kinds no
CONDITION="LinkHut at 180 BPM, a peer joins, 1024 frames"
stop_linkhut; stop_jack; start_jack 1024 ""; stall_jack_randomly; start_linkhut 180
kinds yes
xruns=$(xrun_count)
stop_linkhut

[ "$BROKEN" -eq 0 ] || fail "$BROKEN of $RUNS link-play runs broken (the last server logged $xruns xruns)"
pass "$RUNS link-play runs, each on the bar and stopping where it should (the last server logged $xruns xruns)"
