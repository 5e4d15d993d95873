#!/usr/bin/env bash
# build-test-cluster: builds the test cluster's programs from Go modules, piece by piece, with a cache.
# Takes: tools/kube/go.mod + go.sum (k8s.io/kubernetes pinned, staging modules replaced by published tags),
#   tools/promlint (Prometheus's metrics linter, client_golang pinned), tools/test-cluster.env (the other pins), WEFT_CACHE_DIR (default ~/.cache/weft), and optionally the
#   names of the pieces to build (default: all of them).
# Gives, each piece in its own stamped dir <cache>/<piece>-<version>/:
#   k8s-<v>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,kubelet,kube-proxy,etcd}
#   helm-<v>/bin/helm            gateway-api-<v>/crds/{standard,experimental}/*.yaml + VERSION
#   coredns-<v>/bin/coredns      jaeger-<v>/bin/jaeger
#   promlint-<client_golang v>/bin/promlint   the check `promtool check metrics` runs (client_golang's
#                                promlint), from tools/promlint: not Prometheus's whole module graph
#   h2spec-<v>/bin/h2spec        (the HTTP/2 conformance suite the proxy's HTTP/2 faces are run against)
#   pause-<k8s v>/bin/pause      (build/pause/linux/pause.c of the k8s.io/kubernetes module, gcc -static)
#   conformance-<gateway-api v>/bin/{conformance.test,echo-basic}   the Gateway API conformance suite
#                                (go test -c, from the wrapper module tools/conformance) and its backend
#   istio-echo-<pseudo v>/bin/{server,client} + certs/{cert.crt,cert.key}   Istio's echo (the suite's
#                                echo-advanced image) and the pair from Istio's testdata it serves TLS with
#   and one line per build in <cache>/build-times.log.
# Exits 1 when go is missing (the tiers cannot be built).
# Must not: rebuild a piece whose stamp matches (a fully cached run exits in well under a second),
#   download a Go toolchain (GOTOOLCHAIN=local), or leave a half-written piece in place (each piece
#   builds into a temp dir under its own flock, then is renamed in).
set -euo pipefail
cd "$(dirname "$0")/.."
RECIPE=2
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
command -v go >/dev/null 2>&1 || { echo "build-test-cluster: go not found on PATH: cannot build test tiers kube-cluster, helm and real-node (Kubernetes binaries, helm, Gateway API CRDs, CoreDNS, Jaeger, Prometheus's metrics linter)" >&2; exit 1; }
# shellcheck source=../tools/test-cluster.env
. tools/test-cluster.env

kube_version="$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v1\./ {print $2; exit}' tools/kube/go.mod)"
[ -n "$kube_version" ] || kube_version="$(sed -n 's/^require k8s.io\/kubernetes \(v1[.0-9]*\)$/\1/p' tools/kube/go.mod)"
[ -n "$kube_version" ] || { echo "build-test-cluster: cannot read the k8s.io/kubernetes version from tools/kube/go.mod" >&2; exit 1; }
promlint_version="$(awk '$1=="github.com/prometheus/client_golang" {print $2; exit}' tools/promlint/go.mod)"
[ -n "$promlint_version" ] || { echo "build-test-cluster: cannot read the client_golang version from tools/promlint/go.mod" >&2; exit 1; }
cache_root="${WEFT_CACHE_DIR:-${HOME:-/tmp}/.cache/weft}"
goversion="$(go env GOVERSION)"
now() { date +%s; }
building=""
trap '[ -z "$building" ] || { rm -rf "$building"; echo "build-test-cluster: failed; nothing of that piece was replaced" >&2; }' EXIT

