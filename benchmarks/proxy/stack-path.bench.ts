// stack-path: the request path's own CPU per request (stack-path-child.ts: admission, routing, the rule's
// layers, the relay; fake downstream and upstream, no sockets), this checkout against another one's
// (BENCH_BASELINE=<dir>, e.g. a `git worktree` of the commit before a change; without it, this checkout
// alone). One fresh child process per measurement, alternating, the order flipped every round, for
// BENCH_STACK_ROUNDS rounds (default 5) of BENCH_STACK_REQUESTS requests each (default 300,000): CPU time,
// not wall time, so the load of a shared machine weighs less than on the whole proxy's figures. One
// "proxy-stack-path" line per measurement and a "proxy-stack-path-summary" line (medians, the median of
// the per-round ratios). BENCH_STACK_FACE=sidecar-outbound measures a sidecar's outbound request without
// routes (stack-path-child.ts). BENCH_STACK_PATH=h1 measures instead the whole HTTP/1.1 path, front, parser,
// stack, upstream connection and relay, over fake connections (h1-path-child.ts; lines "proxy-h1-path…").
// Bounded: a fixed count per child, each child killed after 120 s. No network.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const baseline = process.env.BENCH_BASELINE !== undefined && process.env.BENCH_BASELINE !== "" ? resolve(process.env.BENCH_BASELINE) : undefined;
const rounds = Math.max(1, Number(process.env.BENCH_STACK_ROUNDS ?? 5));
const requests = Math.max(10_000, Number(process.env.BENCH_STACK_REQUESTS ?? 300_000));
const h1Path = process.env.BENCH_STACK_PATH === "h1";
const child = h1Path ? "h1-path-child.ts" : "stack-path-child.ts";
const bench = h1Path ? "proxy-h1-path" : "proxy-stack-path";
const sides: [string, string][] = [["weft", root], ...(baseline !== undefined ? [["weft-baseline", baseline] as [string, string]] : [])];
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

const ns: Record<string, number[]> = {};
for (let round = 1; round <= rounds; round++) {
  for (const [name, dir] of round % 2 === 1 ? sides : [...sides].reverse()) {
    const r = spawnSync(process.execPath, [join(root, "benchmarks/proxy", child), dir, String(requests)], { encoding: "utf8", timeout: 120_000 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    if (line === undefined) {
      emit({ bench, scenario: name, round, error: r.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${r.status}` });
      continue;
    }
    const { ns_per_req } = JSON.parse(line) as { ns_per_req: number };
    (ns[name] ??= []).push(ns_per_req);
    emit({ bench, scenario: name, round, requests, ns_per_req, load: loadavg()[0] });
  }
}
const a = ns.weft ?? [];
const b = ns["weft-baseline"];
emit({
  bench: `${bench}-summary`,
  rounds,
  requests,
  weft_ns_per_req_median: median(a),
  ...(b !== undefined ? { baseline: baseline, baseline_ns_per_req_median: median(b), paired_ratio_median: Math.round(median(a.map((x, i) => x / b[i]!)) * 1000) / 1000 } : {}),
});
