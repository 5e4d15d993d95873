// stack-path-child: one measurement for stack-path.bench.ts — the request path alone of the checkout at
// <root> (its own modules): admission, routing, the rule's layers and the relay of an answer, over a fake
// downstream (test/proxy/stack/fakes.ts) and an upstream that answers at once with a 64-byte body, no
// sockets, so what is measured is the path's own JavaScript and the garbage it leaves. A checkout from
// before the request path was a stack (no pkg/proxy/stack/stack.ts) runs planRequest + forward instead.
// Args: <root> <requests>. Prints {"ns_per_req"} (process CPU time per request after 50,000 uncounted).
// BENCH_STACK_FACE=sidecar-outbound: the request comes in on a sidecar's outbound face without routes and
// goes to its Service's cluster (the default destination), as in the mesh's paced pair; else a gateway route.
// Must not: do I/O per request.
import { existsSync } from "node:fs";
import { PassThrough } from "node:stream";
import { FakeDownstream } from "../../test/proxy/stack/fakes.ts";

const [root, countArg] = process.argv.slice(2) as [string, string];
const count = Number(countArg);
const load = (path: string): Promise<Record<string, any>> => import(`${root}/pkg/proxy/${path}`);
const { engineStateOf } = await load("engine-state.ts");
const { compileRoutes } = await load("router-bridge.ts");
const { EndpointChooser } = await load("balance/endpoint-chooser.ts");
const { ProxyMetrics } = await load("metrics.ts");
const { BackendGates } = await load("upstream/backend-gate.ts");
const { RetryBudget } = await load("stack/retry-budget.ts");
const { Mirror } = await load("stack/mirror.ts");
const { defaultLimits } = await load("limits.ts");
const { systemClock } = await load("clock.ts");

const endpoint = { address: "127.0.0.1", port: 9, ready: true, serving: true, terminating: false };
const rule = {
  id: "HTTPRoute/b/r/0",
  route: { kind: "HTTPRoute", namespace: "b", name: "r", generation: 1 },
  ruleIndex: 0,
  filters: [],
  timeouts: {},
  backends: [{ kind: "cluster", cluster: "b/o:80", weight: 1, filters: [] }],
};
const match = { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] };
const routes = compileRoutes({ http: { kind: "http", entries: [{ hostnames: [], match, rule: 0, matchIndex: 0 }], rules: [rule] }, grpc: { kind: "grpc", entries: [], rules: [] } });
const state = engineStateOf({ gateways: [], services: [], secrets: [], clusters: [{ id: "b/o:80", namespace: "b", service: "o", port: 80, protocol: "http1", endpoints: [endpoint] }] }, "v");
const ctx = process.env.BENCH_STACK_FACE === "sidecar-outbound" ?
  { face: "sidecar-outbound", routes: undefined, defaultCluster: "b/o:80", destinationPort: 80, scheme: "http", label: "bench" } :
  { face: "gateway", routes, destinationPort: 80, scheme: "http", label: "bench" };
const chunk = Buffer.alloc(64, 120);
const answer = {
  status: 200,
  headers: { "content-type": "text/plain", "content-length": "64" },
  body: new PassThrough(),
  endStream: false,
  trailers: () => undefined,
  relayTo: (sink: { data(c: Buffer): boolean; end(t?: unknown): void }) => {
    sink.data(chunk);
    sink.end(undefined);
  },
};
// An attempt that answers at once: through report() where the checkout's stack asks for it, else its promise.
const upstream = {
  target: (_c: unknown, e: typeof endpoint) => ({ address: e.address, port: e.port, protocol: "http1" }),
  send: () => ({ response: Promise.resolve(answer), report: (to: { answer(r: unknown): void }) => to.answer(answer), abort() {} }),
};
const chooser = new EndpointChooser("p2c-ewma", Math.random);
const metrics = new ProxyMetrics();
const parts = {
  chooser,
  upstream,
  metrics,
  limits: defaultLimits,
  clock: systemClock,
  tracing: undefined,
  telemetry: undefined,
  gates: new BackendGates({ maxConnections: 1e6, maxPendingRequests: 1e6, maxRequests: 1e6 }),
  budget: new RetryBudget({}, Date.now()),
  mirror: new Mirror(chooser, upstream, metrics, Math.random),
};
const downstream = () => Object.assign(new FakeDownstream(), { target: "/api/x?y=1", headers: { host: "example.test", "user-agent": "bench", accept: "*/*" } });

let one: () => Promise<void>;
if (existsSync(`${root}/pkg/proxy/stack/stack.ts`)) {
  const { requestPath } = await load("stack/stack.ts");
  const path = requestPath({ ...parts, random: Math.random, accessLog: undefined, log: () => {}, state: () => state, onDone: () => {} });
  path.compile(state);
  one = () => {
    const { req, destination } = path.decide(downstream(), ctx);
    // An exchange reports its end through a callback (ExchangeReport) since 9c3aa04; before, it was a promise.
    if (destination.forward.length < 2) return destination.forward(req);
    return new Promise<void>((done, fail) => destination.forward(req, { done, fail }));
  };
} else {
  const { planRequest } = await load("stack/request-plan.ts");
  const { forward } = await load("stack/forward.ts");
  one = () => {
    const down = downstream();
    return forward(down, planRequest(down, ctx, state, defaultLimits, Math.random), state, parts, undefined, undefined);
  };
}
const run = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i += 100) {
    const batch: Promise<void>[] = [];
    for (let j = 0; j < 100; j++) batch.push(one());
    await Promise.all(batch);
  }
};
await run(50_000);
const before = process.cpuUsage();
await run(count);
const used = process.cpuUsage(before);
process.stdout.write(`${JSON.stringify({ ns_per_req: Math.round(((used.user + used.system) * 1000) / count) })}\n`);
