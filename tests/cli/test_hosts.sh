# Eight hosts on one machine (scripts/hosts.sh: network namespaces on a bridge,
# 10.77.0.1-8, all inside scripts/netns's private namespace). What it proves:
# - Link finds its peers across real interfaces, not only loopback: every
#   host's link-status --watch converges on 7 peers and one tempo;
# - a link-tempo on host 1 reaches the seven other hosts;
# - churn: a link-status killed with SIGKILL (no goodbye), a host whose cable
#   is pulled and one whose eth0 is set down drop out of the others' counts
#   (after Link's peer timeout), count no peers themselves, and come back;
#   the tools that stay keep running and their counts follow;
# - through all of it, a link-midiclock on host 1 keeps its grid: the
#   independent receiver (bench's clock-receiver, a peer of its own) finds no
#   tick missing or doubled.
# Takes 20-30 s.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
# The harness's cleanup ends our processes (the JACK server last), then the hosts go.
. "$repo/scripts/hosts.sh"

HOSTS=8
ALL="1 2 3 4 5 6 7 8"
# Link drops a peer it has not heard from for its announcement's ttl (5 s)
# plus the 1 s its prune timer adds (ableton/discovery/PeerGateway.hpp), and
# rescans interfaces every 5 s (discovery/Service.hpp): 10 s covers either.
LINK_TIMEOUT_S=10

hosts_create "$HOSTS"

# bg_on K CMD...: the harness's background, on host K.
bg_on() { on_host_bg "$@"; PIDS="$PIDS $HOST_PID"; LAST_PID=$HOST_PID; }

# start_status K: host K's link-status --watch, its JSON Lines in $WORK/statusK.jsonl.
start_status() {
  bg_on "$1" "$BIN/link-status" --watch --json --timeout 0 >"$WORK/status$1.jsonl"
  eval "STATUS_$1=\$LAST_PID"
}

# hosts_show HOSTS JQ-CONDITION: on every host listed, the last line of its
# link-status holds the condition (jq, on that line); `same_tempo` also asks
# that they all report one tempo.
hosts_show() {
  for k in $1; do tail -n 1 "$WORK/status$k.jsonl"; done >"$WORK/last.jsonl"
  jq -s -e --argjson n "$(echo "$1" | wc -w)" \
    "length == \$n and all(.[]; $2) and ([.[].tempo] | unique | length == 1)" \
    "$WORK/last.jsonl" >/dev/null 2>&1
}

# wait_hosts SECONDS WHAT HOSTS JQ-CONDITION: waits for hosts_show; on a
# timeout, fails with each host's peers and tempo.
wait_hosts() {
  limit=$1; what=$2; hosts=$3; condition=$4
  end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
  until hosts_show "$hosts" "$condition"; do
    if [ "$(( $(date +%s%N) / 1000000 ))" -ge "$end" ]; then
      table=$(for k in $hosts; do
        printf 'host %s: %s\n' "$k" "$(tail -n 1 "$WORK/status$k.jsonl" | jq -c '{peers, tempo}' 2>/dev/null)"
      done)
      fail "timed out after ${limit}s waiting for $what ($condition); the last link-status lines:
$table"
    fi
    sleep 0.1
  done
}

# --- every host finds the seven others ----------------------------------------
for k in $ALL; do start_status "$k"; done
wait_hosts 10 "every host to count 7 peers and agree on the tempo" "$ALL" '.peers == 7'
pass "8 hosts on 10.77.0.0/24: every link-status counts 7 peers, one tempo"

expect_exit 0 on_host 1 "$BIN/link-tempo" 133 --peers 7 --timeout 5
wait_hosts 5 "tempo 133 on every host" "$ALL" '.tempo == 133'
# link-tempo says goodbye as it exits, but Link's goodbye is one datagram:
# a host that misses it (seen once in four runs) counts it until the timeout.
wait_hosts "$LINK_TIMEOUT_S" "link-tempo gone from every count" "$ALL" '.peers == 7'
pass "link-tempo 133 on host 1 reaches the 7 other hosts"

