# shellcheck shell=sh
# N separate hosts on one machine, for tests and benchmarks that need Link
# peers on different addresses: sourced by tests/cli/test_hosts.sh and
# bench/many-hosts/run, after scripts/harness.sh (whose cleanup calls
# hosts_destroy).
#
#   hosts_create N       hosts 1..N, host K at 10.77.0.K/24 on its eth0
#   on_host K CMD...     runs CMD in host K's network namespace
#   on_host_bg K CMD...  the same in the background; HOST_PID is CMD's own PID
#                        (`on_host K CMD &` would give the PID of a subshell)
#   host_netns K         the file that holds host K's namespace (for nsenter --net=)
#   host_unplug K        pulls host K's cable: its port on the bridge goes
#   host_plug K          down, so its eth0 loses carrier; nothing on the host changes
#   host_down K          `ip link set eth0 down` on host K (Link there drops the
#   host_up K            interface at once); up again with its multicast route
#                        (Link finds it at its next interface scan, within 5 s)
#   hosts_destroy        ends whatever still runs on the hosts, removes them
#
# The network: a bridge (hbr0) in the outer namespace, and for each host a
# veth pair, eth0 in the host and vhK on the bridge. Each host has lo up and
# a route for 224.0.0.0/4 via eth0, so Link's multicast (224.76.78.75:20808)
# crosses the bridge to every other host. lo matters too: Link loops its
# multicast back only on its loopback gateway, so processes on one host find
# each other there.
#
# Everything is made inside the private namespace of scripts/netns
# (`unshare -nm`: its own network and mount namespace, only loopback up), and
# hosts_create refuses to run anywhere else, so no packet can leave the
# machine: the bridge has no physical port. The harness's cleanup, on exit
# and on INT, TERM, HUP and PIPE, calls hosts_destroy after ending the
# processes the script started on the hosts (a shell killed by a signal it
# does not trap runs no EXIT trap). The network goes with the private namespace in any case: the
# files that hold the hosts' namespaces are bind mounts of its mount
# namespace, and the bridge and the vhK ends are devices of its network
# namespace. A process left running on a host is not ended by that, though:
# it keeps its host's namespace, cut off from everything; hosts_destroy ends
# whatever still runs on the hosts.
#
# Why files and nsenter, not `ip netns add`: ip netns keeps its namespaces in
# /run/netns, which does not exist on this machine; making it (even under a
# private tmpfs) would leave a directory on the real /run. `unshare
# --net=FILE` keeps a namespace alive by a bind mount on FILE, in our own
# temporary directory and our private mount namespace, with no holder
# process to clean up; `nsenter --net=FILE` runs a command in it.
#
# Needs: ip (iproute2), unshare and nsenter (util-linux); root, or the user
# namespace scripts/netns makes for others.

HOSTS_DIR=""
HOSTS_COUNT=0
HOSTS_BRIDGE=hbr0
# POSIX sh has no local variables: the functions' own start with _h_, so a
# caller's loop over k survives an on_host.

hosts_die() {
  echo "hosts: error: $*" >&2
  exit 1
}

# We must be in a network and a mount namespace of our own, with nothing but
# loopback: checked on the system itself, not only by scripts/netns's
# LINK_TOOLS_IN_NETNS.
hosts_check_private() {
  [ "${LINK_TOOLS_IN_NETNS:-}" = "1" ] \
    || hosts_die "refusing to make hosts outside a private network namespace: use scripts/netns"
  for _h_tool in ip unshare nsenter; do
    command -v "$_h_tool" >/dev/null || hosts_die "$_h_tool not found (iproute2, util-linux)"
  done
  # PID 1 is the machine's init (scripts/netns makes no PID namespace); as
  # root its namespaces are readable, and ours must differ from them.
  for _h_ns in net mnt; do
    _h_init=$(readlink "/proc/1/ns/$_h_ns" 2>/dev/null) || continue
    [ "$_h_init" != "$(readlink "/proc/self/ns/$_h_ns")" ] \
      || hosts_die "refusing: this shell is in the machine's own $_h_ns namespace"
  done
  _h_others=$(ip -o link show | awk -F': ' '$2 != "lo" { print $2 }' | tr '\n' ' ')
  [ -z "$_h_others" ] || hosts_die "refusing: this namespace has interfaces besides lo: $_h_others"
}

host_netns() { echo "$HOSTS_DIR/host$1"; }

on_host() {
  _h_ns=$(host_netns "$1"); shift
  [ -e "$_h_ns" ] || hosts_die "no such host: $_h_ns"
  nsenter --net="$_h_ns" "$@"
}

