# bench/thread-timing/split.jq on a receiver log: a tick the machine stalled
# for more than half a step is judged on the line it was meant for. The
# lines are those of a run of bench/thread-timing/run (2026-12-07 09:44),
# where a stall of CPU 1 sent tick 414 out 20 ms late and the receiver put it
# 810 us early on line 415; the split reported 810 us for it and 2.1 ms as
# the round's max. meant_us, which that receiver did not log yet, is each
# line's grid time, and 414's own for the late tick. Also: a line without
# meant_us (an older log) is judged on its nearest line, as before; one
# without sent_us has no split; warm-up and other messages are left out.
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/scripts/harness.sh"
cat >"$WORK/ticks.jsonl" <<'LOG'
{"time_us":48154638119,"message":"clock","tick":2,"error_us":10262,"tempo":120,"warmup":true,"sent_us":48154607024,"meant_us":48154607000}
{"time_us":48163169539,"message":"clock","tick":412,"error_us":15,"tempo":120,"warmup":false,"sent_us":48163169524,"meant_us":48163169524}
{"time_us":48163190371,"message":"clock","tick":413,"error_us":14,"tempo":120,"warmup":false,"sent_us":48163190357,"meant_us":48163190357}
{"time_us":48163231214,"message":"clock","tick":415,"error_us":-810,"tempo":120,"warmup":false,"sent_us":48163231186,"meant_us":48163211190}
{"time_us":48163232030,"message":"clock","tick":415,"error_us":6,"tempo":120,"warmup":false,"sent_us":48163232024,"meant_us":48163232024}
{"time_us":48163231214,"message":"clock","tick":415,"error_us":-810,"tempo":120,"warmup":false,"sent_us":48163231186,"meant_us":null}
{"time_us":48163252871,"message":"clock","tick":416,"error_us":14,"tempo":120,"warmup":false,"sent_us":null,"meant_us":null}
{"time_us":48163252900,"message":"start","tick":416,"error_us":43,"tempo":120,"warmup":false,"sent_us":48163252857,"meant_us":48163252857}
LOG
jq -r -f "$repo/bench/thread-timing/split.jq" "$WORK/ticks.jsonl" >"$WORK/split.txt" || fail "split.jq failed"
# Expected, to the microsecond: ours, writer, pipe.
cat >"$WORK/expected.txt" <<'EXPECTED'
15 0 15
14 0 14
20023 19995 28
6 0 6
810 838 28
14 - -
EXPECTED
awk '{ printf "%s", ($1 == "-" ? "-" : sprintf("%.0f", $1)); for (i = 2; i <= NF; i++) printf " %s", ($i == "-" ? "-" : sprintf("%.0f", $i)); printf "\n" }' \
  "$WORK/split.txt" >"$WORK/rounded.txt"
diff "$WORK/expected.txt" "$WORK/rounded.txt" >"$WORK/diff.txt" || fail "split.jq: expected and got differ: $(cat "$WORK/diff.txt")"
pass "split.jq: a tick 20 ms late is judged 20 ms late, not 810 us early"
