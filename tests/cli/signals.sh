# Signals at random moments: sh tests/cli/signals.sh TOOL (status, tempo,
# midiclock, seq, play, carabiner, jack-transport, follow), registered in ctest as
# cli.signals.TOOL.
#
# Runs TOOL $SIGNAL_RUNS times (100) and stops each run, at a random moment
# after the program took charge of its signals, with SIGINT, SIGTERM,
# SIGHUP, or by closing the pipe it writes to (SIGPIPE). Every run must end
# by itself within 10 s with its documented exit status and nothing on
# stderr; the MIDI tools must leave no note sounding and send MIDI Stop
# where a clock ran; the tempo a link-tempo run reports as not changed must
# never reach the session. Afterwards the JACK server, the MIDI monitor and
# the session's other peers must still be there.
#
# The moments come from SIGNAL_SEED (printed first): rerun one with it.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"

TOOL=${1:?usage: signals.sh TOOL}
RUNS=${SIGNAL_RUNS:-100}
SEED=${SIGNAL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "seed $SEED: SIGNAL_SEED=$SEED reruns these moments"

start_jack
start_midi_monitor
start_watchers # the session's other peers, which must not notice

# moments SIGNALS: $RUNS lines "SIGNAL DELAY_MS", the signal one of SIGNALS.
moments() {
  awk -v seed="$SEED" -v signals="$1" -v n="$RUNS" 'BEGIN {
    srand(seed); k = split(signals, s, " ")
    for (i = 1; i <= n; i++) print s[1 + int(rand() * k)], int(rand() * 700) }'
}

# catches_stop_signals PID: the process handles SIGINT now (bit 2 of the
# caught-signals mask, in its last hex digit).
catches_stop_signals() {
  mask=$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$mask" ] && [ $(( 0x${mask#"${mask%?}"} & 2 )) -ne 0 ]
}

# interrupt SIGNAL DELAY_MS CMD...: runs CMD, and DELAY_MS after it took
# charge of its signals sends SIGNAL, or for PIPE ends the reader of its
# standard output. Sets RC to CMD's exit status (137: it had to be killed,
# 10 s later). Its stdout is in $WORK/out (unless PIPE), stderr in $WORK/err.
interrupt() {
  sig=$1; delay=$2; shift 2
  saved_pids=$PIDS
  ENDED_FIRST=0
  if [ "$sig" = PIPE ]; then
    rm -f "$WORK/fifo"; mkfifo "$WORK/fifo"
    # The reader opens the pipe itself: opening it here would wait for a writer.
    background sh -c 'exec cat <"$0" >/dev/null' "$WORK/fifo"
    reader=$LAST_PID
    background "$@" >"$WORK/fifo" 2>"$WORK/err"
  else
    background "$@" >"$WORK/out" 2>"$WORK/err"
  fi
  pid=$LAST_PID
  wait_for 10 "$* to take charge of its signals" catches_stop_signals "$pid"
  sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
  # A run may have ended by itself first (a link-tempo that was done).
  if [ "$sig" = PIPE ]; then kill "$reader"; else kill -"$sig" "$pid" 2>/dev/null || ENDED_FIRST=1; fi
  # Up to 10 s for it to end (a zombie has ended: it waits for us), then
  # SIGKILL. No watchdog process: waiting for one cost 10 s a run under ctest.
  end=$(( $(date +%s%N) / 1000000 + 10000 ))
  while ! has_ended "$pid" && [ "$(( $(date +%s%N) / 1000000 ))" -lt "$end" ]; do
    sleep 0.02
  done
  kill -KILL "$pid" 2>/dev/null || true
  set +e; wait "$pid"; RC=$?; set -e
  if [ "$sig" = PIPE ]; then wait "$reader" 2>/dev/null || true; fi
  PIDS=$saved_pids
}

# run_fails N SIGNAL DELAY WHAT: ends the test naming the run.
run_fails() { fail "$TOOL run $1 ($2 after $3 ms): $4"; }

