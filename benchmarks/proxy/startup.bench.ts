// startup.bench: how long a sidecar takes from process start to ready — config in force AND its mesh
// certificate issued AND /ready answering 200 — against a local controller (file provider, plaintext
// gRPC, --local-dev-tokens, the mesh CA in memory), as `weft local` runs them. Both run as shipped: the
// `npm run build` output (compiled into .cache/: the controller from the tsc emit, the sidecar from the
// proxy bundle, dist/cmd/weft-proxy.js, where the checkout has tools/bundle-proxy.ts) and, for the
// sidecar, the injected V8 flags. The sidecar
// has one explicit inbound listener (no capture: that needs root and netfilter). Per start, one JSON line:
// ms from spawn to "config in force", to "workload certificate issued", to the first /ready 200 (polled
// every 5 ms), ready = the latest of the three, the CPU time it took (user + system: on a loaded machine
// the wall time is mostly waiting for a core), and RSS / private / PSS (kB) once ready. Beside it the
// floor: a bare `node -e` that exits at once, and the same sidecar from a static --config file (no
// controller, no certificate). Then one "proxy-startup-goal" line: median ready ≤ 300 ms (`met`).
// Env: BENCH_STARTS (default 7) starts of each; BENCH_STARTUP_BASELINE=<another checkout> adds that
// checkout's sidecar (built the same way, with the V8 flags it ships, against the same controller) to every round, for before/after.
// Bounded: every start waits at most 30 s; every child is stopped after its start.
// Must not: listen or connect anywhere but loopback; print tokens.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";
import { sidecarFlagsOf } from "./shipped-flags.ts";
import { kill } from "../../test/support/child-processes.ts";
import { freePort } from "../../test/support/free-port.ts";
import { median } from "./paced-goals.ts";
import { cpuTicks, procKb } from "./proc-kb.ts";

const root = resolve(import.meta.dirname, "../..");
const starts = Math.max(1, Number(process.env.BENCH_STARTS ?? 7));
const work = mkdtempSync(join(tmpdir(), "weft-startup-bench-"));
const out = join(root, ".cache", `bench-startup-${process.pid}`);
const baselineRoot = process.env.BENCH_STARTUP_BASELINE !== undefined && process.env.BENCH_STARTUP_BASELINE !== "" ? resolve(process.env.BENCH_STARTUP_BASELINE) : undefined;
const baselineOut = baselineRoot === undefined ? undefined : join(baselineRoot, ".cache", `bench-startup-${process.pid}`);
const children = new Set<ChildProcess>();
const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) })}\n`);
const shipped = sidecarFlagsOf({ SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS });
/** The flags the baseline checkout ships (its pkg/util/proxy-node-options.ts), so a flag change is measured too. */
const baselineShipped = baselineRoot !== undefined && existsSync(join(baselineRoot, "pkg/util/proxy-node-options.ts")) ?
  sidecarFlagsOf(await import(join(baselineRoot, "pkg/util/proxy-node-options.ts")) as Parameters<typeof sidecarFlagsOf>[0])
  : shipped;

function status(port: number, path: string): Promise<number> {
  return new Promise((r) => {
    const req = get({ host: "127.0.0.1", port, path, timeout: 1000 }, (res) => {
      res.resume();
      r(res.statusCode ?? 0);
    });
    req.on("error", () => r(0));
    req.on("timeout", () => {
      req.destroy();
      r(0);
    });
  });
}

/** Spawns `args`; resolves the ms (from spawn) at which each of `lines` first appeared on its output and /ready answered 200. */
async function timeStart(args: string[], env: NodeJS.ProcessEnv, adminPort: number, lines: Record<string, RegExp>): Promise<{ child: ChildProcess; at: Record<string, number> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const at: Record<string, number> = {};
  for (const s of [child.stdout, child.stderr]) {
    createInterface({ input: s }).on("line", (l) => {
      for (const [k, re] of Object.entries(lines)) if (at[k] === undefined && re.test(l)) at[k] = performance.now() - t0;
    });
  }
  const deadline = t0 + 30_000;
  while (performance.now() < deadline && child.exitCode === null) {
    if (at.ready === undefined && (await status(adminPort, "/ready")) === 200) at.ready = performance.now() - t0;
    if (at.ready !== undefined && Object.keys(lines).every((k) => at[k] !== undefined)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  for (const k of ["ready", ...Object.keys(lines)]) if (at[k] === undefined) throw new Error(`start ${args.join(" ")}: no ${k} within 30 s (exit ${child.exitCode})`);
  return { child, at };
}

function stop(c: ChildProcess): Promise<void> {
  children.delete(c);
  return kill(c);
}

/** The `npm run build` output of `checkout` into `dir`; gives its cmd/weft.js and the proxy's command (the bundle, or `weft.js proxy` before there was one). */
function build(checkout: string, dir: string): { weft: string; proxy: string[] } {
  mkdirSync(dir, { recursive: true });
  const tsc = spawnSync(process.execPath, [join(checkout, "node_modules/typescript/bin/tsc"), "-p", join(checkout, "tsconfig.build.json"), "--outDir", dir], { cwd: checkout, encoding: "utf8",
    timeout: 300_000 });
  if (tsc.status !== 0) throw new Error(`build of ${checkout} failed: ${tsc.stdout}${tsc.stderr}`);
  cpSync(join(checkout, "pkg/distribution/weft-distribution.proto"), join(dir, "pkg/distribution/weft-distribution.proto"));
  const weft = join(dir, "cmd/weft.js");
  if (!existsSync(join(checkout, "tools/bundle-proxy.ts"))) return { weft, proxy: [weft, "proxy"] };
  const bundle = spawnSync(process.execPath, [join(checkout, "tools/bundle-proxy.ts"), dir], { cwd: checkout, encoding: "utf8", timeout: 120_000 });
  if (bundle.status !== 0) throw new Error(`proxy bundle of ${checkout} failed: ${bundle.stdout}${bundle.stderr}`);
  return { weft, proxy: [join(dir, "cmd/weft-proxy.js")] };
}

try {
  const { weft, proxy } = build(root, out);
  const baseline = baselineRoot === undefined ? undefined : build(baselineRoot, baselineOut!);

  // A controller over an empty mesh but one Service (file provider), with a token and ServiceAccount per
  // sidecar start: as in a cluster, where each new pod signs once. (With one identity for every start, the
  // CA's per-identity signing limit — burst 5, then 10 a minute — held every start after the fifth for seconds.)
  const manifests = join(work, "manifests");
  mkdirSync(manifests);
  writeFileSync(join(manifests, "services.yaml"), `apiVersion: v1
