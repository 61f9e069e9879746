# shellcheck shell=sh
# shellcheck disable=SC2154,SC2034 # `tools` comes from the script; `status` is read by it
# What bench/midiclock-timing, bench/seq-timing and bench/play-timing share:
# their temporary directory, stopping what they started, failing with the
# logs, waiting for a server or a port, the dummy JACK server, the tempo
# changes, and the CPU a tool used over the run. Sourced after the script has
# set BENCH (its name, for messages), BIN, and `tools` (what must be built).
# The script keeps the process ids it starts in receiver_pid, tool_pid
# (the tool measured), and the library in jackd_pid and tempo_pid.

for tool in $tools; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "$BENCH: error: $BIN/$tool: not built (cmake --build build)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
jackd_pid=""
tool_pid=""
tempo_pid=""
receiver_pid=""
pause_pid=""
# Stop the receiver and the tempo changes first, then the tool, and the
# JACK server last so the others can leave it cleanly.
cleanup() {
  for pid in $pause_pid $receiver_pid $tempo_pid $tool_pid $jackd_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pause SECONDS: a sleep that a signal ends at once. The shell runs a trap
# only once a command in the foreground has ended, but it interrupts `wait`.
pause() {
  sleep "$1" & pause_pid=$!
  wait "$pause_pid"
  pause_pid=""
}

# fail WHY [STATUS]: says why, shows the logs, exits with STATUS (default 1).
fail() {
  echo "$BENCH: error: $1" >&2
  for log in "$tmp"/*.log; do
    if [ -s "$log" ]; then echo "--- $(basename "$log")" >&2; cat "$log" >&2; fi
  done
  exit "${2:-1}"
}

# wait_for WHAT CMD...: retries CMD for up to 5 s.
wait_for() {
  what=$1; shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || fail "$what did not come up within 5 s"
    sleep 0.05
  done
}

# port_up PID PORT: the process still runs and the JACK port is there.
# jack_lsp reads to its end (grep -q would kill it with SIGPIPE while it closes
# its client, and JACK then refuses to activate the next one).
port_up() { kill -0 "$1" && jack_lsp | grep -x "$2" >/dev/null; }

# start_jack PERIOD [JACKD-FLAGS...]: a dummy JACK server of our own at
# 48 kHz, under a name no other run uses; never autostart one.
start_jack() {
  jack_period=$1; shift
  export JACK_DEFAULT_SERVER="$BENCH$$"
  export JACK_NO_START_SERVER=1
  jackd -n "$JACK_DEFAULT_SERVER" "$@" -d dummy -r 48000 -p "$jack_period" >"$tmp/jackd.log" 2>&1 &
  jackd_pid=$!
  wait_for "the JACK server" jack_lsp
}

# start_tempo_changes: link-tempo alternates 60 and 180 BPM every 2 s, in a
# subshell that takes its current child along when it is told to stop.
start_tempo_changes() {
  (
    child=""
    trap 'kill $child 2>/dev/null; exit 0' TERM
    bpm=60
    while :; do
      sleep 2 & child=$!; wait "$child"
      "$BIN/link-tempo" "$bpm" >/dev/null 2>&1 & child=$!; wait "$child" || true
      if [ "$bpm" = 60 ]; then bpm=180; else bpm=60; fi
    done
  ) &
  tempo_pid=$!
}

# CPU time of a process so far, in clock ticks (utime + stime from
# /proc/PID/stat). The command name may hold spaces, so cut after its ')'.
cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
now_ns() { date +%s%N; }

# cpu_start: notes the tool's CPU time and the wall clock now.
cpu_start() {
  hz=$(getconf CLK_TCK)
  cpu_before=$(cpu_ticks "$tool_pid")
  t_before=$(now_ns)
}

# wait_receiver: waits for the receiver, notes the tool's CPU time at its end.
wait_receiver() {
  status=0
  wait "$receiver_pid" || status=$?
  receiver_pid=""
  cpu_after=$(cpu_ticks "$tool_pid" 2>/dev/null || echo "")
  t_after=$(now_ns)
}

# cpu_report TOOL: the tool's share of one core between cpu_start and
# wait_receiver (fails when the tool ended before the receiver).
cpu_report() {
  [ -n "$cpu_after" ] || fail "$1 exited before the end of the run"
  awk -v tool="$1" -v c0="$cpu_before" -v c1="$cpu_after" -v hz="$hz" -v t0="$t_before" -v t1="$t_after" '
    BEGIN {
      wall = (t1 - t0) / 1e9; cpu = (c1 - c0) / hz
      printf "%s CPU: %.2f%% of one core (%.2f s in %.1f s)\n", tool, 100 * cpu / wall, cpu, wall
    }'
}
