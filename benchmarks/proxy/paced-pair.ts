// paced-pair: the side-by-side at a FIXED request rate (default 1,000/s, open loop, bench-paced.ts, after
// BENCH_PACED_WARM_SECONDS (default 5) of uncounted warm-up in the same generator process):
// direct (client → origin) vs an nginx mTLS pair (client-side nginx proxy_pass https with a client
// certificate → server-side nginx with ssl_verify_client → origin) vs the Weft sidecar pair (outbound
// sidecar → mesh mTLS h2 → inbound sidecar → origin, one process per sidecar) with tracing off, 1% and
// 100% sampling (OTLP/HTTP to a receiver in this process). The sidecars run as shipped: compiled JS (the
// same tsc emit as `npm run build`, into .cache/) with the sidecar's V8 flags (pkg/util/proxy-node-options.ts);
// one more pair runs the way it ran before both (TypeScript source, Node's default heap) for the
// before/after. BENCH_FLAG_SETS="-;--max-semi-space-size=1;--max-semi-space-size=2 --optimize-for-size"
// adds one tracing-off compiled pair per set of V8 flags ("-" = Node's defaults; NAME=value entries set
// the environment, e.g. MALLOC_ARENA_MAX=2) to choose those flags; BENCH_FLAG_SETS_ONLY=1 runs only those. Certificates come from a test CA made here with
// node-forge. Beside them, the floor for any Node sidecar pair (bench-node-minimal-pair.ts: bare node:http
// → node:http2 mTLS → node:http2 → node:http, no Weft). BENCH_PACED_ROUNDS (default 3) rounds of all
// scenarios in the same order; per scenario and round one JSON line: latency percentiles, added latency over that round's direct, CPU µs per
// request, idle RSS (kB, after start) and peak RSS (kB, during the paced run) of each proxy, the same for
// its anonymous part (RssAnon: process-private; the rest is file-backed, mostly the node binary, shared by
// every process running it), peak PSS (kB: shared pages split between the processes mapping them), spans
// received by the receiver. Then one "proxy-paced-summary" line per
// scenario (medians over the rounds) and one "proxy-paced-goal" line (Weft pair vs nginx pair).
// Bounded: each paced run is <count> requests and at most seconds+10 s; every child is stopped after its run.
// Must not: send anywhere but loopback.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PROXY_NODE_OPTIONS, SIDECAR_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";
import { testCa } from "../../test/support/certs.ts";
import { procKb } from "./proc-kb.ts";
import { nginxHead } from "./reference-proxies.ts";

export interface PacedDeps {
  root: string; dir: string; nodeBin: string; originPort: number; originPid: number;
  emit(o: Record<string, unknown>): void;
  startChild(cmd: string, args: string[]): ChildProcess;
  firstJsonLine(c: ChildProcess): Promise<Record<string, number>>;
  freePort(): Promise<number>;
  waitPort(port: number): Promise<void>;
  treePids(pid: number): number[];
  cpuTicks(pids: number[]): number;
  ticksPerSecond: number;
}

type Proxies = Record<string, number[]>;

/** One sidecar pair configuration: tracing, V8 flags, source (.ts) or compiled (.js) entry. */
interface Variant { name: string; ratio: "off" | number; flags: string[]; compiled: boolean; env?: Record<string, string> }

/**
 * Compiles bench-sidecar.ts and the pkg/ files it imports with tsconfig.build.json (the `npm run build`
 * emit) under <root>/.cache (inside the repo so node_modules resolve); gives the .js entry and its dir.
 */
