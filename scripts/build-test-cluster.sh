#!/usr/bin/env bash
# build-test-cluster: builds the Kubernetes test-cluster binaries from Go modules, with a cache.
# Takes: tools/kube/go.mod + go.sum (k8s.io/kubernetes pinned, staging modules replaced by published tags),
#   WEFT_CACHE_DIR (default ~/.cache/weft).
# Gives: <cache>/kube-<version>/bin/{kube-apiserver,kube-controller-manager,kubectl,etcd,helm} and
#   <cache>/kube-<version>/crds/{standard,experimental}/*.yaml (Gateway API CRDs shipped in the
#   sigs.k8s.io/gateway-api Go module), plus a stamp keyed on the pinned inputs.
# Exits 1 when go is missing (the tiers cannot be built).
# Must not: rebuild when the stamp matches (exits 0 in well under a second), download a Go toolchain
#   (GOTOOLCHAIN=local), or leave a half-written bin dir in place (builds into a temp dir, then renames).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
HELM_MODULE=helm.sh/helm/v3
HELM_VERSION=v3.21.4
GATEWAY_API_VERSION=v1.6.1
RECIPE=1
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
command -v go >/dev/null 2>&1 || { echo "build-test-cluster: go not found on PATH: cannot build test tiers kube-cluster and helm (kube-apiserver, etcd, kube-controller-manager, kubectl, helm, Gateway API CRDs)" >&2; exit 1; }

kube_version="$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v1\./ {print $2; exit}' tools/kube/go.mod)"
[ -n "$kube_version" ] || kube_version="$(sed -n 's/^require k8s.io\/kubernetes \(v1[.0-9]*\)$/\1/p' tools/kube/go.mod)"
[ -n "$kube_version" ] || { echo "build-test-cluster: cannot read the k8s.io/kubernetes version from tools/kube/go.mod" >&2; exit 1; }
cache="${WEFT_CACHE_DIR:-${HOME:-/tmp}/.cache/weft}/kube-$kube_version"
key="$( { cat tools/kube/go.mod tools/kube/go.sum tools/kube/etcd/main.go; echo "$HELM_MODULE@$HELM_VERSION gateway-api@$GATEWAY_API_VERSION recipe=$RECIPE $(go env GOVERSION)"; } | sha256sum | cut -c1-16)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$key" ]; then
  echo "build-test-cluster: cached ($cache, key $key)"
  exit 0
fi

now() { date +%s; }
t0=$(now)
tmp="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/crds"

minor="${kube_version#v1.}"; minor="${minor%%.*}"
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
echo "build-test-cluster: building Kubernetes $kube_version (kube-apiserver, kube-controller-manager, kubectl, etcd) ..."
(cd tools/kube && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "$ld" -o "$tmp/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl ./etcd)
t1=$(now); echo "build-test-cluster: kubernetes binaries took $((t1 - t0)) s"

echo "build-test-cluster: building helm $HELM_VERSION ..."
(cd "$tmp" && GOBIN="$tmp/bin" go install -trimpath \
  -ldflags "-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION" "$HELM_MODULE/cmd/helm@$HELM_VERSION")
t2=$(now); echo "build-test-cluster: helm took $((t2 - t1)) s"

gwdir="$(cd "$tmp" && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[ -d "$gwdir/config/crd/standard" ] || { echo "build-test-cluster: gateway-api module has no config/crd/standard" >&2; exit 1; }
cp -r "$gwdir/config/crd/standard" "$gwdir/config/crd/experimental" "$tmp/crds/"
chmod -R u+w "$tmp/crds"
echo "$GATEWAY_API_VERSION" > "$tmp/crds/VERSION"

rm -rf "$cache/bin" "$cache/crds"
mv "$tmp/bin" "$cache/bin"
mv "$tmp/crds" "$cache/crds"
echo "$key" > "$cache/stamp"
t3=$(now)
echo "$(date -u +%FT%TZ) key=$key total=$((t3 - t0))s kube=$((t1 - t0))s helm=$((t2 - t1))s" >> "$cache/build-times.log"
echo "build-test-cluster: done in $((t3 - t0)) s -> $cache"