# expect_clean N SIGNAL DELAY CODE: the run exited CODE, stderr empty.
expect_clean() {
  [ "$RC" -ne 137 ] || run_fails "$1" "$2" "$3" "still running 10 s after the signal"
  [ "$RC" -eq "$4" ] || run_fails "$1" "$2" "$3" "exit $RC, expected $4 (stderr: $(cat "$WORK/err"))"
  [ ! -s "$WORK/err" ] || run_fails "$1" "$2" "$3" "stderr: $(cat "$WORK/err")"
}

# The MIDI monitor got the run's last message (it prints a little later).
dump_settled() {
  before=$(wc -l <"$WORK/dump.txt"); sleep 0.05; [ "$(wc -l <"$WORK/dump.txt")" -eq "$before" ]
}

case $TOOL in
  status)
    moments "INT TERM HUP PIPE" >"$WORK/moments"
    ;;
  midiclock | seq | play | jack-transport)
    moments "INT TERM HUP PIPE" >"$WORK/moments"
    ;;
  tempo | carabiner)
    # Nothing they write goes on and on: no pipe to close under them.
    moments "INT TERM HUP" >"$WORK/moments"
    ;;
  follow)
    # It writes nothing without --json; the clock it follows: x42's
    # jack_midi_clock at 120 BPM, rolling with JACK's transport.
    moments "INT TERM HUP" >"$WORK/moments"
    background jack_midi_clock -b 120 -B
    wait_for 5 "jack_midi_clock's port" jack_port_exists jack_midi_clock:mclk_out
    echo play | jack_transport >/dev/null 2>&1
    ;;
  *) echo "signals.sh: unknown tool $TOOL" >&2; exit 2 ;;
esac

# A dense loop for link-seq: a note sounding most of the time.
cat >"$WORK/dense.json" <<'EOF'
{"format": "link-seq/1", "loop_beats": 1,
 "tracks": [{"channel": 1, "events": [
   {"beat": 0, "note": "C4", "velocity": 100, "duration": 0.45},
   {"beat": 0.25, "note": "E4", "velocity": 90, "duration": 0.7},
   {"beat": 0.5, "note": "G4", "velocity": 80, "duration": 0.45}
 ]}]}
EOF
python3 "$(dirname "$0")/gen_click.py" "$WORK/bar.wav" 2.0