kind: Namespace
metadata: { name: bench }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: bench }
spec: { clusterIP: 10.96.0.10, ports: [{ name: http, port: 9080 }] }
`);
  const accounts = Array.from({ length: starts }, (_, i) => [`reviews-${i + 1}`, `reviews-${i + 1}-baseline`]).flat();
  const tokenPath = (serviceAccount: string): string => join(work, `${serviceAccount}.token`);
  for (const sa of accounts) writeFileSync(tokenPath(sa), `startup-bench-token-${sa}`, { mode: 0o600 });
  const tokens = join(work, "tokens.json");
  writeFileSync(tokens, JSON.stringify({ tokens: accounts.map((sa) => ({ namespace: "bench", serviceAccount: sa, token: `startup-bench-token-${sa}` })) }), { mode: 0o600 });
  const grpcPort = await freePort();
  const ctlAdmin = await freePort();
  const controller = spawn(process.execPath, [weft, "controller", "--provider", "file", "--dir", manifests, "--grpc-address", "127.0.0.1", "--grpc-port", String(grpcPort), "--admin-port",
    String(ctlAdmin), "--local-dev-tokens", tokens, "--namespace", "weft-system", "--grpc-insecure"], { stdio: ["ignore", "ignore", "ignore"] });
  children.add(controller);
  const ctlDeadline = performance.now() + 60_000;
  while ((await status(ctlAdmin, "/ready")) !== 200) {
    if (performance.now() > ctlDeadline || controller.exitCode !== null) throw new Error("the controller did not get ready");
    await new Promise((r) => setTimeout(r, 50));
  }
  const staticIr = join(work, "ir.json");
  writeFileSync(staticIr, JSON.stringify({ gateways: [], services: [], clusters: [], secrets: [] }));
  const env = { ...process.env, WEFT_CONTROLLER_INSECURE: "true" };

  const results: Record<string, number[]> = { "sidecar-controller": [], static: [], bare: [] };
  /** CPU time (user + system) of each controller sidecar from its start to ready: what a loaded machine's scheduling does not blur. */
  const cpuMs: Record<string, number[]> = {};
  const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
  const memory: { rss: number[]; priv: number[]; pss: number[] } = { rss: [], priv: [], pss: [] };
  for (let i = 1; i <= starts; i++) {
    // Interleaved: bare node, the static-config sidecar, the controller sidecar.
    const t0 = performance.now();
    spawnSync(process.execPath, ["-e", ""]);
    const bare = performance.now() - t0;
    results.bare!.push(bare);
    emit({ bench: "proxy-startup", kind: "bare-node", start: i, exit_ms: Math.round(bare) });

    const common =
      async () => ["--mode", "sidecar", "--namespace", "bench", "--admin-port", String(await freePort()), "--bind", "127.0.0.1", "--capture", "false", "--listen-inbound",
        `127.0.0.1:${await freePort()}=${await freePort()}`, "--drain-ms", "0"];
    const sArgs = await common();
    const s = await timeStart([...shipped, ...proxy, ...sArgs, "--config", staticIr], env, Number(sArgs[5]), { config: /config in force/ });
    const sReady = Math.max(...Object.values(s.at));
    results.static!.push(sReady);
    emit({ bench: "proxy-startup", kind: "sidecar-static-config", start: i, config_ms: Math.round(s.at.config!), ready_probe_ms: Math.round(s.at.ready!), ready_ms: Math.round(sReady) });
    await stop(s.child);

    const sidecars: [string, string[]][] = [["sidecar-controller", proxy], ...(baseline !== undefined ? [["sidecar-controller-baseline", baseline.proxy] as [string, string[]]] : [])];
    // With a baseline, the order flips every round.
    for (const [kind, entry] of i % 2 === 0 ? sidecars.reverse() : sidecars) {
      const cArgs = await common();
      const sa = kind === "sidecar-controller" ? `reviews-${i}` : `reviews-${i}-baseline`;
      const c = await timeStart([...(kind === "sidecar-controller" ? shipped : baselineShipped), ...entry, ...cArgs, "--controller", `127.0.0.1:${grpcPort}`, "--pod", `reviews-${i}`,
        "--service-account", sa, "--token-path", tokenPath(sa)], env, Number(cArgs[5]), { config: /config in force/, certificate: /workload certificate issued/ });
      const ready = Math.max(...Object.values(c.at));
      (results[kind] ??= []).push(ready);
      const pid = [c.child.pid!];
      const mem = { rss_kb: procKb(pid, "VmRSS"), private_kb: procKb(pid, "Private"), pss_kb: procKb(pid, "Pss") };
      const cpu = Math.round((cpuTicks(pid) * 1000) / ticksPerSecond);
      (cpuMs[kind] ??= []).push(cpu);
      if (kind === "sidecar-controller") {
        memory.rss.push(mem.rss_kb);
        memory.priv.push(mem.private_kb);
        memory.pss.push(mem.pss_kb);
      }
      emit({ bench: "proxy-startup", kind, start: i, config_ms: Math.round(c.at.config!), certificate_ms: Math.round(c.at.certificate!), ready_probe_ms: Math.round(c.at.ready!),
        ready_ms: Math.round(ready), cpu_ms: cpu, ...mem });
      await stop(c.child);
    }
  }
  const med = (xs: number[]) => Math.round(median(xs));
  emit({ bench: "proxy-startup-goal", goal: "sidecar from process start to ready (config in force, certificate issued) <= 300 ms", starts, ready_ms_median: med(results["sidecar-controller"]!),
    ready_ms_rounds: results["sidecar-controller"]!.map(Math.round), ready_cpu_ms_median: med(cpuMs["sidecar-controller"] ?? []), ...(results["sidecar-controller-baseline"] !== undefined
      ? { baseline: baselineRoot, baseline_ready_ms_median: med(results["sidecar-controller-baseline"]), baseline_ready_ms_rounds: results["sidecar-controller-baseline"].map(Math.round),
        baseline_ready_cpu_ms_median: med(cpuMs["sidecar-controller-baseline"] ?? []) }
      : {}), static_config_ready_ms_median: med(results.static!), floor: "bare node -e ''", floor_ms_median: med(results.bare!), ready_rss_kb_median: med(memory.rss),
    ready_private_kb_median: med(memory.priv), ready_pss_kb_median: med(memory.pss), met: median(results["sidecar-controller"]!) <= 300 });
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(out, { recursive: true, force: true });
  if (baselineOut !== undefined) rmSync(baselineOut, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
