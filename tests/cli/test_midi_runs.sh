# link-midiclock and link-seq, many short runs, each judged by clock-receiver
# (an independent peer that hears the MIDI through JACK and places every
# message on its own view of the session's grid): Start on a bar line, then
# every clock tick, then Stop; link-seq's note-ons all there, the first on a
# bar line. Alone with the receiver and beside LinkHut, with the server
# stopped for 10-40 ms at random (as in cli.play_runs: those stalls are the
# xruns that broke link-play, issue 17). In synchronous mode: in the default
# asynchronous one JACK itself drops the MIDI of a cycle that a stall made
# late, and the count could not be judged.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
command -v LinkHut >/dev/null || fail "LinkHut not installed (ableton-link-utils)"
ARP="$(dirname "$0")/../../examples/arp.json" # 16 sixteenths a 4/4 bar

RUNS=0
BROKEN=0
verdict() {
  if [ -n "$1" ]; then echo "ok run $RUNS ($2, $CONDITION): $1"
  else BROKEN=$((BROKEN + 1)); echo "BROKEN run $RUNS ($2, $CONDITION): $3"; fi
}

# receive SECONDS [FLAGS...]: clock-receiver in the background, its summary
# in $WORK/rx.json and each message on the grid in $WORK/rx.log.
receive() {
  seconds=$1; shift
  # shellcheck disable=SC2086
  "$BIN/clock-receiver" --jack $RX_JOIN --warmup 0 --seconds "$seconds" --json --log "$WORK/rx.log" "$@" \
    >"$WORK/rx.json" 2>"$WORK/rx.err" &
  RX=$!
  wait_for 10 "the receiver's port" jack_port_exists clock-receiver:in
}

# clock_run Q SECONDS: link-midiclock for SECONDS (its Start comes on the
# next bar of Q beats), then Ctrl-C.
clock_run() {
  q=$1; RUNS=$((RUNS + 1))
  receive 6 -q "$q"
  "$BIN/link-midiclock" --backend jack --connect clock-receiver:in --no-sync -q "$q" --quiet \
    2>"$WORK/tool.err" &
  tool=$!
  sleep "$2"
  kill -INT "$tool"
  set +e; wait "$tool"; rc=$?; wait "$RX"; rxrc=$?; set -e
  summary=$(jq -c '{ticks, missing, extra, count_offset, lost, transport: [.transport[] | {message, tick}]}' \
    "$WORK/rx.json" 2>/dev/null || echo "no summary: $(cat "$WORK/rx.err")")
  # Start on a bar line and Stop, nothing else; every tick between them (the
  # count a device keeps back at 0, none missing or extra).
  if [ "$rc" -eq 0 ] && [ "$rxrc" -eq 0 ] && json_is "$(cat "$WORK/rx.json")" "
      [.transport[].message] == [\"start\", \"stop\"] and .transport[0].tick % (24 * $q) == 0
      and .missing == 0 and .extra == 0 and .count_offset == 0 and .lost == 0
      and .ticks >= .transport[1].tick - .transport[0].tick" >/dev/null; then
    verdict "$summary" "midiclock -q $q, $2 s"
  else
    verdict "" "midiclock -q $q, $2 s" "exit $rc, receiver $rxrc: $summary $(head -c 200 "$WORK/tool.err")"
  fi
}

# seq_run BARS: link-seq plays examples/arp.json for BARS bars.
seq_run() {
  RUNS=$((RUNS + 1))
  receive "$(( 3 + 2 * $1 ))" --note-ons 6
  set +e
  "$BIN/link-seq" --backend jack --connect clock-receiver:in --bars "$1" --quiet "$ARP" \
    2>"$WORK/tool.err"
  rc=$?; wait "$RX"; rxrc=$?; set -e
  first=$(jq -s '[.[] | select(.warmup == false)] | first | .tick' "$WORK/rx.log" 2>/dev/null || echo null)
  summary=$(jq -c "{note_ons, missing, extra, count_offset, lost, first_tick: $first}" "$WORK/rx.json" 2>/dev/null \
    || echo "no summary: $(cat "$WORK/rx.err")")
  if [ "$rc" -eq 0 ] && [ "$rxrc" -eq 0 ] && [ "$first" != null ] && [ "$((first % 96))" -eq 0 ] \
      && json_is "$(cat "$WORK/rx.json")" ".note_ons == 16 * $1 and .missing == 0 and .extra == 0
                                             and .lost == 0" >/dev/null; then
    verdict "$summary" "seq --bars $1"
  else
    verdict "" "seq --bars $1" "exit $rc, receiver $rxrc: $summary $(head -c 200 "$WORK/tool.err")"
  fi
}

runs() {
  clock_run 4 2.5; clock_run 4 3.5; clock_run 3 3; clock_run 2 2.2
  seq_run 1; seq_run 2; seq_run 1; seq_run 2
}

start_jack 256; stall_jack_randomly
# Alone, the receiver founds the session at once; beside LinkHut it first
# joins LinkHut's. Each tool waits to find the receiver (its default), so
# neither starts on a grid of its own that a merge would then move.
CONDITION="the receiver alone, 256 frames"; RX_JOIN="--timeout 0"
runs
CONDITION="LinkHut at 180 BPM, 256 frames"; RX_JOIN="--timeout 5"
start_linkhut 180
runs
xruns=$(xrun_count)
stop_linkhut

[ "$BROKEN" -eq 0 ] || fail "$BROKEN of $RUNS runs broken ($xruns xruns)"
pass "$RUNS link-midiclock and link-seq runs, each starting on the bar with every tick and note ($xruns xruns)"
