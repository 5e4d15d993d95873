#!/usr/bin/env bash
# vendor-gateway-api-crds: copies the Gateway API CRDs (standard channel) from the
# sigs.k8s.io/gateway-api Go module into mesh-charts/weft/files/gateway-api-crds/ for the chart's
# optional, off-by-default CRD install. Run before packaging the chart; the files are not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
# The version the tests run (tools/test-cluster.env) unless GATEWAY_API_VERSION names another.
version="${GATEWAY_API_VERSION:-$(sed -n 's/^GATEWAY_API_VERSION=//p' tools/test-cluster.env)}"
channel="${GATEWAY_API_CHANNEL:-standard}"
dir=$(GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "sigs.k8s.io/gateway-api@${version}" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/config/crd/$channel" ] || { echo "vendor-gateway-api-crds: $dir/config/crd/$channel not found" >&2; exit 1; }
out=mesh-charts/weft/files/gateway-api-crds
rm -rf "$out" && mkdir -p "$out"
for f in "$dir/config/crd/$channel"/gateway.networking.k8s.io_*.yaml; do cp "$f" "$out/"; done
chmod 644 "$out"/*.yaml
echo "vendor-gateway-api-crds: copied $(ls "$out" | wc -l) CRDs of Gateway API ${version} (${channel}) to $out"
