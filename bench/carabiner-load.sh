#!/bin/sh
# link-carabiner under load, as clients see it (bench/carabiner-load, plain
# sockets): 1,000 clients connected at once, each hearing every status
# broadcast (time from a tempo change to the last client's status line, and
# the server's memory with them idle); and the round trip of beat-at-time
# while 100 other clients keep it busy. Runs inside a private network
# namespace (scripts/netns), so Link meets nothing outside.
#   bench/carabiner-load.sh
# Environment: CLIENTS (default 1000), CHANGES (default 50), BUSY (default
# 100), REQUESTS (default 2000), BIN (default build/bin of this repository).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$repo/scripts/in-netns.sh"
BIN=${BIN:-$repo/build/bin}
for tool in link-carabiner carabiner-load; do
  [ -x "$BIN/$tool" ] || { echo "carabiner-load: error: $BIN/$tool: not built (cmake --build build)" >&2; exit 1; }
done
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN/link-carabiner" --daemon --port 0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
tries=0
until grep -q "protocol on tcp://" "$tmp/server.out"; do
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo "carabiner-load: error: link-carabiner did not start" >&2; cat "$tmp/server.err" >&2; exit 1; }
  sleep 0.05
done
port=$(sed -n 's|.*:\([0-9]*\)$|\1|p' "$tmp/server.out")

"$BIN/carabiner-load" broadcast "$port" "${CLIENTS:-1000}" "${CHANGES:-50}" "$server_pid"
"$BIN/carabiner-load" roundtrip "$port" 0 "${REQUESTS:-2000}"
"$BIN/carabiner-load" roundtrip "$port" "${BUSY:-100}" "${REQUESTS:-2000}"
cpu=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
echo "link-carabiner CPU over the whole run: $(awk -v t="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f s", t / hz}')"
[ ! -s "$tmp/server.err" ] || { echo "carabiner-load: link-carabiner wrote to stderr:" >&2; cat "$tmp/server.err" >&2; exit 1; }
