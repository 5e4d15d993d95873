#!/usr/bin/env bash
# setup-test-deps: installs the system packages and Go-built binaries the test suite needs.
# Idempotent and cached: a second run does no network work.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for cmd in iptables ip; do command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd"); done
if [ "${#need[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables iproute2 >/dev/null
fi
bash scripts/build-native.sh || echo "setup-test-deps: native addon not built now (needs npm ci first); built at first use" >&2
if [ -x scripts/build-test-cluster.sh ]; then bash scripts/build-test-cluster.sh; fi
