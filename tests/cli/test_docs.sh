# What the README and the man pages tell a new user, tried as written.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# The quick start runs link-status on the real network: the way to keep it
# off the network must stand beside it, before the next heading.
quick_start=$(sed -n '/^## Quick start/,/^## /p' "$ROOT/README.md" | sed '$d')
printf '%s\n' "$quick_start" | grep -q 'scripts/netns build/bin/link-status' \
  || fail "README's quick start does not say how to run link-status in a private network namespace"
pass "README: scripts/netns beside the quick start"

# link-status(1): time_us is CLOCK_MONOTONIC_RAW in microseconds, and the
# man page's formula places another moment on the beat grid. A watcher holds
# one session; two readings 0.7 s apart must agree with the formula.
man_page="$ROOT/man/link-status.1.in"
grep -q '^\.SS CLOCK CONVERSIONS' "$man_page" || fail "link-status(1) has no CLOCK CONVERSIONS"
background "$BIN/link-status" --watch --timeout 0 >/dev/null
raw() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000)'; }
before=$(raw)
"$BIN/link-status" --json --peers 1 --timeout 5 >"$WORK/r0.json" || fail "first reading"
after=$(raw)
sleep 0.7
"$BIN/link-status" --json --peers 1 --timeout 5 >"$WORK/r1.json" || fail "second reading"
python3 - "$WORK/r0.json" "$WORK/r1.json" "$before" "$after" <<'EOF' || fail "time_us and the beat formula of link-status(1) disagree with the readings"
import json, sys
r0, r1 = (json.load(open(p)) for p in sys.argv[1:3])
before, after = int(sys.argv[3]), int(sys.argv[4])
# The same clock: the reading's time lies between ours before and after it.
if not before <= r0["time_us"] <= after:
    sys.exit(f"time_us {r0['time_us']} is not between CLOCK_MONOTONIC_RAW {before} and {after}")
q = r0["quantum"]
# beat at t = beat + (t - time_us) * tempo / 60e6, as a phase in the bar.
predicted = (r0["phase"] + (r1["time_us"] - r0["time_us"]) * r0["tempo"] / 60e6) % q
off = abs(predicted - r1["phase"])
off = min(off, q - off)
if off > 0.002:
    sys.exit(f"the formula puts the second reading at phase {predicted:.4f}, it said {r1['phase']:.4f}")
print(f"time_us between two readings of CLOCK_MONOTONIC_RAW; phase predicted within {off:.5f} beats")
EOF
pass "link-status(1): time_us on CLOCK_MONOTONIC_RAW, the beat formula holds"

# The man page's own example, unescaped from roff, run as a user would paste it.
example=$(sed -n '/^The time of day of the next bar line/,/^\.EE/p' "$man_page" |
  sed -n '/^\.EX/,/^\.EE/p' | sed '1d;$d' |
  sed -e 's/\\(aq/'"'"'/g' -e 's/\\-/-/g' -e 's/\\\\/\\/g')
[ -n "$example" ] || fail "link-status(1): no example of the next bar line's time of day"
out=$(PATH="$BIN:$PATH" sh -c "$example") || fail "the man page's example failed: $example"
printf '%s\n' "$out" | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} in [0-9]+ ms$' \
  || fail "the man page's example printed '$out'"
ms=${out##* in }; ms=${ms% ms}
# 120 BPM, quantum 4: the next bar line is at most 2 s away.
[ "$ms" -le 2000 ] || fail "the next bar line is $ms ms away"
pass "link-status(1)'s example: $out"

# README's example of editing live: every command it sends is one link-seq
# --control accepts (with no file, as the example runs it).
block=$(sed -n '/^Editing live:/,/^The replies/p' "$ROOT/README.md")
printf '%s\n' "$block" | grep -o "echo '{[^']*}'" | sed -e "s/^echo '//" -e "s/'\$//" >"$WORK/readme_commands"
count=$(wc -l <"$WORK/readme_commands")
[ "$count" -ge 4 ] || fail "README: no example of editing live with link-seq --control ($count commands found)"
# Not through background(): sh gives an asynchronous list /dev/null for its
# standard input unless the list itself redirects it.
"$BIN/link-seq" --control --backend jsonl --output "$WORK/readme.jsonl" --quiet --timeout 0 \
  <"$WORK/readme_commands" >"$WORK/readme_replies" 2>"$WORK/readme_err" &
seq_pid=$!; PIDS="$PIDS $seq_pid"
replied() { [ "$(wc -l <"$WORK/readme_replies")" -ge "$count" ]; }
wait_for 10 "link-seq's replies to README's commands" replied
kill -INT "$seq_pid"
wait "$seq_pid" || fail "link-seq --control ended with $? on SIGINT: $(cat "$WORK/readme_err")"
jq -e -s 'all(.ok)' "$WORK/readme_replies" >/dev/null || fail "README's commands refused: $(cat "$WORK/readme_replies")"
pass "README: link-seq --control accepted the $count commands of its example of editing live"
