// paced-pair: the side-by-side of sidecar PAIRS at a FIXED request rate (default 1,000/s, open loop,
// bench-paced.ts, after BENCH_PACED_WARM_SECONDS (default 5) of uncounted warm-up in the same generator
// process), for HTTP/1.1 app traffic and gRPC unary:
//   HTTP/1.1: direct (client → origin) vs the Weft sidecar pair (outbound sidecar → mesh mTLS → inbound
//     sidecar → origin, one process per sidecar) with tracing off, 1% and 100% sampling (OTLP/HTTP to a
//     receiver in this process) vs the floor for any Node sidecar pair (bench-node-minimal-pair.ts: bare
//     node:http → node:http2 mTLS → node:http2 → node:http, no Weft) vs the floor for a pair built as Weft's
//     (bench-llhttp-minimal-pair.ts, scenario llhttp-minimal-mtls-pair: llhttp on both sides, pooled HTTP/1.1
//     over mTLS between them, the sidecar's V8 flags, no Weft) vs the same pair parsing HTTP/1.1 in JS
//     (bench-h1-own-minimal-pair.ts, scenario h1-own-minimal-mtls-pair, a benchmark prototype) vs the absolute floor, a byte
//     pipe with no HTTP work (bench-tls-pipe-pair.ts: tls-onread-mtls-pair, and tcp-onread-pair with plain TCP between the
//     sides; tls-pipe-mtls-pair, tcp-pipe-pair and BENCH_TLS_PIPE_CIPHERS' suites when named) vs an nginx mTLS pair and an haproxy
//     mTLS pair (reference-proxies.ts: client side forwards over TLS with a client certificate, server side
//     requires one);
//   gRPC unary (h2c from the client, a @grpc/grpc-js origin): direct vs the Weft pair (cluster protocol
//     grpc) vs the nginx grpc_pass mTLS pair vs the haproxy h2 mTLS pair.
// The sidecars run as shipped: one esbuild bundle made like the image's dist/cmd/weft-proxy.js
// (tools/bundle-proxy.ts, into .cache/) with the sidecar's V8 flags (pkg/util/proxy-node-options.ts). BENCH_FLAG_SETS="-;--max-semi-space-size=1;..."
// adds one tracing-off bundled pair per set of V8 flags and protocol ("-" = Node's defaults; NAME=value entries set
// the environment, e.g. MALLOC_ARENA_MAX=2); BENCH_FLAG_SETS_ONLY=1 runs only those. BENCH_PACED_BASELINE=<dir>
// adds the pairs built from another checkout (e.g. a worktree of main before a change: HTTP/1.1 with tracing
// off, 1% and 100%, and gRPC; with the V8 flags that checkout ships), run in every round beside this checkout's (which goes first alternates by round),
// with a "proxy-paced-ab-summary" line per pair (paced-goals.ts). BENCH_PACED_PROTOCOLS
// (default "http1,grpc") picks the protocols, BENCH_PACED_ONLY=<scenario,...> the scenarios, BENCH_PACED_MAX_CONNECTIONS=N
// adds an HTTP/1.1 pair whose Service caps the outbound's connections at N, BENCH_TRACING_PROTOCOL=grpc exports spans over
// OTLP/gRPC (unset: OTLP/HTTP) and BENCH_TRACING_EXPORT_MS=1000 every second (unset: at most 5 s, as shipped), BENCH_PACED_RATIOS=0,0.1 one HTTP/1.1 pair per sampling ratio, BENCH_CPU_PROF=<dir>
// has every Weft sidecar write a V8 CPU profile under <dir>/<scenario>/<role>/, BENCH_GC_TRACE=1 adds each Weft sidecar's
// promoted bytes per request, GC pauses and collections (gc-tally.ts) to its lines; a Weft pair's line counts the mesh mTLS
// handshakes of its measured part (mesh_handshakes, mesh-tally.ts). Every line gives each proxy's time
// waiting for a CPU per request (run_queue_wait_us_per_req, /proc schedstat). BENCH_TAIL_TRACE=<dir> has the generator
// record every measured request and each Weft sidecar, the llhttp floor's processes and the generator record their GC
// pauses (tail-probe.ts), and adds what the slowest 1% have in common to the line (tail, tail-tally.ts). Certificates come from a test CA made here.
// BENCH_PACED_ROUNDS (default 3) rounds of all scenarios in the same order; per scenario and round one JSON
// line: latency percentiles, added latency over that round's direct run of the same protocol, CPU µs per
// request, idle and peak RSS (kB), peak anonymous RSS, peak private (smaps_rollup Private_*) and peak PSS
// of each proxy, its peak open file descriptors, spans received, the load average. Then the summary and goal lines (paced-goals.ts).
// Bounded: each paced run is <count> requests and at most seconds+10 s; every child is stopped after its run.
// Must not: send anywhere but loopback.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";
import { sidecarFlagsOf } from "./shipped-flags.ts";
import { testCa } from "../../test/support/certs.ts";
import { kill } from "../../test/support/child-processes.ts";
import { GC_TRACE_FLAG, gcTally, type GcTally } from "./gc-tally.ts";
import { meshTally, type MeshTally } from "./mesh-tally.ts";
import { emitPacedAb, emitPacedGoals, type RoundResult } from "./paced-goals.ts";
import { openFds, procKb, runQueueWaitUs, smapsKb } from "./proc-kb.ts";
import { haproxyMtlsPair, nginxMtlsPair, type PairFiles } from "./reference-proxies.ts";
import { tailTally } from "./tail-tally.ts";

