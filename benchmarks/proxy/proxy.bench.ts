// proxy.bench: side by side in one run, on loopback only — direct client→origin, through one Weft
// proxy, through a bare node:http pass-through and a bare llhttp-binding pass-through (the floors for a
// node proxy on node:http and on the mechanism Weft's HTTP/1.1 path uses; beside them the same pass-through
// parsing HTTP/1.1 in JS, bench-h1-own-minimal.ts, scenario "h1-own-minimal", a benchmark prototype), through nginx and haproxy configured as equivalent keep-alive reverse proxies (one
// worker/thread each, as Weft is one event loop). HTTP/1.1 with wrk (fixed connections and duration),
// and h2c and gRPC unary (@grpc/grpc-js origin) with h2load when installed (direct vs Weft vs a bare node:http2
// pass-through (bench-h2-minimal.ts, the floor for node's HTTP/2) vs the same pass-through on own HTTP/2 framing
// (bench-h2-own-minimal.ts, scenario "h2own": a benchmark prototype, BENCH_ONLY=h2own:h2c,h2own:grpc-unary; "h2ownprod": the same with pkg/proxy/h2's server framing downstream) vs nginx vs haproxy). Prints one JSON object per line: requests/s,
// p50/p99/p99.9 latency (µs), CPU µs per request and RSS (kB) of the proxy process(es) — for "direct"
// of the origin itself.
// Bounded: every load run has a fixed duration; every child process is killed at the end.
// Run: sh benchmarks/proxy/setup.sh && node benchmarks/proxy/proxy.bench.ts  (env BENCH_SECONDS, BENCH_WARM_SECONDS, BENCH_CONNS,
// BENCH_RATE and BENCH_PACED_SECONDS for the paced part, BENCH_ONLY=weft:http1,paced:http1,paced:grpc,...,
// BENCH_H2_RPS=<total requests/s> for h2load at a fixed rate instead of closed-loop)
// BENCH_BASELINE=<another checkout> runs only the interleaved A/B of this checkout's proxy against that one's
// (ab-compare.ts: both at once, runs alternating, BENCH_AB_ROUNDS, BENCH_AB_SECONDS, BENCH_AB_RATE, BENCH_AB_PACED,
// BENCH_AB_PROTOCOLS=h2c,... for some of its parts),
// then the paced sidecar pairs (HTTP/1.1 tracing off and gRPC) of both checkouts taking turns in each of
// BENCH_PACED_ROUNDS rounds, summed up in "proxy-paced-ab-summary" lines (BENCH_AB_PAIRS=0 skips them).
// Also: a sidecar pair over mesh mTLS (bench-sidecar-pair.ts: two sidecars, original destination from the
// sidecar's test hook, loopback only), and the paced side-by-side of pairs (paced-pair.ts): at a FIXED
// 1,000 requests/s, HTTP/1.1 and gRPC unary, direct vs nginx and haproxy mTLS pairs vs the Weft sidecar
// pair (HTTP/1.1 with tracing off / 1% / 100%, OTLP to an in-bench receiver): added p50/p99/p99.9 latency
// over direct, CPU µs/request, RSS, private memory and PSS per proxy, and the goal lines (paced-goals.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { abCompare } from "./ab-compare.ts";
import { pacedSideBySide } from "./paced-pair.ts";
import { cpuTicks, cpuTicksSplit, procKb } from "./proc-kb.ts";
import { emitPeerGoals, nodePeers } from "./peer-goals.ts";
import { haproxyH2, haproxyHttp1, nginxH2, nginxHttp1 } from "./reference-proxies.ts";
import { freePort } from "../../test/support/free-port.ts";
import { GATEWAY_BENCH_NODE_ARGS } from "./shipped-flags.ts";

const root = resolve(import.meta.dirname, "../..");
const nodeBin = process.execPath;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Every proxy gets the same load for BENCH_WARM_SECONDS before it is measured, so V8 has optimized
// the hot paths (on a busy 2-core machine a 1-second warm-up left Weft's figure still falling).
const warmSeconds = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const conns = Number(process.env.BENCH_CONNS ?? 32);
const dir = mkdtempSync(join(tmpdir(), "weft-proxy-bench-"));
const children: ChildProcess[] = [];
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function startChild(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  c.stderr?.resume();
  children.push(c);
  return c;
}

