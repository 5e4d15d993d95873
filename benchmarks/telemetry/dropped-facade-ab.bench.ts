// dropped-facade-ab: this checkout's tracing facade against another checkout's (BENCH_BASELINE=<dir>, e.g. a
// worktree of main) on a dropped request, both loaded into one process and run alternating, BENCH_ROUNDS
// rounds (default 7) of 10⁵ requests, median CPU ns per request from process.cpuUsage. Per request, as a
// sidecar hop does it with tracing at 1 % and the shipped propagators: the server span read from the request's
// header object, one client span, its context injected into the upstream's header object, and that object
// written as the upstream head's field lines (fieldLines, which checks every value: the injected values
// are read whole there). Cases: "new-trace" (an outbound sidecar: no propagation headers, the trace starts
// here; 1 in 100 is sampled, ended at once) and "propagated" (an inbound one: traceparent and b3 not sampled).
// One JSON line per case. Bounded by iteration counts. Must not: send anything anywhere (no exporter).
import { join, resolve } from "node:path";
import { fieldLines } from "../../pkg/proxy/h1/h1-headers.ts";
import { DEFAULT_PROPAGATORS, initTracing, type Tracing } from "../../pkg/telemetry/index.ts";

const ITER = 100_000;
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 7));
const baselineDir = process.env.BENCH_BASELINE;
if (baselineDir === undefined || baselineDir === "") throw new Error("BENCH_BASELINE=<another checkout> is required");
const cfg = { serviceName: "bench", protocol: "http" as const, samplingRatio: 0.01, propagators: DEFAULT_PROPAGATORS };
const baseInit = (await import(join(resolve(baselineDir), "pkg/telemetry/index.ts")) as { initTracing: typeof initTracing }).initTracing;
const builds: Record<"this" | "baseline", Tracing> = { this: initTracing(cfg), baseline: baseInit(cfg) };

const propagated = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", b3: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0" };
const noAttrs = () => ({});
let sink = 0;

function hop(t: Tracing, incoming: Readonly<Record<string, string>>): void {
  const down: Record<string, string> = { "host": "reviews.bench:9080", "user-agent": "bench", "accept": "*/*", ...incoming };
  const server = t.startServerSpan(down, noAttrs);
  const client = t.startClientSpan(server, {});
  const up: Record<string, string> = { "host": "reviews.bench:9080", "user-agent": "bench", "accept": "*/*" };
  t.inject(client, up);
  sink += fieldLines(up).length;
  if (server.sampled) {
    client.end();
    server.end();
  }
}

function cpuNs(t: Tracing, incoming: Readonly<Record<string, string>>): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < ITER; i++) hop(t, incoming);
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / ITER;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (const [name, incoming] of [["new-trace", {}], ["propagated", propagated]] as const) {
  const ns: Record<string, number[]> = { this: [], baseline: [] };
  for (const b of ["this", "baseline"] as const) cpuNs(builds[b], incoming);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["this", "baseline"] as const) : (["baseline", "this"] as const);
    for (const b of order) ns[b]!.push(cpuNs(builds[b], incoming));
  }
  const mine = median(ns.this!), base = median(ns.baseline!);
  const won = ns.this!.filter((x, i) => x < ns.baseline![i]!).length;
  process.stdout.write(
    `${
      JSON.stringify({ bench: "dropped-facade-ab", case: name, baseline: baselineDir, rounds, cpu_ns_per_req: Math.round(mine), baseline_cpu_ns_per_req: Math.round(base),
        ratio: Math.round((mine / base) * 100) / 100, rounds_lower: won })
    }\n`,
  );
}
await Promise.all(Object.values(builds).map((t) => t.shutdown()));
process.stdout.write(`${JSON.stringify({ bench: "dropped-facade-ab-done", sink: sink > 0 })}\n`);
