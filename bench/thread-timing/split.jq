# Each judged clock tick of a `clock-receiver --stdin --log` file, as
# "OURS WRITER PIPE" in microseconds:
#   OURS    how far from the receiver's grid line the tick arrived;
#   WRITER  how far from that line the sender stamped its write (sent_us);
#   PIPE    from the sender's stamp to the receiver's read.
# WRITER and PIPE are "-" for a line without sent_us.
# The receiver puts each tick on its nearest grid line, so a tick later than
# half a step (10.4 ms at 120 BPM: a stalled machine) would look early on
# the next line, its lateness hidden. Where the sender said which time it
# meant the tick for (meant_us), the tick is judged on the receiver's line
# nearest that time instead.
select(.message == "clock" and .warmup == false)
| (60e6 / .tempo / 24) as $step
| (.time_us - .error_us) as $nearest
| (if .meant_us != null then ((.meant_us - $nearest) / $step | round) else 0 end) as $lines
| ($nearest + $lines * $step) as $line
| "\(.time_us - $line | fabs) "
  + (if .sent_us != null then "\(.sent_us - $line | fabs) \(.time_us - .sent_us | fabs)" else "- -" end)
