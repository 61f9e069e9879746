# The official reference peer: LinkHut (Debian's ableton-link-utils) in tmux,
# on a private JACK dummy server.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
command -v LinkHut >/dev/null || fail "LinkHut not installed (ableton-link-utils)"

start_jack
tmux -L "$TMUX_SOCKET" new-session -d -s hut -x 120 -y 30 "env JACK_DEFAULT_SERVER=$JACK_SERVER LinkHut"
hut_screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t hut; }
# The line under LinkHut's table header: enabled | peers | quantum | sync | tempo | beats | metro
hut_row() { hut_screen | grep -A1 '^enabled' | tail -n 1; }
hut_key() { tmux -L "$TMUX_SOCKET" send-keys -t hut "$1"; sleep 0.2; }
wait_for 10 "LinkHut's screen" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -q '^enabled'"

hut_key a
wait_for 5 "LinkHut enabled" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -A1 '^enabled' | tail -n 1 | grep -q '^yes'"
hut_key e   # 121 BPM: a tempo link-status could not have made up
# Let LinkHut's session age past Link's 0.5 s tie window.
sleep 0.7

expect_exit 0 "$BIN/link-status" --json --peers 1 --timeout 5
json_is "$(cat "$WORK/stdout")" '.peers == 1 and .tempo == 121' >/dev/null || fail "status of LinkHut: $(cat "$WORK/stdout")"
pass "link-status reports LinkHut's tempo and one peer"

# Joining never changes the session: many quick runs, each leaving LinkHut
# alone (Link then founds a fresh session) and the next one joining within
# Link's tie window, must leave LinkHut at 121.
for i in 1 2 3 4 5 6 7 8 9 10; do
  "$BIN/link-status" --json --peers 1 --timeout 5 >"$WORK/run.json" || fail "run $i failed"
  json_is "$(cat "$WORK/run.json")" '.tempo == 121' >/dev/null || fail "run $i saw $(cat "$WORK/run.json")"
done
hut_row | grep -q '121\.00' || fail "LinkHut's tempo changed: $(hut_row)"
pass "ten quick link-status runs leave LinkHut at 121"

expect_exit 0 "$BIN/link-tempo" 133 --peers 1 --timeout 5
wait_for 5 "LinkHut showing 133" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -A1 '^enabled' | tail -n 1 | grep -q '133\.00'"
pass "link-tempo 133 shows on LinkHut's screen"

hut_key s
hut_key ' '
wait_for 5 "LinkHut playing" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -q 'playing'"
expect_exit 0 "$BIN/link-status" --json --peers 1 --timeout 5
json_is "$(cat "$WORK/stdout")" '.is_playing == true and .tempo == 133' >/dev/null \
  || fail "status of playing LinkHut: $(cat "$WORK/stdout") / LinkHut: $(hut_row)"
pass "LinkHut's transport shows as is_playing: true"

expect_exit 0 "$BIN/link-tempo" --stop --peers 1 --timeout 5
wait_for 5 "LinkHut stopped" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -q 'stopped'"
pass "link-tempo --stop stops LinkHut"

# LinkHut plays, then its last partner leaves: Link clears the session's
# start/stop state, and LinkHut, playing on alone, announces none. Whoever
# joins next must say that the transport is unknown, not just "stopped".
background "$BIN/link-status" --watch --timeout 0 >/dev/null
partner=$LAST_PID
wait_for 5 "a partner for LinkHut" sh -c "'$BIN/link-status' --json --peers 2 --timeout 1 >/dev/null"
hut_key ' '
wait_for 5 "LinkHut playing" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut | grep -q 'playing'"
kill -TERM "$partner"; wait "$partner" 2>/dev/null || true
sleep 0.5
hut_screen | grep -q 'playing' || fail "LinkHut stopped when its partner left: $(hut_row)"
expect_exit 0 "$BIN/link-status" --peers 1 --timeout 5
grep -q '^transport  session transport unknown: stopped$' "$WORK/stdout" \
  || fail "link-status beside a LinkHut playing alone: $(cat "$WORK/stdout")"
# The MIDI tools show it in their live line (on a terminal).
tmux -L "$TMUX_SOCKET" new-window -d -t hut -n clock \
  "'$BIN/link-midiclock' --backend jsonl --peers 1 --timeout 5 >/dev/null"
wait_for 5 "link-midiclock's live line" sh -c \
  "tmux -L '$TMUX_SOCKET' capture-pane -p -t hut:clock | grep -q 'session transport unknown: stopped'"
tmux -L "$TMUX_SOCKET" kill-window -t hut:clock
pass "a LinkHut playing alone reads as 'session transport unknown: stopped'"
tmux -L "$TMUX_SOCKET" send-keys -t hut q
