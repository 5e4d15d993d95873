// bench-node-minimal: the floor for any node:http proxy — a bare keep-alive pass-through with no routing,
// hygiene, metrics or rescue. The benchmark runs it beside Weft so Weft's own overhead is visible.
// Args: <originPort>. Prints {"port":…, "pid":…}; exits on SIGTERM.
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const target = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const server = createServer((req, res) => {
  const up = request({ host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
