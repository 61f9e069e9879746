#!/bin/sh
# Link across many hosts on one machine: HOSTS network namespaces on a bridge
# (tests/hosts.sh), each running link-status --watch --json. Measures how long
# they take to find each other, and for ROUNDS rounds how long a fresh tempo
# set with link-tempo on one host (a different one each round) takes to
# reach the last host; the measuring is bench/many-hosts.py. Runs inside a
# private network namespace (scripts/netns), which holds the hosts and the
# bridge, so nothing leaves the machine and everything goes when it ends.
#   bench/many-hosts.sh
# Environment: HOSTS (default 32), ROUNDS (default 50, for each of the two
# ways link-tempo is run), RAW (a file for every round as JSON Lines), BIN
# (default build/bin of this repository).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$repo/scripts/in-netns.sh"
BIN=${BIN:-$repo/build/bin}
for tool in link-status link-tempo; do
  [ -x "$BIN/$tool" ] || { echo "many-hosts: error: $BIN/$tool: not built (cmake --build build)" >&2; exit 1; }
done

# shellcheck source=tests/hosts.sh
. "$repo/tests/hosts.sh"
helper_pid=""
# The helper ends the link-status processes it started; hosts_destroy ends
# anything left on the hosts and removes them.
cleanup() {
  [ -z "$helper_pid" ] || { kill "$helper_pid" 2>/dev/null || true; wait "$helper_pid" 2>/dev/null || true; }
  hosts_destroy
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

hosts=${HOSTS:-32}
hosts_create "$hosts"
set --
k=1
while [ "$k" -le "$hosts" ]; do set -- "$@" "$(host_netns "$k")"; k=$((k + 1)); done
# In the background, so a signal reaches our trap at once.
python3 "$here/many-hosts.py" "$BIN" "${ROUNDS:-50}" "$@" &
helper_pid=$!
status=0
wait "$helper_pid" || status=$?
helper_pid=""
exit "$status"