# --- a MIDI clock on host 1, measured by an independent peer -------------------
# The JACK server runs on host 1 too; its sockets are files in /dev/shm and
# /tmp, which every host shares (only the network is per host).
bg_on 1 jackd -n "$JACK_SERVER" -S -d dummy -r 48000 -p 256 >"$WORK/jackd.log" 2>&1
JACK_PID=$LAST_PID
wait_for 10 "the JACK server" jack_lsp -s "$JACK_SERVER"
bg_on 1 "$BIN/link-midiclock" --backend jack --quiet 2>"$WORK/midiclock.err"
CLOCK=$LAST_PID
wait_for 5 "link-midiclock's port" jack_port_exists link-midiclock:out
# It stops when told (SIGINT) and reports what it measured after its 1 s warm-up.
bg_on 1 "$BIN/clock-receiver" --jack --connect link-midiclock:out --json --seconds 120 \
  >"$WORK/receiver.json" 2>"$WORK/receiver.err"
RECEIVER=$LAST_PID
# Two more peers on host 1: everyone counts 9.
wait_hosts 5 "every host to count the clock and the receiver" "$ALL" '.peers == 9'
sleep 1.5 # past the receiver's warm-up, so the churn is measured
pass "link-midiclock and clock-receiver on host 1: every host counts 9 peers"

# --- churn ----------------------------------------------------------------------
# A crash: no goodbye, so the others notice by Link's timeout.
kill -KILL "$STATUS_3"; wait "$STATUS_3" 2>/dev/null || true
wait_hosts "$LINK_TIMEOUT_S" "the others to drop host 3's killed link-status" "1 2 4 5 6 7 8" '.peers == 8'
pass "link-status on host 3 killed (SIGKILL): the others count 8"

# Host 5's cable pulled (its bridge port down) and host 6's eth0 set down.
host_unplug 5
host_down 6
wait_hosts "$LINK_TIMEOUT_S" "the others to drop hosts 5 and 6" "1 2 4 7 8" '.peers == 6'
wait_hosts "$LINK_TIMEOUT_S" "hosts 5 and 6 to count no peers" "5 6" '.peers == 0'
pass "host 5 unplugged, host 6's eth0 down: the others count 6, hosts 5 and 6 count 0"

host_plug 5
host_up 6
start_status 3
wait_hosts "$LINK_TIMEOUT_S" "every host back at 9 peers and tempo 133" "$ALL" '.peers == 9 and .tempo == 133'
pass "host 5 plugged in, host 6 up, host 3's link-status restarted: every host counts 9 again, tempo 133"

# The tools that stayed kept running all along.
for pid in $STATUS_1 $STATUS_2 $STATUS_4 $STATUS_5 $STATUS_6 $STATUS_7 $STATUS_8 "$CLOCK"; do
  kill -0 "$pid" 2>/dev/null || fail "process $pid ended during the churn"
done

# --- the clock's grid through the churn ----------------------------------------
kill -INT "$RECEIVER"
set +e; wait "$RECEIVER"; rc=$?; set -e
[ "$rc" -eq 0 ] || fail "clock-receiver exited $rc: $(cat "$WORK/receiver.err")"
report=$(cat "$WORK/receiver.json")
json_is "$report" '.ticks > 0' >/dev/null || fail "the receiver measured no ticks: $report"
summary=$(printf '%s\n' "$report" | jq -r '"\(.ticks) ticks in \(.measured_s) s, missing \(.missing), extra \(.extra), p99 \(.p99_us) µs, max \(.max_us) µs, xruns \(.xruns), tempo changes \(.tempo_changes)"')
json_is "$report" '.missing == 0 and .extra == 0' >/dev/null || fail "the clock lost its grid during the churn: $summary"
# 133 BPM is 53.2 ticks a second: the receiver heard the clock the whole time.
json_is "$report" '.ticks >= .measured_s * 53.2 * 0.97' >/dev/null \
  || fail "too few ticks for 133 BPM: $summary"
pass "link-midiclock through the churn: $summary"