export interface PacedDeps {
  root: string;
  dir: string;
  nodeBin: string;
  origin: { h1Port: number; grpcPort: number; pid: number };
  emit: (o: Record<string, unknown>) => void;
  startChild(cmd: string, args: string[]): ChildProcess;
  firstJsonLine(c: ChildProcess): Promise<Record<string, number>>;
  freePort(): Promise<number>;
  waitPort(port: number): Promise<void>;
  treePids(pid: number): number[];
  cpuTicks(pids: number[]): number;
  has(cmd: string): boolean;
  ticksPerSecond: number;
}

type Proxies = Record<string, number[]>;
type Protocol = "http1" | "grpc";

/** One Weft sidecar pair configuration: protocol, tracing, V8 flags, environment, the checkout it is built from. */
interface Variant {
  name: string;
  protocol: Protocol;
  ratio: "off" | number;
  flags: string[];
  env?: Record<string, string>;
  baseline?: boolean;
  /** The outbound cluster's limits (BackendLimitsIR, as a Service's weft.dev/max-connections gives them). */
  clusterLimits?: { maxConnections: number };
}

/**
 * Builds bench-sidecar.ts the way the image builds the proxy: one esbuild bundle made by the checkout's
 * tools/bundle-proxy.ts (same options as dist/cmd/weft-proxy.js), under <root>/.cache (inside the repo so the
 * OpenTelemetry SDK, loaded by path when tracing is on, resolves). A checkout whose bundler takes no entry
 * (before the sidecar ran from a bundle) gets the tsc emit of tsconfig.build.json instead. Gives the .js entry and its dir.
 */
