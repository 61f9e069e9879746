# link-carabiner as Carabiner's clients use it: started the way lib-carabiner
# starts it, spoken to by clients that check every reply strictly
# (carabiner_client.py), seen by link-status in the same session, and abused
# by garbage, split packets and a client that never reads.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
client="$(dirname "$0")/carabiner_client.py"

# Bad flags: exit 2, a message naming the flag, nothing started.
expect_exit 2 "$BIN/link-carabiner" --port 70000
grep -q "link-carabiner: error: --port: expected 0..65535, got 70000" "$WORK/stderr" || fail "--port message: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-carabiner" --poll 0
grep -q "error: --poll: expected milliseconds in 1..1000, got 0" "$WORK/stderr" || fail "--poll message: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-carabiner" --clock wall
grep -q "error: --clock: expected link or monotonic, got 'wall'" "$WORK/stderr" || fail "--clock message: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-carabiner" --listen localhost
grep -q "error: --listen localhost: expected an IPv4 or IPv6 address" "$WORK/stderr" || fail "--listen message: $(cat "$WORK/stderr")"
pass "bad flags exit 2 with a message"

# Carabiner parses its flags with gflags: its spellings, and gflags' own flags.
expect_exit 0 "$BIN/link-carabiner" -version
grep -q "^link-carabiner [0-9]" "$WORK/stdout" || fail "-version: $(cat "$WORK/stdout")"
expect_exit 0 "$BIN/link-carabiner" -helpfull
grep -q -- "--port" "$WORK/stdout" || fail "-helpfull: $(head -3 "$WORK/stdout")"
expect_exit 2 "$BIN/link-carabiner" -daemon=maybe
grep -q "link-carabiner: error: -daemon=maybe: expected true or false, got 'maybe'" "$WORK/stderr" \
  || fail "-daemon=maybe: $(cat "$WORK/stderr")"
expect_exit 2 "$BIN/link-carabiner" -nosuchflag
pass "gflags' spellings: -version, -helpfull; a bad bool value and an unknown flag exit 2"

# start_carabiner NAME ARGS...: starts it, waits for its start-up line, and
# sets PORT from it (the ARGS say --port 0: any free port).
start_carabiner() {
  name=$1; shift
  background "$BIN/link-carabiner" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  wait_for 5 "link-carabiner's start-up line" grep -q "protocol on tcp://" "$WORK/$name.out"
  PORT=$(sed -n 's|.*protocol on tcp://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WORK/$name.out")
  [ -n "$PORT" ] || fail "no port in the start-up line: $(cat "$WORK/$name.out")"
}

# As lib-carabiner starts it (BIN --daemon --port N --poll N), in gflags' spelling too.
start_carabiner main --daemon -port 0 --poll=20
main_pid=$LAST_PID
grep -qx "link-carabiner [0-9.]*: Carabiner 1.2.0 protocol on tcp://127.0.0.1:$PORT" "$WORK/main.out" \
  || fail "start-up line: $(cat "$WORK/main.out")"
pass "started as lib-carabiner starts it (port $PORT)"

# The port is taken: exit 1, saying so (Carabiner itself would run on, deaf).
expect_exit 1 "$BIN/link-carabiner" --daemon --port "$PORT"
grep -q "error: cannot listen on 127.0.0.1:$PORT: " "$WORK/stderr" || fail "port taken: $(cat "$WORK/stderr")"
pass "a port in use: exit 1 with a message"

python3 "$client" "$PORT" protocol || fail "the protocol client"

# link-status in the same namespace sees the tempo the client set (128).
expect_exit 0 "$BIN/link-status" --json --peers 1 --timeout 5
json_is "$(cat "$WORK/stdout")" '.tempo == 128 and .peers == 1' >/dev/null \
  || fail "link-status after bpm 128.0: $(cat "$WORK/stdout")"
pass "link-status sees the tempo a client set"

python3 "$client" "$PORT" framing || fail "the framing client"
python3 "$client" "$PORT" packets || fail "the one-command-per-packet client"
python3 "$client" "$PORT" pipeline || fail "the pipelining clients"
python3 "$client" "$PORT" abuse || fail "the abuse client"

# Still serving, and not a word on stderr the whole time (lib-carabiner logs
# the daemon's stderr as errors).
python3 - "$PORT" <<'EOF' || fail "a client after the abuse"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
assert s.recv(1024).startswith(b"status { :peers "), "no status"
EOF
[ ! -s "$WORK/main.err" ] || fail "link-carabiner wrote to stderr: $(head -c 500 "$WORK/main.err")"
pass "still serving after the abuse, nothing on stderr"

# Another Link peer (a second daemon) joins and moves the beat grid: the
# first daemon's client hears of both.
python3 "$client" "$PORT" other-peer "$BIN/link-carabiner" || fail "the other-peer client"

kill -TERM "$main_pid"
set +e; wait "$main_pid"; code=$?; set -e
[ "$code" -eq 0 ] || fail "SIGTERM: exit $code, expected 0"
pass "SIGTERM: exit 0"

# Clients on CLOCK_MONOTONIC (the JVM, Python).
start_carabiner mono --daemon --port 0 --clock monotonic
python3 "$client" "$PORT" monotonic || fail "the monotonic client"