# piece NAME VERSION KEY-INPUT BUILD-FUNCTION: runs BUILD-FUNCTION TMPDIR unless <cache>/NAME-VERSION's
# stamp equals the key; the function fills TMPDIR with the piece's files.
piece() {
  local name="$1" version="$2" input="$3" build="$4"
  local dir="$cache_root/$name-$version" key t0 tmp lock
  key="$(printf '%s\nrecipe=%s %s\n' "$input" "$RECIPE" "$goversion" | sha256sum | cut -c1-16)"
  mkdir -p "$dir"
  exec {lock}>"$dir/.lock"
  flock "$lock"
  if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$key" ]; then
    echo "build-test-cluster: $name $version cached ($dir)"
    exec {lock}>&-
    return 0
  fi
  t0=$(now)
  tmp="$(mktemp -d "$dir/.build.XXXXXX")"
  building="$tmp"
  echo "build-test-cluster: building $name $version ..."
  "$build" "$tmp"
  find "$dir" -mindepth 1 -maxdepth 1 ! -name '.lock' ! -name '.build.*' -exec rm -rf {} +
  find "$tmp" -mindepth 1 -maxdepth 1 -exec mv {} "$dir/" \;
  rmdir "$tmp"
  building=""
  echo "$key" > "$dir/stamp"
  echo "$(date -u +%FT%TZ) $name-$version key=$key took=$(( $(now) - t0 ))s" >> "$cache_root/build-times.log"
  echo "build-test-cluster: $name $version took $(( $(now) - t0 )) s"
  exec {lock}>&-
}

# Downloads MODULE@VERSION and prints its directory in the module cache.
module_dir() { (cd "$1" && go mod download -json "$2" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); }