function compileSidecar(root: string): { entry: string; dir: string } {
  const dir = join(root, ".cache", `bench-build-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const bundler = join(root, "tools/bundle-proxy.ts");
  if (existsSync(bundler) && readFileSync(bundler, "utf8").includes("process.argv[3]")) {
    const r = spawnSync(process.execPath, [bundler, dir, "benchmarks/proxy/bench-sidecar.ts"], { cwd: root, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`bundling bench-sidecar failed: ${r.stdout}${r.stderr}`);
    return { entry: join(dir, "cmd/bench-sidecar.js"), dir };
  }
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    extends: "../../tsconfig.build.json",
    compilerOptions: { outDir: ".", rootDir: "../.." },
    include: [],
    files: ["../../benchmarks/proxy/bench-sidecar.ts"],
  }));
  const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`compiling bench-sidecar failed: ${r.stdout}${r.stderr}`);
  return { entry: join(dir, "benchmarks/proxy/bench-sidecar.js"), dir };
}

/** What the injector gives a sidecar: NODE_OPTIONS plus the launcher's WEFT_NODE_ARGS, here as node arguments. */
const SHIPPED = sidecarFlagsOf({ SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS });

/** `baselineShipped`: the flags the baseline checkout ships (its pkg/util/proxy-node-options.ts), so a flag change is A/B'd too. */
function variantsOf(env: NodeJS.ProcessEnv, protocols: readonly Protocol[], baselineShipped: string[] = SHIPPED): Variant[] {
  const out: Variant[] = [];
  if (env.BENCH_FLAG_SETS_ONLY !== "1" && protocols.includes("http1")) {
    out.push({ name: "weft-sidecar-pair-tracing-off", protocol: "http1", ratio: "off", flags: SHIPPED }, { name: "weft-sidecar-pair-tracing-1%", protocol: "http1", ratio: 0.01, flags: SHIPPED }, {
      name: "weft-sidecar-pair-tracing-100%",
      protocol: "http1",
      ratio: 1,
      flags: SHIPPED,
    });
  }
  // BENCH_PACED_RATIOS="0,0.1": one more HTTP/1.1 pair per sampling ratio (e.g. 0: tracing on, nothing sampled).
  for (const r of (env.BENCH_PACED_RATIOS ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "")) {
    const ratio = Number(r);
    if (!(ratio >= 0 && ratio <= 1)) throw new Error(`BENCH_PACED_RATIOS: bad ratio "${r}"`);
    if (protocols.includes("http1")) out.push({ name: `weft-sidecar-pair-tracing-ratio-${r}`, protocol: "http1", ratio, flags: SHIPPED });
  }
  if (env.BENCH_FLAG_SETS_ONLY !== "1" && protocols.includes("grpc")) out.push({ name: "weft-sidecar-pair-grpc", protocol: "grpc", ratio: "off", flags: SHIPPED });
  // BENCH_PACED_MAX_CONNECTIONS=8: one more tracing-off HTTP/1.1 pair whose Service caps the outbound
  // sidecar's connections to it at 8 (requests past them wait; weft.dev/max-connections).
  const maxConns = Number(env.BENCH_PACED_MAX_CONNECTIONS ?? "");
  if (Number.isInteger(maxConns) && maxConns > 0 && protocols.includes("http1")) {
    out.push({ name: `weft-sidecar-pair-tracing-off-max-connections-${maxConns}`, protocol: "http1", ratio: "off", flags: SHIPPED, clusterLimits: { maxConnections: maxConns } });
  }
  // BENCH_PACED_BASELINE=<another checkout>: the same pairs (HTTP/1.1 with tracing off, 1% and 100%; gRPC)
  // built from that checkout, right in every round beside this one's (before/after in the same run).
  if (env.BENCH_PACED_BASELINE !== undefined && env.BENCH_PACED_BASELINE !== "") {
    for (const p of protocols) {
      if (p === "grpc") {
        out.push({ name: "weft-sidecar-pair-grpc-baseline", protocol: p, ratio: "off", flags: baselineShipped, baseline: true });
        continue;
      }
      out.push({ name: "weft-sidecar-pair-tracing-off-baseline", protocol: p, ratio: "off", flags: baselineShipped, baseline: true }, {
        name: "weft-sidecar-pair-tracing-1%-baseline",
        protocol: p,
        ratio: 0.01,
        flags: baselineShipped,
        baseline: true,
      }, { name: "weft-sidecar-pair-tracing-100%-baseline", protocol: p, ratio: 1, flags: baselineShipped, baseline: true });
    }
  }
  // BENCH_FLAG_SETS="--max-semi-space-size=1;MALLOC_ARENA_MAX=2 --max-semi-space-size=2;-": one more
  // tracing-off bundled pair per protocol and set of V8 flags and NAME=value entries ("-" = Node's defaults).
  for (const set of (env.BENCH_FLAG_SETS ?? "").split(";").map((x) => x.trim()).filter((x) => x !== "")) {
    const tokens = set === "-" ? [] : set.split(/\s+/);
    const flags = tokens.filter((t) => t.startsWith("--"));
    const vars = Object.fromEntries(tokens.filter((t) => !t.startsWith("--")).map((t) => {
      const m = /^([A-Z][A-Z0-9_]*)=([\w.-]+)$/.exec(t);
      if (m === null) throw new Error(`BENCH_FLAG_SETS: bad entry "${t}" (want --v8-flag[=N] or NAME=value)`);
      return [m[1]!, m[2]!];
    }));
    // A number, or TLS 1.3 suite names (--tls-cipher-list=TLS_AES_128_GCM_SHA256: node's default ciphers, so the mesh context's).
    for (const f of flags) if (!/^--[a-z0-9-]+(=[0-9]+|=TLS_[A-Z0-9_]+(:TLS_[A-Z0-9_]+)*)?$/.test(f)) throw new Error(`BENCH_FLAG_SETS: bad flag "${f}"`);
    const label = tokens.length === 0 ? "-default" : tokens.map((t) => `-${t.replace(/^--/, "").toLowerCase()}`).join("");
    const setEnv = Object.keys(vars).length > 0 ? { env: vars } : {};
    if (protocols.includes("http1")) out.push({ name: `weft-sidecar-pair-tracing-off-flags${label}`, protocol: "http1", ratio: "off", flags, ...setEnv });
    if (protocols.includes("grpc")) out.push({ name: `weft-sidecar-pair-grpc-flags${label}`, protocol: "grpc", ratio: "off", flags, ...setEnv });
  }
  return out;
}

/** A scenario name short enough for a file name (a long BENCH_FLAG_SETS label exceeds 255 bytes): its head and a hash of the whole. */
const fileSafe = (name: string): string => (name.length <= 120 ? name : `${name.slice(0, 80)}-${createHash("sha256").update(name).digest("hex").slice(0, 12)}`);

/** BENCH_CPU_PROF=<dir>: each Weft sidecar writes a V8 CPU profile to <dir>/<scenario>/<role>/ when it stops. */
function cpuProf(scenario: string, role: "inbound" | "outbound"): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir === undefined || dir === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(dir, scenario, role)}`];
}

/** BENCH_GC_TRACE=1: each Weft sidecar runs with --trace-gc-nvp and its line gives promoted bytes per request, GC pauses and counts (gc-tally.ts). */
const gcTrace = (): string[] => (process.env.BENCH_GC_TRACE === "1" ? [GC_TRACE_FLAG] : []);

const stop = (c: ChildProcess): Promise<void> => kill(c, 2000);

/** BENCH_PACED_SMAPS: how often private memory and PSS are read ("peak", the default; "every"; "alternate"). */
const smapsMode = (): string => process.env.BENCH_PACED_SMAPS ?? "peak";

/** BENCH_TAIL_TRACE=<dir>: the directory for the tail records, or undefined. */
const tailDir = (): string | undefined => (process.env.BENCH_TAIL_TRACE === undefined || process.env.BENCH_TAIL_TRACE === "" ? undefined : process.env.BENCH_TAIL_TRACE);
const PROBE = join(import.meta.dirname, "tail-probe.ts");
/** Node arguments that preload the GC probe (BENCH_TAIL_TRACE only). */
const tailArgs = (): string[] => (tailDir() === undefined ? [] : ["--import", PROBE]);

