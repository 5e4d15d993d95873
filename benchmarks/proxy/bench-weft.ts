// bench-weft: one Weft proxy as a child process for the benchmark: an engine with a small route table
// (so routing is measured) in front of the origin's h1, h2c and gRPC ports. Args: <h1Port> <h2Port> <grpcPort>.
// BENCH_H2_FACE=own|node picks the downstream HTTP/2 face (limits.h2Face; unset: the engine's default).
// Prints {"port":…, "pid":…}; exits on SIGTERM.
import { createServer, type AddressInfo } from "node:net";
import type { RouteTablesIR } from "../../pkg/ir/types.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { compileRoutes } from "../../pkg/proxy/router-bridge.ts";

const h1Port = Number(process.argv[2]);
const h2Port = Number(process.argv[3]);
const grpcPort = Number(process.argv[4]);
const ep = (port: number) => ({ address: "127.0.0.1", port, ready: true, serving: true, terminating: false });
const rule = (i: number, cluster: string) => ({
  id: `HTTPRoute/bench/r/${i}`,
  route: { kind: "HTTPRoute" as const, namespace: "bench", name: "r", generation: 1 },
  ruleIndex: i,
  filters: [],
  backends: [{ kind: "cluster" as const, cluster, weight: 1, filters: [] }],
  timeouts: {},
});
const tables: RouteTablesIR = {
  http: {
    kind: "http",
    entries: [
      { hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/h2" }, headers: [], queryParams: [] }, rule: 0, matchIndex: 0 },
      { hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] }, rule: 1, matchIndex: 0 },
    ],
    rules: [rule(0, "bench/origin-h2:80"), rule(1, "bench/origin:80")],
  },
  grpc: {
    kind: "grpc",
    entries: [{ hostnames: [], match: { kind: "grpc", method: { type: "Exact", service: "bench.Echo" }, headers: [] }, rule: 0, matchIndex: 0 }],
    rules: [{ ...rule(0, "bench/origin-grpc:50051"), id: "GRPCRoute/bench/g/0", route: { kind: "GRPCRoute", namespace: "bench", name: "g", generation: 1 } }],
  },
};
const face = process.env.BENCH_H2_FACE;
const engine = createHttpEngine({ limits: { maxConnections: 100_000, ...(face === "own" || face === "node" ? { h2Face: face } : {}) } });
engine.setState(engineStateOf({
  gateways: [],
  services: [],
  secrets: [],
  clusters: [
    { id: "bench/origin:80", namespace: "bench", service: "origin", port: 80, protocol: "http1", endpoints: [ep(h1Port)] },
    { id: "bench/origin-h2:80", namespace: "bench", service: "origin-h2", port: 80, protocol: "h2c", endpoints: [ep(h2Port)] },
    { id: "bench/origin-grpc:50051", namespace: "bench", service: "origin-grpc", port: 50051, protocol: "grpc", endpoints: [ep(grpcPort)] },
  ],
}, "bench"));
const routes = compileRoutes(tables);
let port = 0;
const server = createServer({ noDelay: true }, (s) => engine.serveConnection(s, { face: "gateway", routes, destinationPort: port, scheme: "http", label: "bench" }));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
port = (server.address() as AddressInfo).port;
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
// Profiling aid: BENCH_EXIT_MS=N exits normally after N ms (so --cpu-prof can write its profile).
if (process.env.BENCH_EXIT_MS !== undefined) setTimeout(() => process.exit(0), Number(process.env.BENCH_EXIT_MS));
