// router.bench: matches/s and compile time of the compiled router for 10, 1,000 and 10,000 routes on
// one host, next to a plain linear scan (the test oracle) for the same tables and requests.
// Prints one JSON object per line. Bounded: each measurement stops after MAX_MS or MAX_OPS.
// matchesPerSec is per second of process CPU time (one core); wallMatchesPerSec per wall second.
// Route mix (pre-sorted like translate would): exact paths, PathPrefix paths two segments deep, some
// with method / header / query conditions, a few regexes, one catch-all "/" last; plus a "tenant-header"
// mix: 1,000 entries on "/" that differ only by an x-tenant header value; and a "virtual-hosts" mix:
// 100 exact hosts and 100 wildcard domains with 10 routes each.
// Run: node benchmarks/router/router.bench.ts
import type { HttpEntrySpec, RequestSpec } from "../../test/router/builders.ts";
import { httpTables, request } from "../../test/router/builders.ts";
import { referenceMatch } from "../../test/router/reference-matcher.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import type { RequestView } from "../../pkg/router/request.ts";

const MAX_MS = 1500;
const MAX_OPS = 20_000_000;
const HOST = "shop.example.com";

function routeSpecs(n: number): HttpEntrySpec[] {
  const exact: HttpEntrySpec[] = [];
  const prefixes: { spec: HttpEntrySpec; len: number; weight: number }[] = [];
  const regex: HttpEntrySpec[] = [];
  for (let i = 0; i < n - 1; i++) {
    const kind = i % 10;
    const base = `/svc${i}`;
    if (kind < 2) exact.push({ path: { type: "Exact", value: `/exact/${i}/item` }, hostnames: [HOST] });
    else if (kind === 9 && i % 100 === 9) regex.push({ path: { type: "RegularExpression", value: `/re${i}/[0-9]+` }, hostnames: [HOST] });
    else {
      const spec: HttpEntrySpec = {
        path: { type: "PathPrefix", value: `${base}/api` },
        hostnames: [HOST],
        ...(kind === 3 ? { method: "POST" } : {}),
        ...(kind === 4 ? { headers: [{ type: "Exact" as const, name: "x-version", value: "v2" }] } : {}),
        ...(kind === 5 ? { query: [{ type: "Exact" as const, name: "debug", value: "1" }] } : {}),
      };
      const weight = (spec.method ? 4 : 0) + (spec.headers ? 2 : 0) + (spec.query ? 1 : 0);
      prefixes.push({ spec, len: base.length + 4, weight });
    }
  }
  prefixes.sort((a, b) => b.len - a.len || b.weight - a.weight);
  return [...exact, ...prefixes.map((p) => p.spec), ...regex, { path: { type: "PathPrefix", value: "/" }, hostnames: [HOST] }];
}

function requestSpecs(n: number, count: number): RequestSpec[] {
  const out: RequestSpec[] = [];
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let k = 0; k < count; k++) {
    const i = Math.floor(rnd() * (n - 1));
    const r = rnd();
    const headers = { "x-version": r < 0.5 ? "v2" : "v1", "user-agent": "bench", accept: "*/*" };
    if (i % 10 < 2) out.push({ path: `/exact/${i}/item`, host: HOST, headers });
    else if (r < 0.05) out.push({ path: `/missing/${i}`, host: HOST, headers });
    else out.push({ method: r < 0.3 ? "POST" : "GET", path: `/svc${i}/api/v1/items/${k}`, query: r < 0.4 ? "debug=1&x=2" : "", host: HOST, headers });
  }
  return out;
}

/**
 * Matches per second of CPU time of this process (user + system), so a loaded shared machine that
 * deschedules us does not count against the router; wall-clock rate reported next to it.
 */
function measure(fn: (req: RequestView) => unknown, reqs: readonly RequestView[]): { cpu: number; wall: number } {
  const warmEnd = performance.now() + 200;
  for (let i = 0; i < 20_000 && performance.now() < warmEnd; i++) fn(reqs[i % reqs.length]!);
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (ops < MAX_OPS && now - start < MAX_MS) {
    for (let i = 0; i < 1_000; i++) fn(reqs[(ops + i) % reqs.length]!);
    ops += 1_000;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { cpu: Math.round((ops / cpuMs) * 1000), wall: Math.round((ops / (now - start)) * 1000) };
}

/** Tenant routing: n entries on "/" told apart only by an x-tenant header value, catch-all last. */
function tenantSpecs(n: number): HttpEntrySpec[] {
  const out: HttpEntrySpec[] = [];
  for (let i = 0; i < n - 1; i++) out.push({ hostnames: [HOST], headers: [{ type: "Exact", name: "x-tenant", value: `t${i}` }] });
  out.push({ hostnames: [HOST] });
  return out;
}

function tenantRequests(n: number, count: number): RequestSpec[] {
  return Array.from({ length: count }, (_, k) => ({ path: `/api/items/${k}`, host: HOST, headers: { "x-tenant": `t${(k * 7919) % n}` } }));
}

/** Many virtual hosts: h exact hosts and h wildcard domains, 10 prefix routes each, sorted by host. */
function hostSpecs(h: number): HttpEntrySpec[] {
  const out: HttpEntrySpec[] = [];
  for (let i = 0; i < h; i++) for (let r = 0; r < 10; r++) out.push({ hostnames: [`app${i}.example.com`], path: { type: "PathPrefix", value: `/r${r}` } });
  for (let i = 0; i < h; i++) for (let r = 0; r < 10; r++) out.push({ hostnames: [`*.tenant${i}.example.net`], path: { type: "PathPrefix", value: `/r${r}` } });
  return out;
}

function hostRequests(h: number, count: number): RequestSpec[] {
  return Array.from({ length: count }, (_, k) => ({
    path: `/r${k % 11}/x`,
    host: k % 2 === 0 ? `app${(k * 7919) % h}.example.com` : `shop.tenant${(k * 7919) % h}.example.net`,
  }));
}

const scenarios = [
  ...[10, 1_000, 10_000].map((n) => ({ mix: "paths", n, specs: routeSpecs(n), reqs: requestSpecs(n, 4096) })),
  { mix: "tenant-header", n: 1_000, specs: tenantSpecs(1_000), reqs: tenantRequests(1_000, 4096) },
  { mix: "virtual-hosts", n: 2_000, specs: hostSpecs(100), reqs: hostRequests(100, 4096) },
];

for (const { mix, n, specs, reqs: reqSpecs } of scenarios) {
  const tables = httpTables(specs);
  const t0 = performance.now();
  const compiled = compileRoutes(tables);
  const compileMs = Math.round((performance.now() - t0) * 100) / 100;
  const reqs = reqSpecs.map(request);
  let agree = 0;
  const checked = reqs.slice(0, n > 1_000 ? 512 : reqs.length);
  for (const r of checked) {
    const hit = matchRoute(compiled, r);
    const id = hit === undefined ? undefined : `http:${tables.http.entries.indexOf(hit.entry)}`;
    if (id === referenceMatch(tables, r)) agree++;
  }
  const indexed = measure((r) => matchRoute(compiled, r), reqs);
  const linear = measure((r) => referenceMatch(tables, r), reqs);
  console.log(
    JSON.stringify({
      bench: "router.match",
      mix,
      routes: tables.http.entries.length,
      hosts: new Set(specs.flatMap((x) => x.hostnames ?? [])).size,
      matchesPerSec: indexed.cpu,
      wallMatchesPerSec: indexed.wall,
      linearScanPerSec: linear.cpu,
      compileMs,
      agreeWithReference: `${agree}/${checked.length}`,
      node: process.version,
    }),
  );
}
