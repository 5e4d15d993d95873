#!/bin/sh
# setup: install the reference proxies and load generators the proxy benchmark compares against
# (Debian packages, only when missing): nginx-light, haproxy, wrk, and h2load (nghttp2-client).
set -eu
missing=""
command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
command -v haproxy >/dev/null 2>&1 || missing="$missing haproxy"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The packages start system services on install; the benchmark runs its own instances.
(command -v systemctl >/dev/null 2>&1 && systemctl stop nginx haproxy 2>/dev/null) || true
(service nginx stop >/dev/null 2>&1; service haproxy stop >/dev/null 2>&1) || true
echo "setup ok: $(nginx -v 2>&1) / $(haproxy -v 2>&1 | head -1) / $(wrk --version 2>&1 | head -1)"
