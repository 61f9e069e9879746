# shellcheck shell=sh
# shellcheck disable=SC2034 # LAST_PID, status and the like are read by the scripts
# The one shell harness of the whole-program tests (tests/cli/test_*.sh) and
# the benchmarks (bench/<name>/run). A script sets `repo` (the repository's
# root) and sources this first:
#   repo=$(cd "$(dirname "$0")/../.." && pwd)
#   . "$repo/scripts/harness.sh"
# Optional before it: BENCH (the benchmark's name: messages then read
# "NAME: error: ..." instead of "FAIL: ..."), BIN (default build/bin).
#
# What it gives:
#   the private network namespace   the script runs again inside scripts/netns
#                                   unless it is in one (Link must never reach
#                                   a real interface)
#   WORK, cleanup                   a temporary directory; on exit or a signal,
#                                   every process started with `background`
#                                   ends (the JACK server last), LinkHut's tmux,
#                                   the hosts of scripts/hosts.sh, and WORK
#   fail, pass, wait_for, has_ended, json_is, last_json, expect_exit, expect_refused, require_built
#   start_jack, stop_jack, stall_jack_randomly, xrun_count, jack_gone_ends,
#   jack_port_exists, port_up, the MIDI monitor (start_midi_monitor,
#   messages, balanced, mark_dump, since_mark)
#   start_watchers, start_linkhut, stop_linkhut      Link peers
#   pause, start_tempo_changes, cpu_start, wait_receiver, cpu_report
#                                   what the timing benchmarks share

if [ "${LINK_TOOLS_IN_NETNS:-}" != "1" ]; then
  exec "$repo/scripts/netns" sh "$0" "$@"
fi
set -eu
BIN=${BIN:-$repo/build/bin}

WORK=$(mktemp -d)
PIDS=""
LAST_PID=""
TMUX_SOCKET="lt-$$"
JACK_SERVER="${BENCH:-lt}-$$"
JACK_PID=""
export JACK_DEFAULT_SERVER="$JACK_SERVER"
# A client never starts a server of its own: every server here is start_jack's.
export JACK_NO_START_SERVER=1

