#!/usr/bin/env bash
# setup-test-deps: installs the system packages and builds the programs and images the test suite needs.
# Debian packages: iptables, iproute2 (capture tests); containerd, runc, containernetworking-plugins,
# conntrack (the real-node cluster); debootstrap (the base of the Weft image). Then the native addon,
# the test cluster's programs (scripts/build-test-cluster.sh) and, as root, the images
# (scripts/build-images.sh). Idempotent and cached: a second run does no network work.
set -euo pipefail
cd "$(dirname "$0")/.."
# command → Debian package that provides it
declare -A provides=(
  [iptables]=iptables [ip]=iproute2 [containerd]=containerd [runc]=runc [conntrack]=conntrack [debootstrap]=debootstrap
)
need=()
for cmd in "${!provides[@]}"; do command -v "$cmd" >/dev/null 2>&1 || need+=("${provides[$cmd]}"); done
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-test-deps: installing ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "setup-test-deps: not root, not installing ${need[*]} (the tiers that need them report why they cannot run)" >&2
  fi
fi
bash scripts/build-native.sh || echo "setup-test-deps: native addon not built now (needs npm ci first); built at first use" >&2
if [ -x scripts/build-test-cluster.sh ]; then bash scripts/build-test-cluster.sh; fi
if [ "$(id -u)" = 0 ] && [ -x node_modules/.bin/node ] && command -v debootstrap >/dev/null 2>&1; then
  bash scripts/build-images.sh
fi
