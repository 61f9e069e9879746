# Debian packages, sourced by scripts/setup and scripts/test.
BUILD_PACKAGES="cmake g++ make pkg-config ableton-link-dev libasio-dev libcli11-dev libfmt-dev nlohmann-json3-dev doctest-dev libjack-jackd2-dev libasound2-dev libsmf-dev libsndfile1-dev libsamplerate0-dev librubberband-dev"
# What the whole-program tests run: a JACK server, LinkHut (the reference
# peer), tmux to drive it, iproute2 and util-linux for network namespaces, jq,
# python3 to write test audio files, and python3-jsonschema to check link-seq
# files against schema/; clang, lld and libclang-rt-14-dev (libFuzzer and the
# sanitizers' runtime, which clang only recommends) for the short fuzz run,
# scripts/fuzz --short.
TEST_PACKAGES="jackd2 jack-midi-clock ableton-link-utils tmux iproute2 util-linux jq procps python3 python3-jsonschema clang lld libclang-rt-14-dev"

# install_packages PKG...: installs what is missing, non-interactively; as
# root directly, otherwise through sudo. Does nothing when all are present.
install_packages() {
  missing=""
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "Installing:$missing" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

# build DIR [CMAKE ARGS...]: configures and builds into DIR (binaries in DIR/bin).
build() {
  dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}
