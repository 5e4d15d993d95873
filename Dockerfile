# One image for controller, proxy and init: `weft controller`, `weft proxy`, `weft init`.
# Node 24 slim; runs as a non-root user. The proxy runs under UID 1337, which the init rules exclude
# from capture so its own upstream traffic never loops; the init container alone runs as root with
# only NET_ADMIN and NET_RAW (set by the injector).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1337 weft-proxy && useradd --uid 1337 --gid 1337 --no-create-home weft-proxy \
 && groupadd --gid 10001 weft && useradd --uid 10001 --gid 10001 --no-create-home weft
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY cmd ./cmd
COPY pkg ./pkg
COPY injector ./injector
USER 10001
ENTRYPOINT ["node", "/app/cmd/weft.ts"]
