# The official reference peer: LinkHut (Debian's ableton-link-utils) in tmux,
# on a private JACK dummy server.
. "$(dirname "$0")/lib.sh"
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
tmux -L "$TMUX_SOCKET" send-keys -t hut q
