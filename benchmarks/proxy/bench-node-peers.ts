// bench-node-peers: the reverse proxies a Node user would pick instead of Weft, configured the way their
// READMEs show, for the proxy benchmark to run on the same work as Weft (issue goal: Weft ahead of both on
// CPU per request and p99):
// - "http-proxy" (node-http-proxy 1.18): a node:http server handing every request to `proxy.web` with a
//   keep-alive agent and X-Forwarded-For (`xfwd`); HTTP/1.1 only (it has no HTTP/2 client or server);
// - "fastify-http-proxy" (@fastify/http-proxy 11 on fastify 5, logger off): HTTP/1.1 to the HTTP/1.1
//   origin through @fastify/reply-from's undici pool, and a second fastify with `http2: true` (h2c,
//   prior knowledge) proxying to the h2c origin with reply-from's `http2` client.
// Both add an X-Request-Id as Weft and the nginx reference do. Args: <peer> <h1OriginPort> <h2OriginPort>.
// Prints {"port":…, "h2cPort":… (fastify only), "pid":…} on loopback; exits on SIGTERM.
import { randomUUID } from "node:crypto";
import { Agent, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fastifyHttpProxy from "@fastify/http-proxy";
import Fastify from "fastify";
import httpProxy from "http-proxy";

const [peer, h1Origin, h2Origin] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

async function httpProxyPeer(): Promise<{ port: number }> {
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${h1Origin}`, agent: new Agent({ keepAlive: true, maxSockets: 512 }), xfwd: true });
  proxy.on("proxyReq", (proxyReq) => proxyReq.setHeader("x-request-id", randomUUID()));
  proxy.on("error", (_err, _req, res) => {
    if ("writeHead" in res && !res.headersSent) res.writeHead(502);
    res.end();
  });
  const server = createServer((req, res) => proxy.web(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port };
}

async function fastifyPeer(): Promise<{ port: number; h2cPort: number }> {
  const requestId = { rewriteRequestHeaders: (_req: unknown, headers: Record<string, unknown>) => ({ ...headers, "x-request-id": randomUUID() }) };
  const h1 = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  await h1.register(fastifyHttpProxy, { upstream: `http://127.0.0.1:${h1Origin}`, replyOptions: requestId });
  await h1.listen({ port: 0, host: "127.0.0.1" });
  const h2 = Fastify({ logger: false, http2: true });
  await h2.register(fastifyHttpProxy, { upstream: `http://127.0.0.1:${h2Origin}`, http2: true, replyOptions: requestId });
  await h2.listen({ port: 0, host: "127.0.0.1" });
  return { port: (h1.server.address() as AddressInfo).port, h2cPort: (h2.server.address() as AddressInfo).port };
}

const ports = peer === "http-proxy" ? await httpProxyPeer() : peer === "fastify-http-proxy" ? await fastifyPeer() : undefined;
if (ports === undefined) {
  process.stderr.write(`bench-node-peers: unknown peer ${String(peer)} (http-proxy or fastify-http-proxy)\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ ...ports, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