async function firstJsonLine(c: ChildProcess): Promise<Record<string, number>> {
  const rl = createInterface({ input: c.stdout! });
  // The first JSON line; a child traced with --trace-gc-nvp (BENCH_GC_TRACE) may print GC lines before it.
  for await (const line of rl) if (line.startsWith("{")) return JSON.parse(line) as Record<string, number>;
  throw new Error("child printed nothing");
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = require_net().connect(port, "127.0.0.1", () => {
        s.destroy();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}
import * as netModule from "node:net";
function require_net() {
  return netModule;
}

/** All pids of a process tree (nginx master + workers). */
function treePids(pid: number): number[] {
  const out = [pid];
  const r = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
  for (const l of r.stdout.split("\n")) if (l.trim() !== "") out.push(...treePids(Number(l)));
  return out;
}

const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
const wrkLua = join(dir, "report.lua");
writeFileSync(wrkLua, `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`);

function wrk(port: number, path: string, secs = seconds): Record<string, number> {
  const r = spawnSync("wrk", ["-t1", `-c${conns}`, `-d${secs}s`, "--timeout", "5s", "-s", wrkLua, `http://127.0.0.1:${port}${path}`], { encoding: "utf8", timeout: (secs + 30) * 1000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`wrk gave no report: ${r.stderr}`);
  return JSON.parse(line) as Record<string, number>;
}

const grpcBody = join(dir, "grpc-unary.bin");
{
  const msg = Buffer.alloc(64, "g");
  writeFileSync(grpcBody, Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]));
}

function warmH1(port: number): void {
  spawnSync("wrk", ["-t1", `-c${conns}`, `-d${warmSeconds}s`, `http://127.0.0.1:${port}/`], { timeout: (warmSeconds + 30) * 1000 });
}

// BENCH_H2_RPS: h2load at that many requests/s in all (spread over its connections) instead of as fast as the
// proxy answers — CPU per request at the same load for every proxy, with less batching per read.
const h2Rate = Number(process.env.BENCH_H2_RPS ?? 0);
const h2Paced = (): string[] => (h2Rate > 0 ? [`--rps=${h2Rate / Math.min(conns, 8)}`] : []);

function warmH2(port: number, path: string, grpcUnary = false): void {
  const extra = grpcUnary ? ["-d", grpcBody, "-H", "content-type: application/grpc", "-H", "te: trailers"] : [];
  spawnSync("h2load", ["-c", String(Math.min(conns, 8)), "-m", "16", "-D", String(warmSeconds), ...h2Paced(), ...extra, `http://127.0.0.1:${port}${path}`], { timeout: (warmSeconds + 30) * 1000 });
}

let h2logs = 0;
function h2load(port: number, path: string, grpcUnary = false, secs = seconds): Record<string, number> {
  const extra = grpcUnary ? ["-d", grpcBody, "-H", "content-type: application/grpc", "-H", "te: trailers"] : [];
  // Per-request log (start µs, status, µs to the end of the answer) for the latency percentiles.
  const log = join(dir, `h2load-${++h2logs}.tsv`);
  const r = spawnSync("h2load", ["-c", String(Math.min(conns, 8)), "-m", "16", "-D", String(secs), `--log-file=${log}`, ...h2Paced(), ...extra, `http://127.0.0.1:${port}${path}`], { encoding: "utf8",
    timeout: (secs + 30) * 1000 });
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1] ?? NaN);
  const done = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(r.stdout)?.[1] ?? NaN);
  const ok = Number(/status codes: (\d+) 2xx/.exec(r.stdout)?.[1] ?? NaN);
  const failed = Number(/\d+ succeeded, (\d+) failed/.exec(r.stdout)?.[1] ?? NaN);
  let lat: number[] = [];
  try {
    // Answered requests only (a request that failed has no status and no duration).
    lat = readFileSync(log, "utf8").split("\n").map((l) => l.split("\t")).filter((f) => Number(f[1]) > 0).map((f) => Number(f[2])).filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  } catch { /* no log: percentiles NaN */ }
  const pct = (q: number) => lat[Math.min(lat.length - 1, Math.floor((q / 100) * lat.length))] ?? NaN;
  return { requests: done, rps, ok2xx: ok, failed, p50_us: pct(50), p99_us: pct(99), p999_us: pct(99.9), max_us: lat[lat.length - 1] ?? NaN };
}

