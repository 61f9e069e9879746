# shellcheck shell=sh
# Sourced first by every script that enables Link (the benchmarks): runs the
# script again, with its arguments, inside scripts/netns, a private network
# namespace with only loopback up, unless it already runs in one.
#   . "$(dirname "$0")/../scripts/in-netns.sh"
if [ "${LINK_TOOLS_IN_NETNS:-}" != "1" ]; then
  exec "$(cd "$(dirname "$0")/.." && pwd)/scripts/netns" "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" "$@"
fi
