// ab-compare: this checkout's Weft proxy against another checkout's (BENCH_BASELINE=<dir>, e.g. a
// `git worktree` of the commit before a change), side by side in one run: both proxies run at once in
// front of the same origin for BENCH_AB_ROUNDS rounds (default 6). Per round: a saturating burst
// (BENCH_AB_SECONDS, default 4) for HTTP/1.1, h2c and gRPC unary against one proxy, then the other (the
// order flipped every round) — CPU µs per request of that proxy process, requests/s — and a paced run each
// of HTTP/1.1 and gRPC unary against BOTH AT ONCE (bench-paced.ts, one generator per proxy, open loop at
// BENCH_AB_RATE requests/s each, default 1,000, for BENCH_AB_PACED requests, default 3,000, after 500
// uncounted) — latency percentiles measured from when each request was due, and CPU µs per request at
// that rate. On a shared machine the load drifts by the minute and the whole VM stalls now and then:
// bursts seconds apart see the same drift, and paced runs at the same time see the same stalls, so each
// round pairs the two under the same conditions. BENCH_AB_PROTOCOLS (default
// "http1,h2c,grpc-unary,paced-http1,paced-grpc") runs only the listed parts. One "proxy-ab" line per run, one "proxy-ab-summary" line
// per protocol (medians, the median over rounds of the round's new/baseline ratio — bursts: also of user and
// system time apart — in how many rounds the new one was not worse) and the load average before and after.
// Both proxies are started afresh before every round (and warmed for BENCH_AB_WARM seconds per protocol,
// default 5); BENCH_AB_RESTART=0 keeps the first two for the whole run. Why: a proxy process settles in one
// garbage-collector mode and keeps it — under node's default flags V8 grows the young generation to 16-32 MB
// in some processes and to 64 MB in others (h2c: 3 of 9), and in the 64 MB mode 2.0-2.4 kB per request
// survives the scavenges, 1.6-1.9 kB of it promoted (scavenge pause 2.4-9.6 µs per request against 0.3-1.5;
// docs/proxy.md "One process, one GC mode"): with one process per side for the whole run, that process's
// mode decided every round.
// Bounded: every burst has a fixed duration, every paced run a fixed count and a time limit; the proxies
// are children of the benchmark and stop with it. Must not: send anywhere but loopback.
import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { GATEWAY_BENCH_NODE_ARGS } from "./shipped-flags.ts";

export interface AbDeps {
  root: string;
  nodeBin: string;
  origin: { h1Port: number; h2Port: number; grpcPort: number };
  emit(o: Record<string, unknown>): void;
  startChild(cmd: string, args: string[]): ChildProcess;
  firstJsonLine(c: ChildProcess): Promise<Record<string, number>>;
  cpuTicks(pids: number[]): number;
  /** User and system ticks apart (the bursts' split). */
  cpuTicksSplit(pids: number[]): [number, number];
  ticksPerSecond: number;
  wrk(port: number, path: string, seconds: number): Record<string, number>;
  h2load(port: number, path: string, grpcUnary: boolean, seconds: number): Record<string, number>;
}

type Protocol = "http1" | "h2c" | "grpc-unary";

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const ratio3 = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;
/** The median over rounds of each round's a/b: both measured under that round's conditions. */
const pairedRatio = (a: number[], b: number[]): number => ratio3(median(a.map((x, i) => x / b[i]!)), 1);
/** Rounds in which a was not above b. */
const notMore = (a: number[], b: number[]): number => a.filter((x, i) => b[i] !== undefined && x <= b[i]).length;
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

/** One paced run against `port`: bench-paced's report, and the proxy's CPU from the warm mark on. */
async function paced(d: AbDeps, port: number, pid: number, protocol: "http1" | "grpc", rate: number, count: number): Promise<Record<string, number>> {
  const warm = 500;
  const child = d.startChild(d.nodeBin, [join(d.root, "benchmarks/proxy/bench-paced.ts"), String(port), String(rate), String(count), String((count + warm) / rate + 10), String(warm), protocol]);
  let out = "";
  let from = d.cpuTicks([pid]);
  child.stdout!.on("data", (c: Buffer) => {
    const had = out.includes("warm\n");
    out += c.toString();
    if (!had && out.includes("warm\n")) from = d.cpuTicks([pid]);
  });
  await new Promise<void>((r) => child.once("exit", () => r()));
  const res = JSON.parse(out.split("\n").find((l) => l.startsWith("{")) ?? "{}") as Record<string, number>;
  const cpu = round1(((d.cpuTicks([pid]) - from) / d.ticksPerSecond) * 1e6 / Math.max(1, res.requests ?? 0));
  return { ...res, cpu_us_per_req: cpu };
}