build_k8s() {
  local minor="${kube_version#v1.}" ld="-s -w" pkg
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$1/bin"
  (cd tools/kube && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "$ld" -o "$1/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy ./etcd)
}

build_helm() {
  (cd "$1" && GOBIN="$1/bin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
}

build_gateway_api() {
  local src
  src="$(module_dir "$1" "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
  [ -d "$src/config/crd/standard" ] || { echo "build-test-cluster: gateway-api module has no config/crd/standard" >&2; return 1; }
  mkdir -p "$1/crds"
  cp -r "$src/config/crd/standard" "$src/config/crd/experimental" "$1/crds/"
  chmod -R u+w "$1/crds"
  echo "$GATEWAY_API_VERSION" > "$1/crds/VERSION"
}

build_coredns() {
  (cd "$1" && CGO_ENABLED=0 GOBIN="$1/bin" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION")
}

# The module's go.mod has a replace directive, so `go install …@version` refuses it: build in a copy.
build_jaeger() {
  local src
  src="$(module_dir "$1" "github.com/jaegertracing/jaeger@$JAEGER_VERSION")"
  cp -r "$src" "$1/src"
  chmod -R u+w "$1/src"
  (cd "$1/src" && CGO_ENABLED=0 GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w" -o "$1/bin/jaeger" ./cmd/jaeger)
  rm -rf "$1/src"
}

# What `promtool check metrics` runs, from tools/promlint (its go.mod pins the libraries at the
# versions Prometheus's release pins): a few modules instead of Prometheus's whole graph.
build_promlint() {
  mkdir -p "$1/bin"
  (cd tools/promlint && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$1/bin/promlint" .)
}

build_h2spec() {
  (cd "$1" && CGO_ENABLED=0 GOBIN="$1/bin" go install -trimpath -ldflags "-s -w" "github.com/summerwind/h2spec/cmd/h2spec@$H2SPEC_VERSION")
}

# The suite's test binary and echo-basic, from tools/conformance (its go.mod requires gateway-api and
# gateway-api/conformance at GATEWAY_API_VERSION: the CRDs and the suite must be one version).
build_conformance() {
  local m
  for m in sigs.k8s.io/gateway-api sigs.k8s.io/gateway-api/conformance; do
    grep -Eq "(^require|^	)[[:space:]]*$m $GATEWAY_API_VERSION( |\$)" tools/conformance/go.mod \
      || { echo "build-test-cluster: tools/conformance/go.mod does not require $m $GATEWAY_API_VERSION (GATEWAY_API_VERSION in tools/test-cluster.env)" >&2; return 1; }
  done
  mkdir -p "$1/bin"
  (cd tools/conformance && go test -c -trimpath -ldflags "-s -w" -o "$1/bin/conformance.test" sigs.k8s.io/gateway-api/conformance)
  (cd tools/conformance && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$1/bin/echo-basic" sigs.k8s.io/gateway-api/conformance/echo-basic)
}

# Istio's echo server and client (istio.io/istio has no semver tags: a pinned pseudo-version), and
# the certificate pair its image carries at /cert.crt and /cert.key (tests/testdata/certs/dns).
build_istio_echo() {
  local src
  (cd "$1" && CGO_ENABLED=0 GOBIN="$1/bin" go install -trimpath -ldflags "-s -w" \
    "istio.io/istio/pkg/test/echo/cmd/server@$ISTIO_ECHO_VERSION" "istio.io/istio/pkg/test/echo/cmd/client@$ISTIO_ECHO_VERSION")
  src="$(module_dir "$1" "istio.io/istio@$ISTIO_ECHO_VERSION")/tests/testdata/certs/dns"
  mkdir -p "$1/certs"
  cp "$src/cert-chain.pem" "$1/certs/cert.crt"
  cp "$src/key.pem" "$1/certs/cert.key"
  chmod 0644 "$1/certs/cert.crt" "$1/certs/cert.key"
}

build_pause() {
  local src
  src="$(module_dir "$1" "k8s.io/kubernetes@$kube_version")/build/pause/linux/pause.c"
  [ -f "$src" ] || { echo "build-test-cluster: $src not found" >&2; return 1; }
  mkdir -p "$1/bin"
  "${CC:-gcc}" -Os -Wall -Werror -static -DVERSION="$kube_version" -o "$1/bin/pause" "$src"
  strip "$1/bin/pause"
}

all=(k8s helm gateway-api coredns jaeger promlint h2spec pause conformance istio-echo)
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=("${all[@]}")
t_all=$(now)
for p in "${wanted[@]}"; do
  case "$p" in
    k8s) piece k8s "$kube_version" "$(cat tools/kube/go.mod tools/kube/go.sum tools/kube/etcd/main.go)" build_k8s ;;
    helm) piece helm "$HELM_VERSION" "helm $HELM_VERSION" build_helm ;;
    gateway-api) piece gateway-api "$GATEWAY_API_VERSION" "gateway-api $GATEWAY_API_VERSION" build_gateway_api ;;
    coredns) piece coredns "$COREDNS_VERSION" "coredns $COREDNS_VERSION cgo=0" build_coredns ;;
    jaeger) piece jaeger "$JAEGER_VERSION" "jaeger $JAEGER_VERSION cgo=0" build_jaeger ;;
    promlint) piece promlint "$promlint_version" "$(cat tools/promlint/go.mod tools/promlint/go.sum tools/promlint/main.go) cgo=0" build_promlint ;;
    h2spec) piece h2spec "$H2SPEC_VERSION" "h2spec $H2SPEC_VERSION cgo=0" build_h2spec ;;
    pause) piece pause "$kube_version" "pause $kube_version $(${CC:-gcc} --version | head -1)" build_pause ;;
    conformance) piece conformance "$GATEWAY_API_VERSION" "$(cat tools/conformance/go.mod tools/conformance/go.sum tools/conformance/tools.go) cgo-echo=0" build_conformance ;;
    istio-echo) piece istio-echo "$ISTIO_ECHO_VERSION" "istio-echo $ISTIO_ECHO_VERSION cgo=0" build_istio_echo ;;
    *) echo "build-test-cluster: unknown piece '$p' (pieces: ${all[*]})" >&2; exit 2 ;;
  esac
done
echo "build-test-cluster: ${wanted[*]} ready in $(( $(now) - t_all )) s under $cache_root"
