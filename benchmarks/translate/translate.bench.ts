// translate benchmark: full translate of 1,000 and 10,000 HTTPRoutes over 1,000 Services (10
// namespaces, 3 endpoints each; half the routes on a Gateway, half GAMMA producer routes), and the
// endpoint-only fast path (translateEndpoints) on the 10,000-route set after one slice changed and
// after every slice changed. Prints one JSON object per line: median/min wall ms and median CPU ms
// over N runs, heap MB.
// Also parseManifests of the 10,000-route set as multi-document YAML and as one JSON List.
// Goals (issue 2): 10,000 routes < 1 s; endpoint update < 20 ms.
// Must not: touch the network or the file system.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { EndpointSlice, Gateway, GatewayClass, HTTPRoute, ResourceSnapshot, Service } from "../../pkg/api/index.ts";
import { emptySnapshot, parseManifests } from "../../pkg/api/index.ts";
import { stringify } from "yaml";
import { translate, translateEndpoints } from "../../pkg/translate/index.ts";
import { canonicalJson } from "../../pkg/util/canonical-json.ts";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

const GW = "gateway.networking.k8s.io/v1";
const NAMESPACES = 10;
const SERVICES = 1000;

function slice(i: number, generation: number): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `svc-${i}-abc`, namespace: `ns-${i % NAMESPACES}`, labels: { "kubernetes.io/service-name": `svc-${i}` } },
    addressType: "IPv4",
    endpoints: [0, 1, 2].map((k) => ({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${10 + k + generation}`], conditions: { ready: true } })),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

function buildSnapshot(routes: number): ResourceSnapshot {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < SERVICES; i++) {
    services.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `svc-${i}`, namespace: `ns-${i % NAMESPACES}` },
      spec: { clusterIP: `10.96.${i >> 8}.${i & 255}`, selector: { app: `svc-${i}` }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    endpointSlices.push(slice(i, 0));
  }
  const gatewayClasses: GatewayClass[] = [{ apiVersion: GW, kind: "GatewayClass", metadata: { name: "weft" }, spec: { controllerName: "weft.dev/gateway-controller" } }];
  const gateways: Gateway[] = [{
    apiVersion: GW,
    kind: "Gateway",
    metadata: { name: "gw", namespace: "ns-0", generation: 1 },
    spec: { gatewayClassName: "weft", listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }] },
  }];
  const httpRoutes: HTTPRoute[] = [];
  for (let i = 0; i < routes; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const target = i % SERVICES;
    const sibling = (target + NAMESPACES) % SERVICES;
    const mesh = i % 2 === 1;
    httpRoutes.push({
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name: `route-${i}`, namespace: ns, generation: 1, creationTimestamp: `2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z` },
      spec: {
        parentRefs: mesh ? [{ group: "", kind: "Service", name: `svc-${target}`, port: 80 }] : [{ name: "gw", namespace: "ns-0" }],
        ...(mesh ? {} : { hostnames: [`h${i % 500}.example.com`] }),
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: `/p${i}/api` }, headers: [{ name: "x-version", value: "v2" }] }], backendRefs: [{ name: `svc-${sibling}`, port: 80 }] },
          { matches: [{ path: { type: "PathPrefix", value: `/p${i}` } }], backendRefs: [{ name: `svc-${target}`, port: 80, weight: 90 }, { name: `svc-${sibling}`, port: 80, weight: 10 }] },
        ],
      },
    });
  }
  return { ...emptySnapshot(), gatewayClasses, gateways, services, endpointSlices, httpRoutes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Wall time and process CPU time (user+system, all threads) per run; CPU time is the figure to
 * trust on a shared machine, where wall time mostly measures contention. */
function time<T>(runs: number, f: () => T): { medianMs: number; minMs: number; cpuMs: number; last: T } {
  const times: number[] = [];
  const cpu: number[] = [];
  let last = f();
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: round(median(times)), minMs: round(Math.min(...times)), cpuMs: round(median(cpu)), last };
}

const round = (x: number): number => Math.round(x * 100) / 100;
const heapMB = (): number => {
  gc();
  return round(process.memoryUsage().heapUsed / 1048576);
};
const print = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ bench: "translate", ...o })}\n`);
};

for (const [routes, runs] of [[1000, 9], [10_000, 5]] as const) {
  const snapshot = buildSnapshot(routes);
  const before = heapMB();
  const full = time(runs, () => translate(snapshot));
  const after = heapMB();
  const r = full.last;
  const entries = r.ir.gateways.reduce((n, g) => n + g.ports.reduce((m, p) => m + p.listeners.reduce((k, l) => k + l.routes.http.entries.length, 0), 0), 0)
    + r.ir.services.reduce((n, s) => n + s.ports.reduce((m, p) => m + (p.producer?.http.entries.length ?? 0), 0), 0);
  print({
    case: `full-${routes}-routes`,
    routes,
    services: SERVICES,
    runs,
    medianMs: full.medianMs,
    minMs: full.minMs,
    cpuMs: full.cpuMs,
    heapMB: after,
    resultHeapMB: round(after - before),
    entries,
    clusters: r.ir.clusters.length,
    internalErrors: r.diagnostics.filter((d) => /InternalError$/.test(d.code)).length,
    goalMs: routes === 10_000 ? 1000 : undefined,
  });
  if (routes !== 10_000) continue;
  const objects = [...snapshot.gatewayClasses, ...snapshot.gateways, ...snapshot.services, ...snapshot.endpointSlices, ...snapshot.httpRoutes];
  for (const format of ["yaml", "json"] as const) {
    const text = format === "yaml" ? objects.map((o) => stringify(o)).join("---\n") : JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
    const parsed = time(3, () => parseManifests(text, `bench.${format}`));
    print({ case: `parse-${format}-${routes}-routes`, objects: parsed.last.objects.length, errors: parsed.last.errors.length, inputMB: round(text.length / 1048576), runs: 3, medianMs: parsed.medianMs,
      minMs: parsed.minMs, cpuMs: parsed.cpuMs });
  }
  for (const changed of ["one-slice", "all-slices"] as const) {
    const slices = snapshot.endpointSlices.map((s, i) => (changed === "all-slices" || i === 7 ? slice(i, 1) : s));
    const next: ResourceSnapshot = { ...snapshot, endpointSlices: slices };
    const fast = time(21, () => translateEndpoints(r, next));
    const equal = canonicalJson(fast.last.ir.clusters) === canonicalJson(translate(next).ir.clusters);
    print({ case: `endpoints-${changed}-${routes}-routes`, routes, services: SERVICES, runs: 21, medianMs: fast.medianMs, minMs: fast.minMs, cpuMs: fast.cpuMs, heapMB: heapMB(),
      equalsFullTranslate: equal, goalMs: 20 });
  }
}