cleanup() {
  # The clients end before the JACK server they play into, so none of them
  # reports the server gone as a failure of its own.
  for pid in $PIDS; do [ "$pid" = "$JACK_PID" ] || kill "$pid" 2>/dev/null || true; done
  tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
  for pid in $PIDS; do [ "$pid" = "$JACK_PID" ] || wait "$pid" 2>/dev/null || true; done
  if [ -n "$JACK_PID" ]; then
    kill "$JACK_PID" 2>/dev/null || true; kill -CONT "$JACK_PID" 2>/dev/null || true
    wait "$JACK_PID" 2>/dev/null || true
  fi
  [ -z "${HOSTS_DIR:-}" ] || hosts_destroy
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# fail MESSAGE [STATUS]: ends the script (status 1 unless given), with the
# last lines of every log in WORK (the JACK server's among them).
fail() {
  if [ -n "${BENCH:-}" ]; then echo "$BENCH: error: $1" >&2; else echo "FAIL: $1" >&2; fi
  for log in "$WORK"/*.log; do
    [ -s "$log" ] || continue
    echo "--- $(basename "$log") (last lines)" >&2
    tail -n 20 "$log" >&2
  done
  exit "${2:-1}"
}
pass() { echo "ok: $*"; }

# require_built TOOL...: each is in BIN.
require_built() {
  for tool in "$@"; do
    [ -x "$BIN/$tool" ] || fail "$BIN/$tool: not built (cmake --build build)"
  done
}

# background CMD...: starts CMD in the background and remembers it for
# cleanup; its PID is LAST_PID. CMD reads /dev/null: a redirection given to
# `background` is the function's, not CMD's own, and a command put in the
# background without one of its own reads /dev/null. A command that reads
# a pipe or a FIFO is started with its own `&`, and its PID added to PIDS.
background() { "$@" & PIDS="$PIDS $!"; LAST_PID=$!; }

# wait_for SECONDS DESCRIPTION CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
  limit=$1; what=$2; shift 2
  end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
  until "$@" >/dev/null 2>&1; do
    [ "$(( $(date +%s%N) / 1000000 ))" -lt "$end" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.05
  done
}

# has_ended PID: the process has ended: gone, or a zombie (state Z) until its
# parent waits for it. Its name, in parentheses, may hold spaces.
has_ended() {
  [ ! -e "/proc/$1/stat" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]
}

# json_is TEXT FILTER: the filter holds for the JSON in TEXT; false for no
# text at all (jq 1.6 -e says yes to empty input).
json_is() { [ -n "$1" ] && printf '%s\n' "$1" | jq -e "$2"; }
# last_json FILE FILTER: the filter applied to the last complete line of a JSON Lines file.
last_json() { json_is "$(tail -n 1 "$1")" "$2"; }

# expect_exit CODE CMD...: runs CMD, checks its exit code, keeps stderr in $WORK/stderr.
expect_exit() {
  want=$1; shift
  set +e; "$@" >"$WORK/stdout" 2>"$WORK/stderr"; got=$?; set -e
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want (stderr: $(cat "$WORK/stderr"))"
}

# expect_refused PATTERN CMD...: CMD refuses its usage (exit 2) with a
# message on stderr that PATTERN (grep) finds.
expect_refused() {
  pattern=$1; shift
  expect_exit 2 "$@"
  grep -q -- "$pattern" "$WORK/stderr" || fail "'$*': expected '$pattern' in: $(cat "$WORK/stderr")"
}

# start_jack [PERIOD [JACKD-FLAGS]]: a JACK server on the dummy driver (no
# sound card) at 48 kHz, private to this script, PERIOD frames a cycle
# (default 256). JACKD-FLAGS is one word list; without it, synchronous mode
# (-S): in the default asynchronous mode JACK drops the output of a client
# whose cycle a stalled machine (a VM) finished late, and a test counting MIDI
# clock ticks would see one go missing (bench/RESULTS.md). "" gives JACK's
# default asynchronous mode, as most users run it.
start_jack() {
  # shellcheck disable=SC2086 # a list of flags
  background jackd -n "$JACK_SERVER" ${2--S} -d dummy -r 48000 -p "${1:-256}" >"$WORK/jackd.log" 2>&1
  JACK_PID=$LAST_PID
  wait_for 10 "the JACK server" jack_lsp -s "$JACK_SERVER"
}
# stop_jack: ends the server start_jack started (its clients first).
stop_jack() {
  kill -TERM "$JACK_PID" 2>/dev/null || true
  wait "$JACK_PID" 2>/dev/null || true
  JACK_PID=""
}

# stall_jack_randomly: stops the JACK server for 10-40 ms every 150-600 ms,
# as a stalling VM stops it, until the server ends: every stall is an xrun,
# and JACK 2's xrun notice leaves that cycle's times inconsistent
# (libcore/jack/CycleClock.hpp).
stall_jack_randomly() {
  background sh -c 'while kill -0 "$1" 2>/dev/null; do
      sleep "0.$(shuf -i 150-600 -n 1)"
      kill -STOP "$1" 2>/dev/null || exit 0
      sleep "0.0$(shuf -i 10-40 -n 1)"
      kill -CONT "$1" 2>/dev/null || exit 0
    done' stall "$JACK_PID"
  STALL_PID=$LAST_PID
}
xrun_count() { grep -c XRun "$WORK/jackd.log" || true; }

# jack_gone_ends PID ERRFILE PREFIX: ends the script's JACK server under a
# running tool (PID, its stderr in ERRFILE); the tool must exit 1 with an
# error line that begins with PREFIX and gives JACK's own reason.
jack_gone_ends() {
  kill -TERM "$JACK_PID"; wait "$JACK_PID" 2>/dev/null || true; JACK_PID=""
  set +e; wait "$1"; rc=$?; set -e
  [ "$rc" -eq 1 ] || fail "the JACK server went away: ${3%%:*} exited $rc, expected 1"
  grep -q "^$3: the JACK server went away (JACK: " "$2" \
    || fail "the JACK server went away: $(cat "$2")"
}

# jack_port_exists NAME: the script's JACK server has that port. jack_lsp
# reads to its end: `jack_lsp | grep -q` would kill it with SIGPIPE halfway
# through closing its client, which left JACK unable to activate the next
# client.
jack_port_exists() { jack_lsp >"$WORK/ports.txt" 2>/dev/null && grep -qx "$1" "$WORK/ports.txt"; }
# port_up PID PORT: the process still runs and has its JACK port.
port_up() { kill -0 "$1" && jack_port_exists "$2"; }

# jack_midi_dump as the receiving device, on the script's JACK server: every
# message it gets, a line each ("  FRAME: BYTES description"), in $WORK/dump.txt.
start_midi_monitor() {
  # Line-buffered, so the file shows each message when it arrives.
  background stdbuf -oL jack_midi_dump -a >"$WORK/dump.txt"
  wait_for 5 "jack_midi_dump's port" jack_port_exists midi-monitor:input
}

# messages FILE: the dump's messages, without frames or jack_midi_dump's
# descriptions ("90 3c 64" lines). The dump's lines: "  51946: 90 3c 64 note on ...".
messages() {
  awk '$1 ~ /^[0-9]+:$/ { m = ""; for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) m = m (m == "" ? "" : " ") $i
                          if (m != "") print m }' "$1"
}
# balanced FILE: every note-on has its note-off (per channel and pitch), in order.
balanced() {
  messages "$1" | awk '
    { s = substr($1, 1, 1); key = substr($1, 2, 1) " " $2 }
    s == "9" && $3 != "00" { if (on[key]) { print "second note-on without a note-off: " $0; bad = 1 } on[key] = 1; next }
    s == "8" || (s == "9" && $3 == "00") { if (!on[key]) { print "note-off without a note-on: " $0; bad = 1 } on[key] = 0 }
    END { for (k in on) if (on[k]) { print "still sounding: " k; bad = 1 } exit bad }'
}
# The dump cannot be truncated under jack_midi_dump (it writes on at its own
# offset): mark its length, and read what came after the mark.
MARK=0
mark_dump() { MARK=$(wc -l <"$WORK/dump.txt"); }
since_mark() { tail -n +"$((MARK + 1))" "$WORK/dump.txt" >"$WORK/part.txt"; echo "$WORK/part.txt"; }

# Two long-running peers, so the session (and its transport) outlives each
# link-tempo run. The first one's JSON Lines are in $WORK/watch.jsonl.
start_watchers() {
  background "$BIN/link-status" --watch --timeout 0 >"$WORK/watch.jsonl"
  wait_for 5 "the watcher" test -s "$WORK/watch.jsonl"
  background "$BIN/link-status" --watch --timeout 0 >/dev/null
  wait_for 5 "two watchers" last_json "$WORK/watch.jsonl" '.peers == 1'
}

# start_linkhut BPM: LinkHut (the reference peer) in tmux on the script's
# JACK server, enabled, its session past Link's 0.5 s tie window, at BPM;
# stop_linkhut ends it.
start_linkhut() {
  tmux -L "$TMUX_SOCKET" new-session -d -s hut -x 120 -y 30 "env JACK_DEFAULT_SERVER=$JACK_SERVER LinkHut"
  wait_for 10 "LinkHut's screen" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -q '^enabled'"
  tmux -L "$TMUX_SOCKET" send-keys -t hut a
  wait_for 5 "LinkHut enabled" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -A1 '^enabled' | tail -n 1 | grep -q '^yes'"
  sleep 0.7
  "$BIN/link-tempo" "$1" --peers 1 --timeout 5 >/dev/null || fail "LinkHut did not take $1 BPM"
}
stop_linkhut() { tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true; }

# pause SECONDS: a sleep that a signal ends at once. The shell runs a trap
# only once a command in the foreground has ended, but it interrupts `wait`.
pause() {
  background sleep "$1"
  wait "$LAST_PID"
}

# start_tempo_changes: link-tempo alternates 60 and 180 BPM every 2 s, in a
# subshell that takes its current child along when it is told to stop.
start_tempo_changes() {
  background sh -c '
    child=""
    trap "kill \$child 2>/dev/null; exit 0" TERM
    bpm=60
    while :; do
      sleep 2 & child=$!; wait "$child"
      "$1/link-tempo" "$bpm" >/dev/null 2>&1 & child=$!; wait "$child" || true
      if [ "$bpm" = 60 ]; then bpm=180; else bpm=60; fi
    done' tempo-changes "$BIN"
}

# The CPU a benchmark's tool (tool_pid) used while its receiver
# (receiver_pid) measured: cpu_start before, wait_receiver (sets `status`,
# the receiver's exit status), cpu_report TOOL after.
# cpu_ticks PID: utime + stime from /proc/PID/stat, in clock ticks (the
# command name may hold spaces, so cut after its ')').
cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
cpu_start() {
  hz=$(getconf CLK_TCK)
  cpu_before=$(cpu_ticks "$tool_pid")
  t_before=$(date +%s%N)
}
wait_receiver() {
  status=0
  wait "$receiver_pid" || status=$?
  cpu_after=$(cpu_ticks "$tool_pid" 2>/dev/null || echo "")
  t_after=$(date +%s%N)
}
cpu_report() {
  [ -n "$cpu_after" ] || fail "$1 exited before the end of the run"
  awk -v tool="$1" -v c0="$cpu_before" -v c1="$cpu_after" -v hz="$hz" -v t0="$t_before" -v t1="$t_after" '
    BEGIN {
      wall = (t1 - t0) / 1e9; cpu = (c1 - c0) / hz
      printf "%s CPU: %.2f%% of one core (%.2f s in %.1f s)\n", tool, 100 * cpu / wall, cpu, wall
    }'
}