export async function abCompare(d: AbDeps, baselineRoot: string): Promise<void> {
  const rounds = Math.max(1, Number(process.env.BENCH_AB_ROUNDS ?? 6));
  const seconds = Math.max(1, Number(process.env.BENCH_AB_SECONDS ?? 4));
  const rate = Math.max(1, Number(process.env.BENCH_AB_RATE ?? 1000));
  const count = Math.max(100, Number(process.env.BENCH_AB_PACED ?? 3000));
  const warmSeconds = Math.max(1, Number(process.env.BENCH_AB_WARM ?? 5));
  const loadBefore = load();
  const args = [String(d.origin.h1Port), String(d.origin.h2Port), String(d.origin.grpcPort)];
  const restart = process.env.BENCH_AB_RESTART !== "0";
  const proxies: Record<string, { port: number; pid: number; child: ChildProcess }> = {};
  /** Both proxies, fresh: the ones before (if any) stopped first. */
  const startBoth = async (): Promise<void> => {
    for (const p of Object.values(proxies)) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
      p.child.kill("SIGTERM");
      await exited;
    }
    for (const [name, root] of [["weft", d.root], ["weft-baseline", baselineRoot]] as const) {
      const c = d.startChild(d.nodeBin, [...GATEWAY_BENCH_NODE_ARGS, join(root, "benchmarks/proxy/bench-weft.ts"), ...args]);
      const { port, pid } = await d.firstJsonLine(c);
      proxies[name] = { port: port!, pid: pid!, child: c };
    }
  };
  await startBoth();
  const run = (name: string, protocol: Protocol, secs: number): Record<string, number> => {
    const { port } = proxies[name]!;
    if (protocol === "http1") return d.wrk(port, "/", secs);
    return protocol === "h2c" ? d.h2load(port, "/h2", false, secs) : d.h2load(port, "/bench.Echo/Unary", true, secs);
  };
  const parts = (process.env.BENCH_AB_PROTOCOLS ?? "http1,h2c,grpc-unary,paced-http1,paced-grpc").split(",").map((x) => x.trim());
  const protocols = (["http1", "h2c", "grpc-unary"] as const).filter((p) => parts.includes(p));
  const pacedProtocols = (["http1", "grpc"] as const).filter((p) => parts.includes(`paced-${p}`));
  // Warm both on every protocol first (V8 optimizes for several seconds).
  const warm = (): void => {
    for (const protocol of protocols) for (const name of Object.keys(proxies)) run(name, protocol, warmSeconds);
  };
  warm();
  const cpu: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  for (let round = 1; round <= rounds; round++) {
    if (restart && round > 1) {
      await startBoth();
      warm();
    }
    const order = round % 2 === 1 ? ["weft", "weft-baseline"] : ["weft-baseline", "weft"];
    for (const protocol of protocols) {
      for (const name of order) {
        const pids = [proxies[name]!.pid];
        const [u0, s0] = d.cpuTicksSplit(pids);
        const res = run(name, protocol, seconds);
        const [u1, s1] = d.cpuTicksSplit(pids);
        const requests = res.requests ?? 0;
        const perReq = (ticks: number): number => round1((ticks / d.ticksPerSecond) * 1e6 / Math.max(1, requests));
        const cpuPerReq = perReq(u1 - u0 + s1 - s0);
        (cpu[`${name}:${protocol}`] ??= []).push(cpuPerReq);
        (cpu[`${name}:${protocol}:user`] ??= []).push(perReq(u1 - u0));
        (cpu[`${name}:${protocol}:sys`] ??= []).push(perReq(s1 - s0));
        d.emit({ bench: "proxy-ab", scenario: name, protocol, round, pid: proxies[name]!.pid, seconds, requests, rps: Math.round(res.rps ?? requests / seconds), cpu_us_per_req: cpuPerReq,
          user_us_per_req: perReq(u1 - u0), sys_us_per_req: perReq(s1 - s0), p99_us: res.p99_us, load: load() });
      }
    }
    for (const protocol of pacedProtocols) {
      const results = await Promise.all(order.map((name) => paced(d, proxies[name]!.port, proxies[name]!.pid, protocol, rate, count)));
      order.forEach((name, i) => {
        const res = results[i]!;
        (cpu[`${name}:paced-${protocol}`] ??= []).push(res.cpu_us_per_req!);
        (p99[`${name}:paced-${protocol}`] ??= []).push(res.due_p99_us!);
        d.emit({ bench: "proxy-ab", scenario: name, protocol: `paced-${protocol}`, round, rate, ...res, load: load() });
      });
    }
  }
  for (const protocol of [...protocols, ...pacedProtocols.map((p) => `paced-${p}`)]) {
    const a = cpu[`weft:${protocol}`] ?? [];
    const b = cpu[`weft-baseline:${protocol}`] ?? [];
    const pa = p99[`weft:${protocol}`];
    const pb = p99[`weft-baseline:${protocol}`];
    d.emit({
      bench: "proxy-ab-summary",
      protocol,
      baseline: baselineRoot,
      rounds,
      weft_cpu_us_per_req_median: median(a),
      baseline_cpu_us_per_req_median: median(b),
      ratio: ratio3(median(a), median(b)),
      paired_ratio_median: pairedRatio(a, b),
      rounds_weft_not_more: notMore(a, b),
      ...(cpu[`weft:${protocol}:user`] !== undefined ?
        {
          weft_user_us_median: median(cpu[`weft:${protocol}:user`]!),
          baseline_user_us_median: median(cpu[`weft-baseline:${protocol}:user`]!),
          user_paired_ratio_median: pairedRatio(cpu[`weft:${protocol}:user`]!, cpu[`weft-baseline:${protocol}:user`]!),
          weft_sys_us_median: median(cpu[`weft:${protocol}:sys`]!),
          baseline_sys_us_median: median(cpu[`weft-baseline:${protocol}:sys`]!),
          sys_paired_ratio_median: pairedRatio(cpu[`weft:${protocol}:sys`]!, cpu[`weft-baseline:${protocol}:sys`]!),
        } :
        {}),
      ...(pa !== undefined && pb !== undefined ?
        {
          weft_due_p99_us_median: median(pa),
          baseline_due_p99_us_median: median(pb),
          p99_ratio: ratio3(median(pa), median(pb)),
          p99_paired_ratio_median: pairedRatio(pa, pb),
          rounds_weft_p99_not_more: notMore(pa, pb),
        } :
        {}),
    });
  }
  d.emit({ bench: "proxy-ab-load", loadavg_before: loadBefore, loadavg_after: load() });
}
