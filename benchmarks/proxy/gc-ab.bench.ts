// gc-ab: what the garbage collector sees per request, this checkout's proxy against others' (BENCH_BASELINE=<dir>,
// more than one separated by ":", e.g. `git worktree`s of the commits before a change). All proxies
// (bench-weft.ts, with --trace-gc-nvp) run at once in front of one origin (bench-upstream.ts); each round
// sends a fixed BENCH_GC_REQUESTS (default 40,000) h2load requests (8 connections × 16 streams) to each in
// turn, the order reversed every round, for BENCH_GC_ROUNDS rounds (default 6), after one uncounted run
// each. Per run, from the proxy's own GC trace and /proc: bytes allocated, bytes promoted to the old
// generation by scavenges, and bytes that survived a scavenge, per request; GC pause µs per request; CPU µs
// per request. BENCH_GC_PROTOCOL: h2c (default; the h2c upstream) or grpc (unary, the gRPC origin).
// Allocation and promotion per request hold still on a busy machine far better than CPU does (they count
// bytes, not time), which makes this the tool for "what does a request leave behind". One "proxy-gc-ab"
// line per run and a "proxy-gc-ab-summary" line (medians; each baseline's per-round ratio median).
// Bounded: fixed request counts, each h2load run killed after 120 s; the children stop with the benchmark.
// Must not: send anywhere but loopback.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { GATEWAY_BENCH_NODE_ARGS } from "./shipped-flags.ts";

const root = resolve(import.meta.dirname, "../..");
const baselines = (process.env.BENCH_BASELINE ?? "").split(":").filter((d) => d !== "").map((d) => resolve(d));
const requests = Math.max(1000, Number(process.env.BENCH_GC_REQUESTS ?? 40_000));
const rounds = Math.max(1, Number(process.env.BENCH_GC_ROUNDS ?? 6));
const protocol = process.env.BENCH_GC_PROTOCOL === "grpc" || process.env.BENCH_GC_PROTOCOL === "http1" ? process.env.BENCH_GC_PROTOCOL : "h2c";
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGTERM");
});
function start(args: string[]): { child: ChildProcess; first: Promise<Record<string, number>>; lines: string[] } {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines: string[] = [];
  const first = new Promise<Record<string, number>>((res, rej) => {
    let got = false;
    createInterface({ input: child.stdout }).on("line", (l) => {
      if (!got && l.startsWith("{")) {
        got = true;
        res(JSON.parse(l) as Record<string, number>);
      } else lines.push(l);
    });
    child.once("exit", () => rej(new Error("child exited before it printed its port")));
  });
  return { child, first, lines };
}

const grpcBody = join(tmpdir(), `weft-gc-ab-${process.pid}.bin`);
writeFileSync(grpcBody, Buffer.concat([Buffer.from([0, 0, 0, 0, 64]), Buffer.alloc(64, "g")]));
function h2load(port: number): number {
  const extra = protocol === "grpc" ? ["-d", grpcBody, "-H", "content-type: application/grpc", "-H", "te: trailers"] : [];
  const path = protocol === "grpc" ? "/bench.Echo/Unary" : protocol === "http1" ? "/" : "/h2";
  const conns = protocol === "http1" ? ["--h1", "-c", "32", "-m", "1"] : ["-c", "8", "-m", "16"];
  const r = spawnSync("h2load", [...conns, "-n", String(requests), ...extra, `http://127.0.0.1:${port}${path}`], { encoding: "utf8", timeout: 120_000 });
  return Number(/status codes: (\d+) 2xx/.exec(r.stdout ?? "")?.[1] ?? 0);
}
/** utime + stime of a process, in clock ticks (100 per second). */
function ticks(pid: number): number {
  const f = spawnSync("cat", [`/proc/${pid}/stat`], { encoding: "utf8" }).stdout.split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
}
/** Sums of a GC trace's lines (--trace-gc-nvp): allocated (all GCs), promoted and survived (scavenges), pause. */
function gcOf(lines: string[]): { allocated: number; promoted: number; survived: number; pauseMs: number } {
  const s = { allocated: 0, promoted: 0, survived: 0, pauseMs: 0 };
  for (const l of lines) {
    const field = (name: string): number => Number(new RegExp(` ${name}=([\\d.]+)`).exec(l)?.[1] ?? 0);
    if (!l.includes(" gc=")) continue;
    s.allocated += field("allocated");
    s.pauseMs += field("pause");
    if (l.includes(" gc=s ")) {
      s.promoted += field("promoted");
      s.survived += field("new_space_survived");
    }
  }
  return s;
}

if (spawnSync("h2load", ["--version"]).error !== undefined) {
  emit({ bench: "proxy-gc-ab", error: "h2load missing: run benchmarks/proxy/setup.sh" });
  process.exit(0);
}
const origin = start([join(root, "benchmarks/proxy/bench-upstream.ts")]);
const o = await origin.first;
const sides: { name: string; port: number; pid: number; lines: string[] }[] = [];
for (const [name, dir] of [["weft", root], ...baselines.map((d, i) => [baselines.length === 1 ? "weft-baseline" : `weft-baseline-${i + 1}`, d])] as [string, string][]) {
  const p = start([...GATEWAY_BENCH_NODE_ARGS, "--trace-gc-nvp", join(dir, "benchmarks/proxy/bench-weft.ts"), String(o.h1Port), String(o.h2Port), String(o.grpcPort)]);
  const { port, pid } = await p.first;
  sides.push({ name, port: port!, pid: pid!, lines: p.lines });
}
const loadBefore = load();
for (const s of sides) h2load(s.port);
const rows: Record<string, Record<string, number>[]> = {};
for (let round = 1; round <= rounds; round++) {
  for (const s of round % 2 === 1 ? sides : [...sides].reverse()) {
    s.lines.length = 0;
    const t0 = ticks(s.pid);
    const ok = h2load(s.port);
    await new Promise((r) => setTimeout(r, 200));
    const n = Math.max(1, ok);
    const g = gcOf(s.lines);
    const row = {
      ok,
      cpu_us_per_req: Math.round(((ticks(s.pid) - t0) * 10_000 / n) * 10) / 10,
      allocated_b_per_req: Math.round(g.allocated / n),
      promoted_b_per_req: Math.round(g.promoted / n),
      survived_b_per_req: Math.round(g.survived / n),
      gc_pause_us_per_req: Math.round((g.pauseMs * 1000 / n) * 10) / 10,
    };
    (rows[s.name] ??= []).push(row);
    emit({ bench: "proxy-gc-ab", protocol, scenario: s.name, round, ...row, load: load() });
  }
}
const fields = ["cpu_us_per_req", "allocated_b_per_req", "promoted_b_per_req", "survived_b_per_req", "gc_pause_us_per_req"] as const;
const summary: Record<string, unknown> = { bench: "proxy-gc-ab-summary", protocol, rounds, requests };
for (const s of sides) {
  for (const f of fields) summary[`${s.name}_${f}`] = median(rows[s.name]!.map((r) => r[f]!));
  if (s.name === "weft") continue;
  for (const f of fields) summary[`weft_over_${s.name}_${f}`] = Math.round(median(rows.weft!.map((r, i) => r[f]! / rows[s.name]![i]![f]!)) * 1000) / 1000;
}
emit({ ...summary, loadavg_before: loadBefore, loadavg_after: load() });
process.exit(0);