# nsenter execs CMD, so $! is CMD's PID.
on_host_bg() {
  _h_ns=$(host_netns "$1"); shift
  [ -e "$_h_ns" ] || hosts_die "no such host: $_h_ns"
  nsenter --net="$_h_ns" "$@" &
  # shellcheck disable=SC2034 # read by the caller
  HOST_PID=$!
}

# hosts_create N: hosts 1..N (N at most 250), connected, addressed and up.
hosts_create() {
  _h_n=$1
  if [ "$_h_n" -lt 1 ] || [ "$_h_n" -gt 250 ]; then
    hosts_die "hosts_create: expected 1..250 hosts, got $_h_n"
  fi
  hosts_check_private
  HOSTS_DIR=$(mktemp -d)
  # Snooping off: without an IGMP querier on this bridge, a snooping bridge
  # forwards a group only to the ports it has seen join, and forgets them
  # after the membership interval; a plain bridge floods it to every port.
  ip link add "$HOSTS_BRIDGE" type bridge mcast_snooping 0 || hosts_die "cannot add the bridge"
  ip link set "$HOSTS_BRIDGE" up
  _h_k=1
  while [ "$_h_k" -le "$_h_n" ]; do
    _h_file=$(host_netns "$_h_k")
    : >"$_h_file"
    unshare --net="$_h_file" true || hosts_die "cannot make host $_h_k's namespace"
    HOSTS_COUNT=$_h_k
    # The pair is made inside the host and its other end put in ours (by our PID).
    on_host "$_h_k" ip link add eth0 type veth peer name "vh$_h_k" netns $$ \
      || hosts_die "cannot add host $_h_k's veth pair"
    ip link set "vh$_h_k" master "$HOSTS_BRIDGE" up
    on_host "$_h_k" sh -c "ip link set lo up && ip addr add 10.77.0.$_h_k/24 dev eth0 &&
                           ip link set eth0 up && ip route add 224.0.0.0/4 dev eth0" \
      || hosts_die "cannot configure host $_h_k"
    _h_k=$((_h_k + 1))
  done
}

host_unplug() { ip link set "vh$1" down; }
host_plug() { ip link set "vh$1" up; }
host_down() { on_host "$1" ip link set eth0 down; }
# Taking eth0 down dropped its routes; the kernel restores the subnet's, not ours.
host_up() { on_host "$1" sh -c 'ip link set eth0 up && ip route replace 224.0.0.0/4 dev eth0'; }

# hosts_pids K: the processes whose network namespace is host K's.
hosts_pids() {
  _h_inode=$(stat -L -c %i "$(host_netns "$1")" 2>/dev/null) || return 0
  for _h_ns in /proc/[0-9]*/ns/net; do
    [ "$(readlink "$_h_ns" 2>/dev/null)" = "net:[$_h_inode]" ] || continue
    _h_pid=${_h_ns#/proc/}; echo "${_h_pid%%/*}"
  done
}

# hosts_destroy: ends what still runs on the hosts (the caller ends its own
# first, in the order it needs), then removes the hosts and the bridge. Safe
# to call twice, after a partial hosts_create, and from a trap under set -e
# (no command in it fails).
hosts_destroy() {
  [ -n "$HOSTS_DIR" ] || return 0
  _h_left=""
  _h_k=1
  while [ "$_h_k" -le "$HOSTS_COUNT" ]; do
    _h_pids=$(hosts_pids "$_h_k")
    [ -z "$_h_pids" ] || _h_left="$_h_left $_h_pids"
    _h_k=$((_h_k + 1))
  done
  # shellcheck disable=SC2086 # a list of PIDs
  if [ -n "$_h_left" ]; then
    kill $_h_left 2>/dev/null || true
    sleep 0.2
    kill -KILL $_h_left 2>/dev/null || true
  fi
  _h_k=1
  while [ "$_h_k" -le "$HOSTS_COUNT" ]; do
    # Deleting our end deletes the pair at once; the namespace itself goes
    # when its last reference, the bind mount, does.
    ip link del "vh$_h_k" 2>/dev/null || true
    umount "$(host_netns "$_h_k")" 2>/dev/null || true
    _h_k=$((_h_k + 1))
  done
  ip link del "$HOSTS_BRIDGE" 2>/dev/null || true
  rm -rf "$HOSTS_DIR" || true
  HOSTS_DIR=""
  HOSTS_COUNT=0
}