function compileSidecar(root: string): { entry: string; dir: string } {
  const dir = join(root, ".cache", `bench-build-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    extends: "../../tsconfig.build.json",
    compilerOptions: { outDir: ".", rootDir: "../.." },
    include: [], files: ["./bench-sidecar.ts"],
  }));
  const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`compiling bench-sidecar failed: ${r.stdout}${r.stderr}`);
  return { entry: join(dir, "benchmarks/proxy/bench-sidecar.js"), dir };
}

function variantsOf(env: NodeJS.ProcessEnv): Variant[] {
  // What the injector gives a sidecar: NODE_OPTIONS plus the launcher's WEFT_NODE_ARGS, here as node arguments.
  const shipped = `${PROXY_NODE_OPTIONS} ${SIDECAR_NODE_ARGS}`.split(" ").filter((x) => x !== "");
  const out: Variant[] = env.BENCH_FLAG_SETS_ONLY === "1" ? [] : [
    { name: "weft-sidecar-pair-tracing-off", ratio: "off", flags: shipped, compiled: true },
    { name: "weft-sidecar-pair-tracing-1%", ratio: 0.01, flags: shipped, compiled: true },
    { name: "weft-sidecar-pair-tracing-100%", ratio: 1, flags: shipped, compiled: true },
    { name: "weft-sidecar-pair-tracing-off-before", ratio: "off", flags: [], compiled: false },
  ];
  // BENCH_FLAG_SETS="--max-semi-space-size=1;MALLOC_ARENA_MAX=2 --max-semi-space-size=2;-": one more
  // tracing-off compiled pair per set of V8 flags and NAME=value environment entries ("-" = Node's defaults).
  for (const set of (env.BENCH_FLAG_SETS ?? "").split(";").map((x) => x.trim()).filter((x) => x !== "")) {
    const tokens = set === "-" ? [] : set.split(/\s+/);
    const flags = tokens.filter((t) => t.startsWith("--"));
    const vars = Object.fromEntries(tokens.filter((t) => !t.startsWith("--")).map((t) => {
      const m = /^([A-Z][A-Z0-9_]*)=([\w.-]+)$/.exec(t);
      if (m === null) throw new Error(`BENCH_FLAG_SETS: bad entry "${t}" (want --v8-flag[=N] or NAME=value)`);
      return [m[1]!, m[2]!];
    }));
    for (const f of flags) if (!/^--[a-z0-9-]+(=[0-9]+)?$/.test(f)) throw new Error(`BENCH_FLAG_SETS: bad flag "${f}"`);
    const label = tokens.length === 0 ? "-default" : tokens.map((t) => `-${t.replace(/^--/, "").toLowerCase()}`).join("");
    out.push({ name: `weft-sidecar-pair-tracing-off-flags${label}`, ratio: "off", flags, compiled: true, ...(Object.keys(vars).length > 0 ? { env: vars } : {}) });
  }
  return out;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once("exit", () => r()));
  c.kill("SIGTERM");
  const t = setTimeout(() => c.kill("SIGKILL"), 2000);
  await gone;
  clearTimeout(t);
}

export async function pacedSideBySide(d: PacedDeps): Promise<void> {
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
  const paced = async (port: number, n: number, proxies: Proxies) => {
    let before: Record<string, number> = {};
    const snapshot = () => { before = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, d.cpuTicks(p)])); };
    snapshot();
    const peak: Record<string, number> = {};
    const peakAnon: Record<string, number> = {};
    const peakPss: Record<string, number> = {};
    const sample = () => {
      for (const [k, p] of Object.entries(proxies)) {
        peak[k] = Math.max(peak[k] ?? 0, procKb(p, "VmRSS"));
        peakAnon[k] = Math.max(peakAnon[k] ?? 0, procKb(p, "RssAnon"));
        peakPss[k] = Math.max(peakPss[k] ?? 0, procKb(p, "Pss"));
      }
    };
    const sampler = setInterval(sample, 250);
    const child = spawn(d.nodeBin, [join(d.root, "benchmarks/proxy/bench-paced.ts"), String(port), String(rate), String(n), String((n + warm) / rate + 10), String(warm)], { stdio: ["ignore", "pipe", "pipe"] });
    child.stderr.resume();
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      const had = out.includes("warm\n");
      out += c.toString();
      if (!had && out.includes("warm\n")) snapshot();
    });
    await new Promise<void>((r) => child.once("exit", () => r()));
    clearInterval(sampler);
    sample();
    const res = JSON.parse(out.split("\n").find((l) => l.startsWith("{")) ?? "{}") as Record<string, number>;
    const cpu: Record<string, number> = {};
    for (const [k, p] of Object.entries(proxies)) cpu[k] = Math.round(((d.cpuTicks(p) - before[k]!) / d.ticksPerSecond) * 1e6 / Math.max(1, res.requests ?? 0) * 10) / 10;
    return { res, cpu, peak, peakAnon, peakPss };
  };

  let direct: Record<string, number> | undefined;
  let round = 0;
  /** Per scenario, one entry per round: its added p99 over that round's direct run, and its CPU. */
  const results = new Map<string, { addedP99: number; p99: number; cpuTotal: number; rssIdle: number; rssPeak: number; anonPeak: number; pssPeak: number }[]>();
  const scenario = async (name: string, port: number, proxies: Proxies, extra: Record<string, unknown> = {}, spans?: () => number) => {
    const idle = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, procKb(p, "VmRSS")]));
    const idleAnon = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, procKb(p, "RssAnon")]));
    const spans0 = spans?.() ?? 0;
    const { res, cpu, peak, peakAnon, peakPss } = await paced(port, count, proxies);
    const out: Record<string, unknown> = { bench: "proxy-paced", scenario: name, round, rate, ...extra, ...res };
    if (direct !== undefined) {
      out.added_p50_us = res.p50_us! - direct.p50_us!;
      out.added_p99_us = res.p99_us! - direct.p99_us!;
      out.added_p999_us = res.p999_us! - direct.p999_us!;
    }
    out.cpu_us_per_req = cpu;
    out.cpu_us_per_req_total = Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 10) / 10;
    out.rss_kb_idle = idle;
    out.rss_kb_peak = peak;
    out.rss_anon_kb_idle = idleAnon;
    out.rss_anon_kb_peak = peakAnon;
    out.pss_kb_peak = peakPss;
    if (spans !== undefined) out.otlp_exports = spans() - spans0;
    d.emit(out);
    const list = results.get(name) ?? [];
    const most = (r: Record<string, number>) => Math.max(0, ...Object.values(r));
    list.push({ addedP99: (out.added_p99_us as number | undefined) ?? 0, p99: res.p99_us ?? NaN, cpuTotal: out.cpu_us_per_req_total as number,
      rssIdle: most(idle), rssPeak: most(peak), anonPeak: most(peakAnon), pssPeak: most(peakPss) });
    results.set(name, list);
    return res;
  };


  const ca = testCa("bench-paced-ca");
  const td = "cluster.local";
  const idA = `spiffe://${td}/ns/bench/sa/client`;
  const idB = `spiffe://${td}/ns/bench/sa/reviews`;
  const leafA = ca.leaf({ cn: "client", uris: [idA] });
  const leafB = ca.leaf({ cn: "reviews", uris: [idB] });

  const variants = variantsOf(process.env);
  const build = compileSidecar(d.root);
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

  // nginx mTLS pair and the minimal node pair: same CA. nginx's server side requires a client
  // certificate, its client side verifies the server's name against the CA.
  const srv = ca.leaf({ cn: "server.bench", dns: ["server.bench"] });
  const cli = ca.leaf({ cn: "client.bench", dns: ["client.bench"] });
  const f = (name: string, text: string) => { const p = join(d.dir, name); writeFileSync(p, text, { mode: 0o600 }); return p; };
  const caFile = f("paced-ca.crt", ca.certPem);
  const sPort = await d.freePort();
  const cPort = await d.freePort();
  const head = (n: string) => `${nginxHead(d.dir, n)}http { access_log off; keepalive_requests 100000;`;
  const sConf = f("ngx-server.conf", `${head("ngx-server")}
  upstream origin { server 127.0.0.1:${d.originPort}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${sPort} ssl; ssl_certificate ${f("ngx-server.crt", srv.certPem)}; ssl_certificate_key ${f("ngx-server.key", srv.keyPem)};
  ssl_client_certificate ${caFile}; ssl_verify_client on; ssl_protocols TLSv1.2 TLSv1.3;
  location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`);
  const cConf = f("ngx-client.conf", `${head("ngx-client")}
  upstream mesh { server 127.0.0.1:${sPort}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${cPort};
  location / { proxy_pass https://mesh; proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_ssl_certificate ${f("ngx-client.crt", cli.certPem)}; proxy_ssl_certificate_key ${f("ngx-client.key", cli.keyPem)};
    proxy_ssl_trusted_certificate ${caFile}; proxy_ssl_verify on; proxy_ssl_name server.bench; proxy_ssl_session_reuse on; } } }
`);
  const minB = join(d.dir, "min-b.json");
  writeFileSync(minB, JSON.stringify({ role: "inbound", port: d.originPort, keyPem: srv.keyPem, certPem: srv.certPem, caPem: ca.certPem }), { mode: 0o600 });
  const minEntry = join(d.root, "benchmarks/proxy/bench-node-minimal-pair.ts");

  const median = (xs: number[]) => { const a = [...xs].sort((x, y) => x - y); return a.length === 0 ? NaN : a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2; };
  const summarize = () => {
    for (const [name, list] of results) {
      d.emit({ bench: "proxy-paced-summary", scenario: name, rounds: list.length, p99_us_median: median(list.map((x) => x.p99)),
        ...(name === "direct" ? {} : { added_p99_us_median: median(list.map((x) => x.addedP99)), added_p99_us_rounds: list.map((x) => x.addedP99) }),
        cpu_us_per_req_total_median: median(list.map((x) => x.cpuTotal)),
        // Of the scenario's busiest process (kB), median over the rounds.
        rss_kb_idle_median: median(list.map((x) => x.rssIdle)), rss_kb_peak_median: median(list.map((x) => x.rssPeak)), rss_anon_kb_peak_median: median(list.map((x) => x.anonPeak)), pss_kb_peak_median: median(list.map((x) => x.pssPeak)) });
    }
    // The shipped pair, or the only flag-set pair when BENCH_FLAG_SETS_ONLY=1 ran one.
    const weftName = results.has("weft-sidecar-pair-tracing-off") ? "weft-sidecar-pair-tracing-off" : [...results.keys()].find((k) => k.startsWith("weft-sidecar-pair-tracing-off-flags"));
    const weft = weftName === undefined ? undefined : results.get(weftName);
    const nginx = results.get("nginx-mtls-pair");
    const floor = results.get("node-minimal-mtls-pair");
    if (weft !== undefined && nginx !== undefined) {
      const wins = weft.filter((w, i) => nginx[i] !== undefined && w.addedP99 <= nginx[i]!.addedP99).length;
      const weftP99 = median(weft.map((x) => x.addedP99));
      const nginxP99 = median(nginx.map((x) => x.addedP99));
      d.emit({ bench: "proxy-paced-goal", goal: "Weft sidecar pair adds no more p99 than the nginx mTLS pair at the same rate", scenario: weftName,
        weft_added_p99_us_median: weftP99, nginx_added_p99_us_median: nginxP99,
        ...(floor !== undefined ? { floor: "node-minimal-mtls-pair", floor_added_p99_us_median: median(floor.map((x) => x.addedP99)) } : {}),
        rounds_weft_not_worse: wins, rounds: Math.min(weft.length, nginx.length), met: weftP99 <= nginxP99 });
    }
    if (weft !== undefined) {
      // The floor's idle RSS: a node process with http, http2 and tls loaded and a listener open, before any request.
      const peak = median(weft.map((x) => x.rssPeak));
      d.emit({ bench: "proxy-rss-goal", goal: "RSS under 60 MB per proxy at this load", scenario: weftName, goal_kb: 60 * 1024,
        weft_rss_kb_peak_median: peak, weft_rss_anon_kb_peak_median: median(weft.map((x) => x.anonPeak)), weft_pss_kb_peak_median: median(weft.map((x) => x.pssPeak)),
        ...(floor !== undefined ? { floor: "node-minimal-mtls-pair", floor_rss_kb_idle_median: median(floor.map((x) => x.rssIdle)), floor_rss_kb_peak_median: median(floor.map((x) => x.rssPeak)) } : {}),
        met: peak < 60 * 1024 });
    }
  };

  try {
    for (round = 1; round <= rounds; round++) {
      // Direct: this round's baseline for the added latencies (CPU/RSS are the origin's).
      direct = undefined;
      direct = await scenario("direct", d.originPort, { origin: [d.originPid] });
      for (const { name, ratio, flags, compiled, env } of variants) {
        const entry = compiled ? build.entry : join(d.root, "benchmarks/proxy/bench-sidecar.ts");
        const cfgB = join(d.dir, `sidecar-b-${ratio}.json`);
        writeFileSync(cfgB, JSON.stringify({ role: "inbound", port: d.originPort, mat: { keyPem: leafB.keyPem, certChainPem: leafB.certPem, trustBundlePem: ca.certPem, identity: idB }, peerIdentity: idA, ratio, otlpPort }));
        // startChild spawns with this process's environment: a variant's entries are set around its spawns.
        const saved = Object.fromEntries(Object.keys(env ?? {}).map((k) => [k, process.env[k]]));
        Object.assign(process.env, env);
        const b = d.startChild(d.nodeBin, [...flags, entry, cfgB]);
        const { port: bPort, pid: bPid } = await d.firstJsonLine(b);
        const cfgA = join(d.dir, `sidecar-a-${ratio}.json`);
        writeFileSync(cfgA, JSON.stringify({ role: "outbound", port: bPort, mat: { keyPem: leafA.keyPem, certChainPem: leafA.certPem, trustBundlePem: ca.certPem, identity: idA }, peerIdentity: idB, ratio, otlpPort }));
        const a = d.startChild(d.nodeBin, [...flags, entry, cfgA]);
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
        const { port: aPort, pid: aPid } = await d.firstJsonLine(a);
        // Let startup garbage settle before the idle RSS is read.
        await new Promise((r) => setTimeout(r, 1000));
        await scenario(name, aPort!, { outbound: [aPid!], inbound: [bPid!] }, { sampling: ratio, compiled, node_flags: flags, ...(env !== undefined ? { env } : {}) }, ratio === "off" ? undefined : () => exports);
        await stop(a);
        await stop(b);
      }

      // The floor for any Node sidecar pair: bare node:http → node:http2 mTLS → node:http2 → node:http.
      const mb = d.startChild(d.nodeBin, [minEntry, minB]);
      const { port: mbPort, pid: mbPid } = await d.firstJsonLine(mb);
      const minA = join(d.dir, "min-a.json");
      writeFileSync(minA, JSON.stringify({ role: "outbound", port: mbPort, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem }), { mode: 0o600 });
      const ma = d.startChild(d.nodeBin, [minEntry, minA]);
      const { port: maPort, pid: maPid } = await d.firstJsonLine(ma);
      await scenario("node-minimal-mtls-pair", maPort!, { outbound: [maPid!], inbound: [mbPid!] });
      await stop(ma);
      await stop(mb);

      const ns = d.startChild("nginx", ["-c", sConf, "-p", d.dir]);
      const nc = d.startChild("nginx", ["-c", cConf, "-p", d.dir]);
      await d.waitPort(sPort);
      await d.waitPort(cPort);
      await scenario("nginx-mtls-pair", cPort, { client_side: d.treePids(nc.pid!), server_side: d.treePids(ns.pid!) });
      await stop(nc);
      await stop(ns);
    }
    summarize();
  } finally {
    rmSync(build.dir, { recursive: true, force: true });
    await new Promise<void>((r) => receiver.close(() => r()));
  }
}