/** BENCH_ONLY="weft:http1,nginx:http1" limits the run to those scenario:protocol pairs. */
const only = process.env.BENCH_ONLY?.split(",").map((x) => x.trim()).filter((x) => x !== "");
const wanted = (scenario: string, protocol: string) => only === undefined || only.includes(`${scenario}:${protocol}`);

/** CPU µs per request and requests/s of every measured proxy, by "scenario:protocol" (for the goal lines). */
const measured = new Map<string, { cpu: number; rps: number; p99: number }>();

function measure(scenario: string, protocol: string, pids: number[] | undefined, run: () => Record<string, number>): void {
  if (!wanted(scenario, protocol)) return;
  const before: [number, number] = pids ? cpuTicksSplit(pids) : [0, 0];
  const res = run();
  const after: [number, number] = pids ? cpuTicksSplit(pids) : [0, 0];
  const rps = res.rps ?? (res.requests! / (res.duration_us! / 1e6));
  const out: Record<string, unknown> = { bench: "proxy", scenario, protocol, connections: conns, seconds, rps: Math.round(rps), ...res, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
  delete out.duration_us;
  if (pids) {
    const perReq = (ticks: number) => Math.round((ticks / ticksPerSecond) * 1e6 / Math.max(1, res.requests!) * 10) / 10;
    out.cpu_us_per_req = perReq(after[0] + after[1] - before[0] - before[1]);
    // The user-space and kernel parts apart (where a proxy's time goes: its own work or its system calls).
    out.cpu_user_us_per_req = perReq(after[0] - before[0]);
    out.cpu_sys_us_per_req = perReq(after[1] - before[1]);
    out.rss_kb = procKb(pids, "VmRSS");
    measured.set(`${scenario}:${protocol}`, { cpu: out.cpu_us_per_req as number, rps, p99: res.p99_us ?? NaN });
  }
  emit(out);
}

/** The floor for each protocol: a bare node pass-through on the mechanism Weft uses there. */
const floorOf: Readonly<Record<string, string>> = { http1: "llhttp-minimal", h2c: "h2-minimal", "grpc-unary": "h2-minimal" };

/** The goal per protocol: Weft's CPU per request at most this many times nginx's. */
const cpuGoal: Readonly<Record<string, number>> = { http1: 1.25, h2c: 1.5, "grpc-unary": 1.5 };

/**
 * One "proxy-cpu-goal" line per protocol measured for both Weft and nginx: Weft's CPU per request at most
 * 1.25x nginx's on HTTP/1.1 and 1.5x on h2c and gRPC unary, with haproxy beside them as the higher mark.
 * The floor's ratio to nginx says how much of that budget node itself takes before Weft does anything;
 * `own_framing_prototype` (h2c, gRPC) the same for a pass-through on own HTTP/2 framing instead of node:http2,
 * `own_parsing_prototype` (HTTP/1.1) for one parsing HTTP/1.1 in JS instead of llhttp.
 */
function emitCpuGoals(): void {
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  for (const protocol of ["http1", "h2c", "grpc-unary"]) {
    const weft = measured.get(`weft:${protocol}`);
    const nginx = measured.get(`nginx:${protocol}`);
    if (weft === undefined || nginx === undefined) continue;
    const floor = measured.get(`${floorOf[protocol]}:${protocol}`);
    const haproxy = measured.get(`haproxy:${protocol}`);
    const own = measured.get(protocol === "http1" ? "h1-own-minimal:http1" : `h2own:${protocol}`);
    const prod = protocol === "http1" ? undefined : measured.get(`h2ownprod:${protocol}`);
    emit({
      bench: "proxy-cpu-goal",
      protocol,
      goal: `one Weft proxy: CPU per request at most ${cpuGoal[protocol]}x nginx's`,
      weft_cpu_us_per_req: weft.cpu,
      nginx_cpu_us_per_req: nginx.cpu,
      cpu_ratio: ratio(weft.cpu, nginx.cpu),
      rps_share: ratio(weft.rps, nginx.rps),
      ...(haproxy !== undefined ? { haproxy_cpu_us_per_req: haproxy.cpu, haproxy_cpu_ratio: ratio(haproxy.cpu, nginx.cpu) } : {}),
      ...(floor !== undefined ? { floor: floorOf[protocol], floor_cpu_us_per_req: floor.cpu, floor_cpu_ratio: ratio(floor.cpu, nginx.cpu) } : {}),
      // A benchmark prototype (own HTTP/2 framing, bench-h2-own-minimal.ts), not production framing: what
      // the floor would be without node:http2. Not part of `met`.
      // HTTP/1.1: the llhttp floor's pass-through parsing in JS (bench-h1-own-minimal.ts), a prototype too.
      ...(own !== undefined && protocol === "http1"
        ? { own_parsing_prototype: { cpu_us_per_req: own.cpu, cpu_ratio: ratio(own.cpu, nginx.cpu), rps_share: ratio(own.rps, nginx.rps), p99_us: own.p99 } }
        : {}),
      ...(own !== undefined && protocol !== "http1"
        ? { own_framing_prototype: { cpu_us_per_req: own.cpu, cpu_ratio: ratio(own.cpu, nginx.cpu), rps_share: ratio(own.rps, nginx.rps), p99_us: own.p99 } }
        : {}),
      // The same with the production server framing (pkg/proxy/h2) downstream (bench-h2-own-prod.ts). Not part of `met`.
      ...(prod !== undefined ? { own_framing_production_server: { cpu_us_per_req: prod.cpu, cpu_ratio: ratio(prod.cpu, nginx.cpu), rps_share: ratio(prod.rps, nginx.rps), p99_us: prod.p99 } } : {}),
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
      met: weft.cpu <= cpuGoal[protocol]! * nginx.cpu,
    });
  }
}

/** The Node reverse proxies a user would pick instead (bench-node-peers.ts) on the same HTTP/1.1 and h2c work. */
async function measurePeers(origin: { h1: number; h2: number }): Promise<void> {
  for (const peer of nodePeers) {
    if (!wanted(peer, "http1") && !wanted(peer, "h2c")) continue;
    const child = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-node-peers.ts"), peer, String(origin.h1), String(origin.h2)]);
    const { port, h2cPort, pid } = await firstJsonLine(child);
    if (wanted(peer, "http1")) {
      warmH1(port!);
      measure(peer, "http1", [pid!], () => wrk(port!, "/"));
    }
    if (!wanted(peer, "h2c")) continue;
    if (h2cPort === undefined) emit({ bench: "proxy", scenario: peer, protocol: "h2c", skipped: `${peer} speaks HTTP/1.1 only` });
    else if (has("h2load")) {
      warmH2(h2cPort, "/");
      measure(peer, "h2c", [pid!], () => h2load(h2cPort, "/"));
    }
  }
}

async function main(): Promise<void> {
  if (!has("wrk")) {
    emit({ bench: "proxy", error: "wrk missing: run benchmarks/proxy/setup.sh" });
    return;
  }
  // BENCH_TAIL_TRACE (paced-pair.ts): the origin records its GC pauses too (tail-probe.ts).
  const tailDir = process.env.BENCH_TAIL_TRACE;
  if (tailDir !== undefined && tailDir !== "") {
    mkdirSync(tailDir, { recursive: true });
    process.env.BENCH_TAIL_OUT = join(tailDir, "origin");
  }
  const origin = startChild(nodeBin, [...(process.env.BENCH_TAIL_OUT === undefined ? [] : ["--import", join(root, "benchmarks/proxy/tail-probe.ts")]),
    join(root, "benchmarks/proxy/bench-upstream.ts")]);
  delete process.env.BENCH_TAIL_OUT;
  const { h1Port, h2Port, grpcPort, pid: originPid } = await firstJsonLine(origin);
  const baseline = process.env.BENCH_BASELINE;
  if (baseline !== undefined && baseline !== "") {
    if (!has("h2load")) {
      emit({ bench: "proxy-ab", error: "h2load missing: run benchmarks/proxy/setup.sh" });
      return;
    }
    await abCompare({ root, nodeBin, origin: { h1Port: h1Port!, h2Port: h2Port!, grpcPort: grpcPort! }, emit, startChild, firstJsonLine, cpuTicks, cpuTicksSplit, ticksPerSecond, wrk, h2load },
      resolve(baseline));
    if (process.env.BENCH_AB_PAIRS === "0") return;
    // Then the paced sidecar pairs of both checkouts (paced-pair.ts), HTTP/1.1 (tracing off) and gRPC, taking
    // turns in every round, with their "proxy-paced-ab-summary" lines.
    process.env.BENCH_PACED_BASELINE ??= resolve(baseline);
    process.env.BENCH_PACED_ONLY ??= ["weft-sidecar-pair-tracing-off", "weft-sidecar-pair-grpc"].flatMap((n) => [n, `${n}-baseline`]).join(",");
    await pacedSideBySide({ root, dir, nodeBin, origin: { h1Port: h1Port!, grpcPort: grpcPort!, pid: originPid! }, emit, startChild, firstJsonLine, freePort, waitPort, treePids, cpuTicks, has,
      ticksPerSecond }, ["http1", "grpc"]);
    return;
  }
  const weft = startChild(nodeBin, [...GATEWAY_BENCH_NODE_ARGS, join(root, "benchmarks/proxy/bench-weft.ts"), String(h1Port), String(h2Port), String(grpcPort)]);
  const { port: weftPort, pid: weftPid } = await firstJsonLine(weft);

  // Warm up (JIT, pools), then measure.
  if (wanted("weft", "http1")) warmH1(weftPort!);
  // For "direct" the CPU and RSS figures are the origin's own (what a bare node:http server costs).
  measure("direct", "http1", [originPid!], () => wrk(h1Port!, "/"));
  measure("weft", "http1", [weftPid!], () => wrk(weftPort!, "/"));
  if (wanted("node-minimal", "http1")) {
    const minimal = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-node-minimal.ts"), String(h1Port)]);
    const { port: minPort, pid: minPid } = await firstJsonLine(minimal);
    warmH1(minPort!);
    measure("node-minimal", "http1", [minPid!], () => wrk(minPort!, "/"));
  }

  if (wanted("llhttp-minimal", "http1")) {
    const floor = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-llhttp-minimal.ts"), String(h1Port)]);
    const { port: floorPort, pid: floorPid } = await firstJsonLine(floor);
    warmH1(floorPort!);
    measure("llhttp-minimal", "http1", [floorPid!], () => wrk(floorPort!, "/"));
  }

  // The same pass-through parsing HTTP/1.1 in JS instead of llhttp (a benchmark prototype, not production
  // parsing: bench-h1-own-minimal.ts), to measure what own parsing could save (issue #18 goal 3).
  if (wanted("h1-own-minimal", "http1")) {
    const own = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-h1-own-minimal.ts"), String(h1Port)]);
    const { port: ownPort, pid: ownPid } = await firstJsonLine(own);
    warmH1(ownPort!);
    measure("h1-own-minimal", "http1", [ownPid!], () => wrk(ownPort!, "/"));
  }

  if (!wanted("nginx", "http1")) { /* filtered out */ }
  else if (has("nginx")) {
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    writeFileSync(conf, nginxHttp1(dir, port, h1Port!));
    const ng = startChild("nginx", ["-c", conf, "-p", dir]);
    await waitPort(port);
    warmH1(port);
    measure("nginx", "http1", treePids(ng.pid!), () => wrk(port, "/"));
  } else emit({ bench: "proxy", scenario: "nginx", skipped: "nginx not installed" });

  if (!wanted("haproxy", "http1")) { /* filtered out */ }
  else if (has("haproxy")) {
    const port = await freePort();
    const conf = join(dir, "haproxy.cfg");
    writeFileSync(conf, haproxyHttp1(port, h1Port!));
    const hp = startChild("haproxy", ["-f", conf, "-db"]);
    await waitPort(port);
    warmH1(port);
    measure("haproxy", "http1", treePids(hp.pid!), () => wrk(port, "/"));
  } else emit({ bench: "proxy", scenario: "haproxy", skipped: "haproxy not installed" });

  if (has("h2load")) {
    if (wanted("direct", "h2c")) warmH2(h2Port!, "/");
    measure("direct", "h2c", [originPid!], () => h2load(h2Port!, "/"));
    if (wanted("weft", "h2c")) warmH2(weftPort!, "/h2");
    measure("weft", "h2c", [weftPid!], () => h2load(weftPort!, "/h2"));
    if (wanted("direct", "grpc-unary")) warmH2(grpcPort!, "/bench.Echo/Unary", true);
    measure("direct", "grpc-unary", [originPid!], () => h2load(grpcPort!, "/bench.Echo/Unary", true));
    if (wanted("weft", "grpc-unary")) warmH2(weftPort!, "/bench.Echo/Unary", true);
    measure("weft", "grpc-unary", [weftPid!], () => h2load(weftPort!, "/bench.Echo/Unary", true));
    if (wanted("h2-minimal", "h2c") || wanted("h2-minimal", "grpc-unary")) {
      const floor = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-h2-minimal.ts"), String(h2Port), String(grpcPort)]);
      const { port: fPort, pid: fPid } = await firstJsonLine(floor);
      warmH2(fPort!, "/");
      measure("h2-minimal", "h2c", [fPid!], () => h2load(fPort!, "/"));
      measure("h2-minimal", "grpc-unary", [fPid!], () => h2load(fPort!, "/bench.Echo/Unary", true));
    }
    // The same pass-through on own HTTP/2 framing (a benchmark prototype, not production framing:
    // bench-h2-own-minimal.ts), to measure what leaving node:http2 could save (issue #18 goal 3).
    if (wanted("h2own", "h2c") || wanted("h2own", "grpc-unary")) {
      const own = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-h2-own-minimal.ts"), String(h2Port), String(grpcPort)]);
      const { port: oPort, pid: oPid } = await firstJsonLine(own);
      warmH2(oPort!, "/");
      measure("h2own", "h2c", [oPid!], () => h2load(oPort!, "/"));
      measure("h2own", "grpc-unary", [oPid!], () => h2load(oPort!, "/bench.Echo/Unary", true));
    }
    // The same with Weft's production server framing (pkg/proxy/h2) as the downstream face (bench-h2-own-prod.ts).
    if (wanted("h2ownprod", "h2c") || wanted("h2ownprod", "grpc-unary")) {
      const prod = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-h2-own-prod.ts"), String(h2Port), String(grpcPort)]);
      const { port: pPort, pid: pPid } = await firstJsonLine(prod);
      warmH2(pPort!, "/");
      measure("h2ownprod", "h2c", [pPid!], () => h2load(pPort!, "/"));
      measure("h2ownprod", "grpc-unary", [pPid!], () => h2load(pPort!, "/bench.Echo/Unary", true));
    }
    // The same h2c and gRPC paths through nginx (grpc_pass) and haproxy (proto h2 both sides).
    const origins = { h2c: h2Port!, grpc: grpcPort! };
    const reference = async (name: "nginx" | "haproxy") => {
      if (!wanted(name, "h2c") && !wanted(name, "grpc-unary")) return;
      if (!has(name)) {
        emit({ bench: "proxy", scenario: name, protocol: "h2c", skipped: `${name} not installed` });
        return;
      }
      const ports = { h2c: await freePort(), grpc: await freePort() };
      const conf = join(dir, `${name}-h2.conf`);
      writeFileSync(conf, name === "nginx" ? nginxH2(dir, ports, origins) : haproxyH2(ports, origins));
      const child = startChild(name, name === "nginx" ? ["-c", conf, "-p", dir] : ["-f", conf, "-db"]);
      await waitPort(ports.h2c);
      await waitPort(ports.grpc);
      warmH2(ports.h2c, "/");
      measure(name, "h2c", treePids(child.pid!), () => h2load(ports.h2c, "/"));
      measure(name, "grpc-unary", treePids(child.pid!), () => h2load(ports.grpc, "/bench.Echo/Unary", true));
    };
    await reference("nginx");
    await reference("haproxy");
  } else emit({ bench: "proxy", protocol: "h2c", skipped: "h2load not installed" });

  await measurePeers({ h1: h1Port!, h2: h2Port! });
  emitCpuGoals();
  emitPeerGoals(measured, emit);

  if (wanted("sidecar-pair-mtls", "http1")) {
    // Two sidecars (one process, so CPU is for both hops): client → outbound → mTLS h2 → inbound → origin.
    const pair = startChild(nodeBin, [join(root, "benchmarks/proxy/bench-sidecar-pair.ts"), String(h1Port)]);
    const { port: pairPort, pid: pairPid } = await firstJsonLine(pair);
    warmH1(pairPort!);
    measure("sidecar-pair-mtls", "http1", [pairPid!], () => wrk(pairPort!, "/"));
  }

  const pacedProtocols = (process.env.BENCH_PACED_PROTOCOLS ?? "http1,grpc").split(",").map((x) => x.trim())
    .filter((p): p is "http1" | "grpc" => (p === "http1" || p === "grpc") && wanted("paced", p));
  if (pacedProtocols.length > 0) {
    await pacedSideBySide({ root, dir, nodeBin, origin: { h1Port: h1Port!, grpcPort: grpcPort!, pid: originPid! }, emit, startChild, firstJsonLine, freePort, waitPort, treePids, cpuTicks, has,
      ticksPerSecond }, pacedProtocols);
  }
}

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 200));
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
