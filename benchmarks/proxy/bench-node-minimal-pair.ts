// bench-node-minimal-pair: the floor for ANY Node sidecar pair, one process per side, for the paced
// side-by-side: "outbound" is a bare node:http server that sends each request over ONE mTLS HTTP/2
// session (node:http2, client certificate, peer verified against the CA) to "inbound", a bare
// node:http2 secure server requiring client certificates that passes each stream to the origin over a
// keep-alive node:http agent. No routing, hygiene, identity check, metrics, retries or rescue: what Weft's
// pair does on the same path, minus Weft. Loopback only.
// Args: <config.json> with {role, port (origin port for inbound, inbound's port for outbound), keyPem,
// certPem, caPem}. Prints {"port":…, "pid":…}; exits on SIGTERM.
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { connect, createSecureServer, type ClientHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";

interface Config {
  role: "inbound" | "outbound";
  port: number;
  keyPem: string;
  certPem: string;
  caPem: string;
}
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Config;
const hop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "host"]);
let port: number;

if (cfg.role === "inbound") {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const server = createSecureServer({ key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, requestCert: true, rejectUnauthorized: true, allowHTTP1: false });
  server.on("stream", (stream, headers) => {
    const out: Record<string, string | string[]> = { host: String(headers[":authority"] ?? "") };
    for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") && v !== undefined) out[k] = v;
    const up = request({ host: "127.0.0.1", port: cfg.port, method: String(headers[":method"]), path: String(headers[":path"]), headers: out, agent }, (r) => {
      const h: Record<string, string | string[]> = { ":status": String(r.statusCode ?? 502) };
      for (const [k, v] of Object.entries(r.headers)) if (!hop.has(k) && v !== undefined) h[k] = v;
      stream.respond(h);
      r.pipe(stream);
    });
    up.on("error", () => {
      if (!stream.headersSent) stream.respond({ ":status": 502 });
      stream.end();
    });
    stream.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
} else {
  let session: ClientHttp2Session | undefined;
  const sessionOf = () => {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    const s = connect(`https://127.0.0.1:${cfg.port}`, { key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, servername: "server.bench" });
    s.on("error", () => {});
    s.once("close", () => {
      if (session === s) session = undefined;
    });
    session = s;
    return s;
  };
  const server = createServer((req, res) => {
    const h: Record<string, string | string[]> = { ":method": req.method ?? "GET", ":path": req.url ?? "/", ":authority": req.headers.host ?? "" };
    for (const [k, v] of Object.entries(req.headers)) if (!hop.has(k) && v !== undefined) h[k] = v;
    const st = sessionOf().request(h, { endStream: req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined });
    st.on("response", (rh) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(rh)) if (!k.startsWith(":") && v !== undefined) out[k] = v;
      res.writeHead(Number(rh[":status"] ?? 502), out);
      st.pipe(res);
    });
    st.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    if (!st.writableEnded) req.pipe(st);
    else req.resume();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
}
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
