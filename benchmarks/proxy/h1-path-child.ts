// h1-path-child: one measurement for h1-path.bench.ts — Weft's whole HTTP/1.1 proxy path of the checkout at
// <root> (its own modules) in one process with no sockets: the engine (bench-weft.ts's route table) serves
// fake downstream connections (Duplex streams without a native handle, so the front reads "data" events)
// fed wrk's request, and dials fake upstream connections (node:net's connect replaced, through
// syncBuiltinESMExports) fed node:http's answer (64-byte body). What is measured is the JavaScript of the
// front, the parser, the stack, the upstream connection and the answer's relay, and the garbage they leave:
// not the system calls, not node's socket read path. Args: <root> <requests> [connections, default 8].
// Prints {"ns_per_req"} (process CPU time per request after 100,000 uncounted).
// Must not: open a socket, or be read as the proxy's CPU per request (bench-weft under wrk is that).
import net from "node:net";
import { syncBuiltinESMExports } from "node:module";
import { Duplex } from "node:stream";

const [root, countArg, connsArg] = process.argv.slice(2) as [string, string, string | undefined];
const count = Number(countArg);
const conns = Number(connsArg ?? 8);
const answer = Buffer.from(
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\nDate: Mon, 07 Dec 2026 23:20:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\n"
    + "x".repeat(64),
);
const request = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1:40000\r\n\r\n");

/** A connection without a native handle: what is written goes to `onWrite`, what it reads is pushed. */
class Fake extends Duplex {
  remoteAddress = "127.0.0.1";
  onWrite: (c: Buffer) => void = () => {};
  constructor() {
    super({ allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(c: Buffer, _e: string, cb: () => void): void {
    this.onWrite(c);
    cb();
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

/** Upstream connections with a request written and no answer yet. */
let asked: Fake[] = [];
let answered = 0;
(net as { connect: unknown }).connect = () => {
  const s = new Fake();
  s.onWrite = () => asked.push(s);
  // A dialled connection is usable a turn later.
  setImmediate(() => s.emit("connect"));
  return s;
};
syncBuiltinESMExports();

const load = (path: string): Promise<Record<string, any>> => import(`${root}/pkg/proxy/${path}`);
const { createHttpEngine } = await load("engine.ts");
const { engineStateOf } = await load("engine-state.ts");
const { compileRoutes } = await load("router-bridge.ts");
const ep = (port: number) => ({ address: "127.0.0.1", port, ready: true, serving: true, terminating: false });
const rule = (i: number, cluster: string) => ({
  id: `HTTPRoute/bench/r/${i}`,
  route: { kind: "HTTPRoute", namespace: "bench", name: "r", generation: 1 },
  ruleIndex: i,
  filters: [],
  backends: [{ kind: "cluster", cluster, weight: 1, filters: [] }],
  timeouts: {},
});
const prefixMatch = (value: string) => ({ kind: "http", path: { type: "PathPrefix", value }, headers: [], queryParams: [] });
const routes = compileRoutes({
  http: {
    kind: "http",
    entries: [{ hostnames: [], match: prefixMatch("/h2"), rule: 0, matchIndex: 0 }, { hostnames: [], match: prefixMatch("/"), rule: 1, matchIndex: 0 }],
    rules: [rule(0, "bench/origin-h2:80"), rule(1, "bench/origin:80")],
  },
  grpc: { kind: "grpc", entries: [], rules: [] },
});
const engine = createHttpEngine({ limits: { maxConnections: 100_000 } });
engine.setState(engineStateOf({
  gateways: [],
  services: [],
  secrets: [],
  clusters: [
    { id: "bench/origin:80", namespace: "bench", service: "origin", port: 80, protocol: "http1", endpoints: [ep(9)] },
    { id: "bench/origin-h2:80", namespace: "bench", service: "origin-h2", port: 80, protocol: "h2c", endpoints: [ep(10)] },
  ],
}, "bench"));

const downs: Fake[] = [];
for (let i = 0; i < conns; i++) {
  const d = new Fake();
  d.onWrite = (c) => {
    if (c.length > 64) answered++;
  };
  engine.serveConnection(d, { face: "gateway", routes, destinationPort: 8080, scheme: "http", label: "bench" });
  downs.push(d);
}
await new Promise((r) => setTimeout(r, 50));

/** `n` requests, one per connection at a time: every connection's request, then every answer. */
async function run(n: number): Promise<void> {
  for (let done = 0; done < n; done += conns) {
    for (const d of downs) d.push(request);
    while (asked.length < conns) await new Promise((r) => setImmediate(r));
    const a = asked;
    asked = [];
    for (const u of a) u.push(answer);
    if ((done / conns) % 64 === 0) await new Promise((r) => setImmediate(r));
  }
}
await run(100_000);
const before = process.cpuUsage();
const was = answered;
await run(count);
const used = process.cpuUsage(before);
if (answered - was < count) throw new Error(`only ${answered - was} of ${count} answers written`);
process.stdout.write(`${JSON.stringify({ ns_per_req: Math.round(((used.user + used.system) * 1000) / count) })}\n`);
process.exit(0);
