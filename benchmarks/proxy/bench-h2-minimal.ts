// bench-h2-minimal: the floor for any node:http2 proxy — a bare h2c pass-through (node:http2 server,
// stream API → one node:http2 client session per origin → the answer and its trailers relayed back) with
// no routing, hygiene, metrics or rescue. The benchmark runs it beside Weft over h2c and gRPC unary so
// the cost of node's HTTP/2 itself is visible. Requests for /bench.Echo/* go to the gRPC origin, the
// rest to the h2c origin. Loopback only.
// Args: <h2OriginPort> <grpcOriginPort>. Prints {"port":…, "pid":…}; exits on SIGTERM.
import { connect, createServer, type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";

const h2Port = Number(process.argv[2]);
const grpcPort = Number(process.argv[3]);
const sessions = new Map<number, ClientHttp2Session>();
const sessionTo = (port: number): ClientHttp2Session => {
  const s = sessions.get(port);
  if (s !== undefined && !s.closed && !s.destroyed) return s;
  const fresh = connect(`http://127.0.0.1:${port}`);
  fresh.on("error", () => {});
  fresh.once("close", () => {
    if (sessions.get(port) === fresh) sessions.delete(port);
  });
  sessions.set(port, fresh);
  return fresh;
};

const server = createServer();
server.on("stream", (down, headers) => {
  const path = String(headers[":path"] ?? "/");
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && k !== ":scheme") out[k] = v;
  const grpc = path.startsWith("/bench.Echo/");
  const up = sessionTo(grpc ? grpcPort : h2Port).request(out, { endStream: down.readableEnded });
  const copy = (h: Record<string, unknown>) => {
    const o: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined) o[k] = v as string | string[];
    return o;
  };
  let trailers: OutgoingHttpHeaders = {};
  up.on("trailers", (t) => {
    trailers = copy(t);
  });
  up.on("response", (h) => {
    if (down.destroyed) {
      up.close();
      return;
    }
    down.respond(copy(h), { waitForTrailers: grpc });
    if (grpc) down.once("wantTrailers", () => down.sendTrailers(trailers));
    up.pipe(down);
  });
  up.on("error", () => {
    if (down.destroyed) return;
    if (!down.headersSent) down.respond({ ":status": 502 });
    down.end();
  });
  down.on("error", () => {});
  down.on("close", () => {
    if (!up.closed) up.close();
  });
  if (!down.readableEnded) down.pipe(up);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