export async function pacedSideBySide(d: PacedDeps, protocols: readonly Protocol[]): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_PACED_SECONDS ?? 5);
  const count = Math.round(rate * seconds);
  // Rounds: every scenario runs once per round, in the same order. One 5-second run is a lottery on a
  // shared machine (a stall of the whole VM lands in whichever scenario is running); the summary gives
  // each scenario's median over the rounds and how often Weft's pair beat nginx's within a round.
  const rounds = Math.max(1, Number(process.env.BENCH_PACED_ROUNDS ?? 3));

  // One generator process per scenario: the first `warm` requests (BENCH_PACED_WARM_SECONDS' worth; V8
  // keeps optimizing a sidecar for several seconds at this rate, and 1 s left its CPU still falling) warm the
  // generator, its connections and the proxies on the same schedule; CPU counts from its "warm" line.
  const warm = Math.round(rate * Number(process.env.BENCH_PACED_WARM_SECONDS ?? 5));
  const paced = async (port: number, protocol: Protocol, proxies: Proxies, gc: Record<string, GcTally>, mesh: MeshTally | undefined, tail: string | undefined) => {
    let before: Record<string, number> = {};
    let waitBefore: Record<string, number> = {};
    const waits = () => Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, runQueueWaitUs(p)]));
    const snapshot = () => {
      before = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, d.cpuTicks(p)]));
      waitBefore = waits();
      for (const t of Object.values(gc)) t.mark();
      mesh?.mark();
    };
    snapshot();
    const peak: Record<string, number> = {}, peakAnon: Record<string, number> = {}, peakPss: Record<string, number> = {}, peakPrivate: Record<string, number> = {},
      peakFds: Record<string, number> = {};
    // BENCH_TAIL_TRACE: when the sampler read /proc (smaps_rollup of a node process takes ~1.4 ms of kernel time).
    const samples: string[] = [];
    // Private memory and PSS come from smaps_rollup, whose read costs a node process ~2 ms of kernel time
    // (smapsKb): read at the first sample, whenever a proxy's anonymous RSS (cheap, /proc status) is 256 kB
    // above where it was at its last smaps read, and at the end, not every 250 ms (BENCH_PACED_SMAPS=every:
    // every sample, as before; "alternate": every sample in odd rounds only, for an A/B of the two).
    const smapsEvery = smapsMode() === "every" || (smapsMode() === "alternate" && round % 2 === 1);
    const anonAtSmaps: Record<string, number> = {};
    const sample = (last = false) => {
      const t0 = tail === undefined ? 0 : Number(process.hrtime.bigint() / 1000n);
      for (const [k, p] of Object.entries(proxies)) {
        peak[k] = Math.max(peak[k] ?? 0, procKb(p, "VmRSS"));
        const anon = procKb(p, "RssAnon");
        peakAnon[k] = Math.max(peakAnon[k] ?? 0, anon);
        if (smapsEvery || last || anonAtSmaps[k] === undefined || anon > anonAtSmaps[k] + 256) {
          anonAtSmaps[k] = anon;
          const m = smapsKb(p);
          peakPss[k] = Math.max(peakPss[k] ?? 0, m.pss);
          peakPrivate[k] = Math.max(peakPrivate[k] ?? 0, m.private);
        }
        peakFds[k] = Math.max(peakFds[k] ?? 0, openFds(p));
      }
      if (tail !== undefined) samples.push(`${t0} ${Number(process.hrtime.bigint() / 1000n) - t0} p`);
    };
    const sampler = setInterval(() => sample(), 250);
    const tailEnv = tail === undefined ? {} : { env: { ...process.env, BENCH_TAIL_REQS: `${tail}-reqs`, BENCH_TAIL_OUT: `${tail}-generator` } };
    const child = spawn(d.nodeBin, [...(tail === undefined ? [] : tailArgs()), join(d.root, "benchmarks/proxy/bench-paced.ts"), String(port), String(rate), String(count),
      String((count + warm) / rate + 10), String(warm), protocol], {
      stdio: ["ignore", "pipe", "pipe"],
      ...tailEnv,
    });
    child.stderr.resume();
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      const had = out.includes("warm\n");
      out += c.toString();
      if (!had && out.includes("warm\n")) snapshot();
    });
    // Read as the generator's result arrives (the end of the measured part).
    let waitAfter: Record<string, number> = {};
    child.stdout.on("data", () => {
      if (out.includes("}\n")) waitAfter = waits();
    });
    await new Promise<void>((r) => child.once("exit", () => r()));
    clearInterval(sampler);
    sample(true);
    if (tail !== undefined) writeFileSync(`${tail}-sampler`, `${samples.join("\n")}\n`);
    const res = JSON.parse(out.split("\n").find((l) => l.startsWith("{")) ?? "{}") as Record<string, number>;
    const cpu: Record<string, number> = {};
    for (const [k, p] of Object.entries(proxies)) cpu[k] = Math.round(((d.cpuTicks(p) - before[k]!) / d.ticksPerSecond) * 1e6 / Math.max(1, res.requests ?? 0) * 10) / 10;
    const wait = Object.fromEntries(Object.entries(waitAfter).map(([k, v]) => [k, Math.round(((v - (waitBefore[k] ?? 0)) / Math.max(1, res.requests ?? 0)) * 10) / 10]));
    return { res, cpu, peak, peakAnon, peakPss, peakPrivate, peakFds, wait };
  };

  const direct: Partial<Record<Protocol, Record<string, number>>> = {};
  let round = 0;
  /** BENCH_TAIL_TRACE: the path prefix of a scenario's tail records in this round. */
  const tailOf = (name: string): string | undefined => {
    const dir = tailDir();
    if (dir === undefined) return undefined;
    mkdirSync(dir, { recursive: true });
    return join(dir, `${name.replace(/[^\w.-]/g, "_")}-r${round}`);
  };
  /** Sets BENCH_TAIL_OUT for a process of `name`'s pair about to be spawned (startChild passes this process's environment). */
  const probeOut = (name: string, role: string) => {
    const t = tailOf(name);
    if (t === undefined) delete process.env.BENCH_TAIL_OUT;
    else process.env.BENCH_TAIL_OUT = `${t}-${role}`;
  };
  /** Per scenario, one entry per round. */
  const results = new Map<string, RoundResult[]>();
  // BENCH_PACED_ONLY="weft-sidecar-pair-tracing-off,nginx-mtls-pair": run only those scenarios (the direct runs always).
  const only = process.env.BENCH_PACED_ONLY?.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const chosen = (name: string) => only === undefined || only.length === 0 || name.startsWith("direct") || only.includes(name);
  const scenario = async (name: string, protocol: Protocol, port: number, proxies: Proxies, extra: Record<string, unknown> = {}, spans?: () => number, gc: Record<string, GcTally> = {},
    mesh?: MeshTally) => {
    const idle = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, procKb(p, "VmRSS")]));
    const spans0 = spans?.() ?? 0;
    const tail = tailOf(name);
    const { res, cpu, peak, peakAnon, peakPss, peakPrivate, peakFds, wait } = await paced(port, protocol, proxies, gc, mesh, tail);
    const base = direct[protocol];
    const out: Record<string, unknown> = { bench: "proxy-paced", scenario: name, protocol, round, rate, ...extra, ...res };
    // A run that did not answer every request (a stalled machine, a broken proxy) has no latency figures:
    // its added latency stays out of the medians and no goal is met on it.
    const complete = (r: Record<string, number> | undefined) => r !== undefined && r.requests === count && Number.isFinite(r.p99_us);
    if (!complete(res)) out.incomplete = true;
    if (base !== undefined && complete(base) && complete(res)) {
      out.added_p50_us = res.p50_us! - base.p50_us!;
      out.added_p99_us = res.p99_us! - base.p99_us!;
      out.added_p999_us = res.p999_us! - base.p999_us!;
    }
    out.cpu_us_per_req = cpu;
    out.cpu_us_per_req_total = Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 10) / 10;
    // Time each process (all its threads) waited for a CPU, per request: the scheduler's share of the latency.
    out.run_queue_wait_us_per_req = wait;
    out.rss_kb_idle = idle;
    out.rss_kb_peak = peak;
    out.rss_anon_kb_peak = peakAnon;
    out.private_kb_peak = peakPrivate;
    out.pss_kb_peak = peakPss;
    // Connections explain most of a proxy's peak: a stalled generator opens up to 64, each side of a pair
    // then holds one downstream and one upstream socket per request in flight (docs/proxy.md, "Memory").
    out.fds_peak = peakFds;
    if (spans !== undefined) out.otlp_exports = spans() - spans0;
    // New mesh mTLS connections (full handshakes) during the measured part (mesh-tally.ts).
    if (mesh !== undefined) out.mesh_handshakes = mesh.since();
    if (Object.keys(gc).length > 0) out.gc = Object.fromEntries(Object.entries(gc).map(([k, t]) => [k, t.since(res.requests ?? 0)]));
    if (tail !== undefined) {
      // The probes flush every 100 ms.
      await new Promise((r) => setTimeout(r, 300));
      out.tail = tailTally(`${tail}-reqs`, { ...Object.fromEntries(Object.keys(proxies).map((k) => [k, `${tail}-${k}`])), generator: `${tail}-generator`, origin: join(tailDir()!, "origin"),
        sampler: `${tail}-sampler` });
    }
    if (smapsMode() !== "peak") out.smaps_sampling = smapsMode() === "every" || round % 2 === 1 ? "every" : "peak";
    out.loadavg = loadavg().map((x) => Math.round(x * 100) / 100);
    d.emit(out);
    const list = results.get(name) ?? [];
    const most = (r: Record<string, number>) => Math.max(0, ...Object.values(r));
    list.push({ addedP99: (out.added_p99_us as number | undefined) ?? (name.startsWith("direct") ? 0 : NaN), p99: complete(res) ? res.p99_us! : NaN,
      cpuTotal: complete(res) ? (out.cpu_us_per_req_total as number) : NaN, rssIdle: most(idle), rssPeak: most(peak), anonPeak: most(peakAnon), pssPeak: most(peakPss), privatePeak: most(peakPrivate),
      failed: (res.errors ?? 0) + (res.non2xx ?? 0) });
    results.set(name, list);
    return res;
  };

  const ca = testCa("bench-paced-ca");
  const td = "cluster.local";
  const idA = `spiffe://${td}/ns/bench/sa/client`;
  const idB = `spiffe://${td}/ns/bench/sa/reviews`;
  const leafA = ca.leaf({ cn: "client", uris: [idA] });
  const leafB = ca.leaf({ cn: "reviews", uris: [idB] });

  const baselineDir = process.env.BENCH_PACED_BASELINE;
  const baselineFlags = baselineDir !== undefined && baselineDir !== "" && existsSync(join(baselineDir, "pkg/util/proxy-node-options.ts")) ?
    sidecarFlagsOf(await import(join(baselineDir, "pkg/util/proxy-node-options.ts")) as Parameters<typeof sidecarFlagsOf>[0])
    : undefined;
  const variants = variantsOf(process.env, protocols, baselineFlags);
  const build = compileSidecar(d.root);
  const baselineBuild = variants.some((v) => v.baseline === true) ? compileSidecar(process.env.BENCH_PACED_BASELINE!) : undefined;
  // OTLP/HTTP receiver: counts export calls, answers an empty ExportTraceServiceResponse.
  let exports = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports++;
      const json = String(req.headers["content-type"] ?? "").includes("json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : "");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const otlpPort = (receiver.address() as AddressInfo).port;
  // OTLP/gRPC (h2c): every TraceService/Export call answered with an empty response message and status 0.
  const grpcReceiver = createHttp2Server();
  grpcReceiver.on("stream", (stream) => {
    stream.resume();
    stream.on("end", () => {
      exports++;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.alloc(5));
    });
    stream.on("error", () => {});
  });
  await new Promise<void>((r) => grpcReceiver.listen(0, "127.0.0.1", r));
  const otlpGrpcPort = (grpcReceiver.address() as AddressInfo).port;
  // BENCH_TRACING_PROTOCOL (http | grpc) and BENCH_TRACING_EXPORT_MS: what the tracing pairs export with; unset, OTLP/HTTP
  // after at most 5 s (the shipped delay). Not the shipped protocol, gRPC: a bench sidecar has no controller link, whose
  // @grpc/grpc-js a shipped one's export runs on, so over gRPC it would load a second copy that a shipped sidecar does
  // not (docs/telemetry.md). A baseline checkout's bench-sidecar from before these exported OTLP/HTTP every 1 s.
  const otlp = { otlpPort, otlpGrpcPort, otlpProtocol: process.env.BENCH_TRACING_PROTOCOL === "grpc" ? "grpc" : "http",
    ...(process.env.BENCH_TRACING_EXPORT_MS ? { exportDelayMs: Number(process.env.BENCH_TRACING_EXPORT_MS) } : {}) };

  // Reference pairs and the minimal node pair: same CA. Their server side requires a client
  // certificate, their client side verifies the server's name against the CA.
  const srv = ca.leaf({ cn: "server.bench", dns: ["server.bench"] });
  const cli = ca.leaf({ cn: "client.bench", dns: ["client.bench"] });
  const f = (name: string, text: string) => {
    const p = join(d.dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const files: PairFiles = {
    ca: f("paced-ca.crt", ca.certPem),
    server: { crt: f("pair-server.crt", srv.certPem), key: f("pair-server.key", srv.keyPem), pem: f("pair-server.pem", srv.certPem + srv.keyPem) },
    client: { crt: f("pair-client.crt", cli.certPem), key: f("pair-client.key", cli.keyPem), pem: f("pair-client.pem", cli.certPem + cli.keyPem) },
  };
  const originOf = (p: Protocol) => (p === "grpc" ? d.origin.grpcPort : d.origin.h1Port);
  const minB = join(d.dir, "min-b.json");
  writeFileSync(minB, JSON.stringify({ role: "inbound", port: d.origin.h1Port, keyPem: srv.keyPem, certPem: srv.certPem, caPem: ca.certPem }), { mode: 0o600 });
  const minEntry = join(d.root, "benchmarks/proxy/bench-node-minimal-pair.ts");
  const llEntry = join(d.root, "benchmarks/proxy/bench-llhttp-minimal-pair.ts");
  const ownEntry = join(d.root, "benchmarks/proxy/bench-h1-own-minimal-pair.ts");

  // The absolute floor for any Node pair: a byte pipe, no HTTP work (bench-tls-pipe-pair.ts), its reads through
  // one reused buffer (run by default) or stream.pipe (only when named in BENCH_PACED_ONLY), over mTLS or (tcp-*)
  // plain TCP between the sides; BENCH_TLS_PIPE_CIPHERS="TLS_AES_128_GCM_SHA256,..." adds (when named)
  // tls-pipe-mtls-pair-<suite>, both sides restricted to that suite.
  const pipeEntry = join(d.root, "benchmarks/proxy/bench-tls-pipe-pair.ts");
  const pipeFloors = [
    { name: "tls-onread-mtls-pair", reads: "onread", tls: true, byDefault: true },
    { name: "tcp-onread-pair", reads: "onread", tls: false, byDefault: true },
    { name: "tls-pipe-mtls-pair", reads: "pipe", tls: true, byDefault: false },
    { name: "tcp-pipe-pair", reads: "pipe", tls: false, byDefault: false },
    ...(process.env.BENCH_TLS_PIPE_CIPHERS ?? "").split(",").filter((c) => /^TLS_[A-Z0-9_]+$/.test(c)).map((c) => ({
      name: `tls-pipe-mtls-pair-${c}`,
      reads: "pipe",
      tls: true,
      byDefault: false,
      ciphers: c,
    })),
  ].filter((v) => (only === undefined || only.length === 0 ? v.byDefault : only.includes(v.name)));
  const pipeFloor = async (v: (typeof pipeFloors)[number]) => {
    const own = { reads: v.reads, tls: v.tls, ...("ciphers" in v ? { ciphers: v.ciphers } : {}) };
    const pb = d.startChild(d.nodeBin, [...SHIPPED, pipeEntry,
      f("pipe-b.json", JSON.stringify({ role: "inbound", port: d.origin.h1Port, keyPem: srv.keyPem, certPem: srv.certPem, caPem: ca.certPem, ...own }))]);
    const { port: pbPort, pid: pbPid } = await d.firstJsonLine(pb);
    // The suite the pair negotiated (the inbound side prints its first mesh connection's), on the scenario's line.
    const seen: Record<string, unknown> = {};
    let out = "";
    pb.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /\{"cipher".*\}/.exec(out);
      if (m !== null && seen.cipher === undefined) Object.assign(seen, JSON.parse(m[0]) as Record<string, unknown>);
    });
    const pa = d.startChild(d.nodeBin, [...SHIPPED, pipeEntry,
      f("pipe-a.json", JSON.stringify({ role: "outbound", port: pbPort, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem, ...own }))]);
    const { port: paPort, pid: paPid } = await d.firstJsonLine(pa);
    await scenario(v.name, "http1", paPort!, { outbound: [paPid!], inbound: [pbPid!] }, seen);
    await stop(pa);
    await stop(pb);
  };

  /** A reference pair (nginx or haproxy): two processes, client side then server side, on free ports. */
  const referencePair = async (name: "nginx" | "haproxy", protocol: Protocol, tls13 = false) => {
    const scenarioName = `${name}${protocol === "grpc" ? "-grpc" : ""}${tls13 ? "-tls13" : ""}-mtls-pair`;
    if (!chosen(scenarioName)) return;
    if (!d.has(name)) {
      if (round === 1) d.emit({ bench: "proxy-paced", scenario: scenarioName, skipped: `${name} not installed` });
      return;
    }
    const ports = { client: await d.freePort(), server: await d.freePort(), origin: originOf(protocol) };
    const conf = name === "nginx" ? nginxMtlsPair(d.dir, protocol, ports, files) : haproxyMtlsPair(protocol, ports, files);
    const sConf = f(`${scenarioName}-server.conf`, conf.server);
    const cConf = f(`${scenarioName}-client.conf`, tls13 ? conf.client.replace("proxy_ssl_session_reuse on;", "proxy_ssl_session_reuse on; proxy_ssl_protocols TLSv1.3;") : conf.client);
    const args = (c: string) => (name === "nginx" ? ["-c", c, "-p", d.dir] : ["-f", c, "-db"]);
    const s = d.startChild(name, args(sConf));
    const c = d.startChild(name, args(cConf));
    await d.waitPort(ports.server);
    await d.waitPort(ports.client);
    await scenario(scenarioName, protocol, ports.client, { client_side: d.treePids(c.pid!), server_side: d.treePids(s.pid!) });
    await stop(c);
    await stop(s);
  };

  try {
    for (round = 1; round <= rounds; round++) {
      for (const protocol of protocols) {
        // Direct: this round's baseline for the added latencies (CPU/RSS are the origin's).
        delete direct[protocol];
        direct[protocol] = await scenario(protocol === "grpc" ? "direct-grpc" : "direct", protocol, originOf(protocol), { origin: [d.origin.pid] });
        // The pairs run in one order in odd rounds and the reverse in even ones (A B, then B A, ...): this
        // checkout's pairs and their baseline builds, or the flag sets, take turns going first.
        const mine = variants.filter((v) => v.protocol === protocol && chosen(v.name));
        const ordered = round % 2 === 0 ? [...mine].reverse() : mine;
        for (const { name, ratio, flags, env, protocol: vp, baseline, clusterLimits } of ordered) {
          const entry = baseline === true ? baselineBuild!.entry : build.entry;
          const mat = (leaf: { keyPem: string; certPem: string }, identity: string) => ({ keyPem: leaf.keyPem, certChainPem: leaf.certPem, trustBundlePem: ca.certPem, identity });
          const cfgB = f(`sidecar-b-${fileSafe(name)}.json`, JSON.stringify({ role: "inbound", port: originOf(vp), mat: mat(leafB, idB), peerIdentity: idA, ratio, ...otlp, protocol: vp }));
          // startChild spawns with this process's environment: a variant's entries are set around its spawns.
          const saved = Object.fromEntries(Object.keys(env ?? {}).map((k) => [k, process.env[k]]));
          Object.assign(process.env, env);
          probeOut(name, "inbound");
          const b = d.startChild(d.nodeBin, [...flags, ...gcTrace(), ...tailArgs(), ...cpuProf(name, "inbound"), entry, cfgB]);
          const { port: bPort, pid: bPid } = await d.firstJsonLine(b);
          const cfgA = f(`sidecar-a-${fileSafe(name)}.json`, JSON.stringify({ role: "outbound", port: bPort, mat: mat(leafA, idA), peerIdentity: idB, ratio, ...otlp, protocol: vp, clusterLimits }));
          probeOut(name, "outbound");
          const a = d.startChild(d.nodeBin, [...flags, ...gcTrace(), ...tailArgs(), ...cpuProf(name, "outbound"), entry, cfgA]);
          delete process.env.BENCH_TAIL_OUT;
          for (const [k, v] of Object.entries(saved))
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          const { port: aPort, pid: aPid } = await d.firstJsonLine(a);
          // After both first lines: from here the tallies read the rest of each sidecar's stdout.
          const gc = gcTrace().length > 0 ? { outbound: gcTally(a), inbound: gcTally(b) } : {};
          const mesh = meshTally(b);
          // Let startup garbage settle before the idle RSS is read.
          await new Promise((r) => setTimeout(r, 1000));
          await scenario(name, vp, aPort!, { outbound: [aPid!], inbound: [bPid!] }, { sampling: ratio, node_flags: flags, ...(env !== undefined ? { env } : {}) }, ratio === "off" ? undefined : () =>
            exports, gc, mesh);
          await stop(a);
          await stop(b);
        }
        if (protocol === "http1" && process.env.BENCH_FLAG_SETS_ONLY !== "1" && chosen("node-minimal-mtls-pair")) {
          // The floor for any Node sidecar pair: bare node:http → node:http2 mTLS → node:http2 → node:http.
          const mb = d.startChild(d.nodeBin, [minEntry, minB]);
          const { port: mbPort, pid: mbPid } = await d.firstJsonLine(mb);
          const minA = f("min-a.json", JSON.stringify({ role: "outbound", port: mbPort, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem }));
          const ma = d.startChild(d.nodeBin, [minEntry, minA]);
          const { port: maPort, pid: maPid } = await d.firstJsonLine(ma);
          await scenario("node-minimal-mtls-pair", "http1", maPort!, { outbound: [maPid!], inbound: [mbPid!] });
          await stop(ma);
          await stop(mb);
        }
        if (protocol === "http1" && process.env.BENCH_FLAG_SETS_ONLY !== "1" && chosen("llhttp-minimal-mtls-pair")) {
          // The floor for a pair built as Weft's is: llhttp on both sides, pooled HTTP/1.1 over mTLS between them.
          probeOut("llhttp-minimal-mtls-pair", "inbound");
          const lb = d.startChild(d.nodeBin, [...SHIPPED, ...tailArgs(), llEntry, minB]);
          const { port: lbPort, pid: lbPid } = await d.firstJsonLine(lb);
          const llA = f("ll-a.json", JSON.stringify({ role: "outbound", port: lbPort, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem }));
          probeOut("llhttp-minimal-mtls-pair", "outbound");
          const la = d.startChild(d.nodeBin, [...SHIPPED, ...tailArgs(), llEntry, llA]);
          delete process.env.BENCH_TAIL_OUT;
          const { port: laPort, pid: laPid } = await d.firstJsonLine(la);
          await scenario("llhttp-minimal-mtls-pair", "http1", laPort!, { outbound: [laPid!], inbound: [lbPid!] });
          await stop(la);
          await stop(lb);
        }
        if (protocol === "http1" && process.env.BENCH_FLAG_SETS_ONLY !== "1" && chosen("h1-own-minimal-mtls-pair")) {
          // The same pair parsing HTTP/1.1 in JS instead of llhttp (a benchmark prototype: bench-h1-own-minimal-pair.ts).
          const ob = d.startChild(d.nodeBin, [...SHIPPED, ownEntry, minB]);
          const { port: obPort, pid: obPid } = await d.firstJsonLine(ob);
          const ownA = f("own-a.json", JSON.stringify({ role: "outbound", port: obPort, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem }));
          const oa = d.startChild(d.nodeBin, [...SHIPPED, ownEntry, ownA]);
          const { port: oaPort, pid: oaPid } = await d.firstJsonLine(oa);
          await scenario("h1-own-minimal-mtls-pair", "http1", oaPort!, { outbound: [oaPid!], inbound: [obPid!] });
          await stop(oa);
          await stop(ob);
        }
        if (protocol === "http1" && process.env.BENCH_FLAG_SETS_ONLY !== "1") { for (const v of pipeFloors) await pipeFloor(v); }
        await referencePair("nginx", protocol);
        // When named: the nginx pair with its hop held to TLS 1.3 (nginx 1.22's proxy_ssl_protocols default stops at 1.2).
        if (only?.includes("nginx-tls13-mtls-pair") === true) await referencePair("nginx", protocol, true);
        await referencePair("haproxy", protocol);
      }
    }
    emitPacedGoals(results, d.emit);
    if (baselineBuild !== undefined) emitPacedAb(results, process.env.BENCH_PACED_BASELINE!, d.emit);
  } finally {
    rmSync(build.dir, { recursive: true, force: true });
    if (baselineBuild !== undefined) rmSync(baselineBuild.dir, { recursive: true, force: true });
    await new Promise<void>((r) => receiver.close(() => r()));
    await new Promise<void>((r) => grpcReceiver.close(() => r()));
  }
}