n=0
counts=""
started=$(date +%s)
while read -r sig delay; do
  n=$((n + 1))
  # Progress, so that a run that takes too long shows where its time went.
  [ $((n % 25)) -ne 1 ] || echo "run $n at $(( $(date +%s) - started )) s"
  case $TOOL in
    status)
      interrupt "$sig" "$delay" "$BIN/link-status" --watch --json --interval 50 --timeout 0
      expect_clean "$n" "$sig" "$delay" 0
      ;;
    tempo)
      bpm=$((60 + n))
      if [ $((n % 2)) -eq 0 ]; then at_bar=--at-next-bar; else at_bar=""; fi
      # shellcheck disable=SC2086 # $at_bar is one flag or none
      interrupt "$sig" "$delay" "$BIN/link-tempo" "$bpm" $at_bar --timeout 2
      [ "$RC" -ne 137 ] || run_fails "$n" "$sig" "$delay" "still running 10 s after the signal"
      if [ "$RC" -eq 0 ]; then
        wait_for 5 "the watcher to see $bpm BPM" last_json "$WORK/watch.jsonl" ".tempo == $bpm"
        counts="$counts changed"
      elif [ "$RC" -eq 1 ] && grep -qx "link-tempo: error: interrupted: nothing was changed" "$WORK/err"; then
        # Link announces a change within milliseconds; half a second is plenty.
        sleep 0.5
        if jq -e "select(.tempo == $bpm)" "$WORK/watch.jsonl" >/dev/null; then
          run_fails "$n" "$sig" "$delay" "said nothing was changed, but the session went to $bpm BPM"
        fi
        counts="$counts unchanged"
      elif [ "$RC" -eq 1 ] && grep -q "^link-tempo: error: interrupted: the change was committed, but only" "$WORK/err"; then
        counts="$counts unconfirmed"
      else
        run_fails "$n" "$sig" "$delay" "exit $RC (stderr: $(cat "$WORK/err"))"
      fi
      ;;
    midiclock)
      if [ "$sig" = PIPE ]; then
        interrupt PIPE "$delay" "$BIN/link-midiclock" --backend jsonl --timeout 0
        expect_clean "$n" "$sig" "$delay" 0
      else
        mark_dump
        interrupt "$sig" "$delay" "$BIN/link-midiclock" --backend jack --connect midi-monitor:input --quiet --timeout 0
        expect_clean "$n" "$sig" "$delay" 0
        wait_for 2 "the monitor to settle" dump_settled
        part=$(since_mark)
        if messages "$part" | grep -qx f8 && [ "$(messages "$part" | tail -n 1)" != fc ]; then
          run_fails "$n" "$sig" "$delay" "the clock ran but the last message is not Stop: $(messages "$part" | tail -n 3 | tr '\n' ' ')"
        fi
      fi
      ;;
    seq)
      if [ "$sig" = PIPE ]; then
        interrupt PIPE "$delay" "$BIN/link-seq" --backend jsonl --quantum 1 --timeout 0 "$WORK/dense.json"
        expect_clean "$n" "$sig" "$delay" 0
      else
        mark_dump
        interrupt "$sig" "$delay" "$BIN/link-seq" --backend jack --connect midi-monitor:input --quantum 1 \
          --timeout 0 "$WORK/dense.json"
        expect_clean "$n" "$sig" "$delay" 0
        wait_for 2 "the monitor to settle" dump_settled
        balanced "$(since_mark)" >"$WORK/unbalanced" || run_fails "$n" "$sig" "$delay" "$(cat "$WORK/unbalanced")"
      fi
      ;;
    play)
      interrupt "$sig" "$delay" "$BIN/link-play" "$WORK/bar.wav" --loop --json --no-connect --timeout 0
      expect_clean "$n" "$sig" "$delay" 0
      # Stopped while loading or joining, it writes no line; once it wrote
      # one, the last says it ended.
      if [ "$sig" != PIPE ] && [ -s "$WORK/out" ]; then
        last_json "$WORK/out" '.event == "end"' >/dev/null \
          || run_fails "$n" "$sig" "$delay" "the last line is not the end: $(tail -n 1 "$WORK/out")"
      fi
      ;;
    carabiner)
      interrupt "$sig" "$delay" "$BIN/link-carabiner" --port 0 --daemon
      expect_clean "$n" "$sig" "$delay" 0
      ;;
    jack-transport)
      # Each run takes the timebase conditionally: one that kept it would
      # make the next exit 1.
      interrupt "$sig" "$delay" "$BIN/link-jack-transport" --json --quiet --timeout 0
      expect_clean "$n" "$sig" "$delay" 0
      ;;
    follow)
      interrupt "$sig" "$delay" "$BIN/link-follow" --backend jack --connect jack_midi_clock:mclk_out --quiet --timeout 0
      expect_clean "$n" "$sig" "$delay" 0
      ;;
  esac
  if [ "$ENDED_FIRST" -eq 1 ]; then counts="$counts done-before-the-signal"; else counts="$counts $sig"; fi
done <"$WORK/moments"

# The others carried on.
kill -0 "$JACK_PID" 2>/dev/null || fail "the JACK server is gone"
jack_port_exists midi-monitor:input || fail "the MIDI monitor's port is gone"
for pid in $PIDS; do kill -0 "$pid" 2>/dev/null || fail "a process of the test's (pid $pid) is gone"; done
last_json "$WORK/watch.jsonl" '.peers >= 1' >/dev/null || fail "the watchers lost each other"
tally=$(printf '%s\n' $counts | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
pass "$TOOL: $n runs stopped at random moments, each exited as documented, nothing left sounding ($tally)"
