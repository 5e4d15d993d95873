// run: `weft local` end to end. Plans the processes from the manifests (plan.ts), checks
// every address is free, writes per-ServiceAccount tokens (0600, in a private temp dir) for the
// controller's --local-dev-tokens, then starts: the controller (file provider), the demo apps, one
// sidecar per Pod (explicit inbound listeners on the pod IP; the outbound face on Service ClusterIPs)
// and the gateway proxy; waits until every process is ready and holds its mesh certificate, probes
// the gateway, and prints the banner. SIGINT/SIGTERM stop everything (proxies, apps, controller).
// Takes LocalOptions; gives an exit code (0 after a clean stop, 1 when something cannot start or a
// child dies, with the reason and its log file).
// Must not: print tokens; leave children behind; listen on anything but loopback.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderBanner } from "./banner.ts";
import { planLocal, type LocalOptions, type LocalPlan } from "./plan.ts";
import { createSupervisor, type LocalChild, type Supervisor } from "./processes.ts";
import { startTraceSink, type TraceSink } from "./traces.ts";

const READY_TIMEOUT_MS = 60_000;

/**
 * Local mode talks to its controller in plaintext on loopback (everything is on this machine; its
 * serving certificate would have to name 127.0.0.1). The controller takes --grpc-insecure for that;
 * proxies read WEFT_CONTROLLER_INSECURE=true.
 */
export function plaintextControllerFlags(): string[] {
  return ["--grpc-insecure"];
}

interface Address {
  host: string;
  port: number;
  what: string;
  hint: string;
}

export function plannedAddresses(plan: LocalPlan): Address[] {
  const base = "pick another range with --base-port N (or WEFT_LOCAL_BASE_PORT)";
  const out: Address[] = [
    { host: "127.0.0.1", port: plan.controllerGrpcPort, what: "the controller gRPC port", hint: base },
    { host: "127.0.0.1", port: plan.controllerAdminPort, what: "the controller admin port", hint: base },
  ];
  for (const g of plan.gateways) {
    for (const [l, p] of g.portMap) {
      out.push({ host: "127.0.0.1", port: p, what: `the gateway ${g.namespace}/${g.name} listener ${l}`,
        hint: p === [...g.portMap.values()][0] ? "use --gateway-port N (or WEFT_LOCAL_GATEWAY_PORT)" : base });
    }
    out.push({ host: "127.0.0.1", port: g.adminPort, what: `the gateway ${g.name} admin port`, hint: base });
  }
  for (const a of plan.apps) {
    if (a.script !== undefined) out.push({ host: "127.0.0.1", port: a.appPort, what: `the app of pod ${a.pod}`, hint: base });
    out.push({ host: "127.0.0.1", port: a.adminPort, what: `the sidecar admin port of pod ${a.pod}`, hint: base });
    for (const p of a.inboundPorts)
      out.push({ host: a.podIp, port: p, what: `pod ${a.pod}'s inbound listener`, hint: "another weft local (or the e2e tests) may be running; stop it or give the pods other 127.x IPs" });
    for (const o of a.outbound)
      out.push({ host: o.host, port: o.bindPort, what: `the Service ClusterIP listener for ${o.host}:${o.port}`,
        hint: "another weft local (or the e2e tests) may be running; stop it or give the Services other 127.x ClusterIPs" });
  }
  return out;
}

function isFree(a: Address): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) =>
      resolve(
        e.code === "EADDRINUSE" ?
          `${a.host}:${a.port} (${a.what}) is already in use: ${a.hint}`
          : e.code === "EADDRNOTAVAIL" ?
          `${a.host}:${a.port} (${a.what}): ${a.host} is not an address of this machine (only 127.0.0.1 is on loopback, as on macOS); add it once with: sudo ifconfig lo0 alias ${a.host} up`
          : `${a.host}:${a.port} (${a.what}): ${e.message}`,
      ));
    s.listen({ host: a.host, port: a.port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

export async function checkAddresses(plan: LocalPlan): Promise<string[]> {
  const problems: string[] = [];
  for (const a of plannedAddresses(plan)) {
    const p = await isFree(a);
    if (p !== undefined) problems.push(p);
  }
  return problems;
}

export function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers, timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function until(what: string, ok: () => Promise<boolean>, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const f = failed();
    if (f !== undefined) throw new Error(f);
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${READY_TIMEOUT_MS / 1000}s waiting for ${what}`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(true));
    s.listen({ host: "127.0.0.1", port, exclusive: true }, () => s.close(() => resolve(false)));
  });
}

export interface LocalRunOptions extends LocalOptions {
  /** The `weft` entry point the controller runs as (cmd/weft.ts, or dist/cmd/weft.js). */
  readonly weftEntry: string;
  /** What the sidecars and the gateway proxy run: the proxy bundle (`weft proxy`'s flags; cmd/weft-proxy.ts bundled by tools/bundle-proxy.ts). */
  readonly proxyEntry: string;
}

export async function runLocal(o: LocalRunOptions, signal: Promise<void>): Promise<number> {
  let plan: LocalPlan;
  try {
    plan = planLocal(o);
  } catch (e) {
    process.stderr.write(`weft local: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const problems = await checkAddresses(plan);
  if (problems.length > 0) {
    process.stderr.write(`weft local: cannot start:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), "weft-local-"));
  const logDir = join(work, "logs");
  mkdirPrivate(logDir);
  const sup = createSupervisor(logDir, o.verbose);
  let traces: TraceSink | undefined;
  let died: string | undefined;
  let onDeath = (): void => {};
  const death = new Promise<void>((resolve) => {
    onDeath = resolve;
  });
  sup.onUnexpectedExit((c, code, sig) => {
    died = `${c.name} exited (${sig ?? `code ${code}`}); see ${join(logDir, `${c.name}.log`)}`;
    process.stderr.write(`weft local: ${died}\n`);
    onDeath();
  });
  let code = 1;
  const failed = (): string | undefined => died;
  try {
    traces = await startTraceSink(plan.traceReceiverPort, (line) => process.stdout.write(`${line}\n`));
    const tokens = writeTokens(work, plan);
    sup.removeOnCrash(join(work, "tokens"));
    const env = { ...traces.env, WEFT_CONTROLLER_INSECURE: "true" };
    const say = (m: string): void => {
      process.stderr.write(`weft local: ${m}\n`);
    };
    say(`starting the controller (manifests ${plan.dir}; logs in ${logDir})`);
    const controller = sup.start("controller", 3, [o.weftEntry, "controller", "--provider", "file", "--dir", plan.dir, "--grpc-address", "127.0.0.1", "--grpc-port", String(plan.controllerGrpcPort),
      "--admin-port", String(plan.controllerAdminPort), // Every Pod runs a sidecar here (one per Pod, this plan's own): all endpoints are reached over mTLS.
      "--local-dev-tokens", tokens.file, "--namespace", "weft-system", "--meshed-pods", "all", ...(o.caDir !== undefined ? ["--ca-dir", o.caDir] : []), ...plaintextControllerFlags()], env);
    await until("the controller /ready", async () => (await httpStatus(`http://127.0.0.1:${plan.controllerAdminPort}/ready`)) === 200, () =>
      failed() ?? (controller.exited ? "controller exited" : undefined));
    const started = plan.apps.filter((a) => a.script !== undefined);
    say(`starting ${started.length} demo apps${started.length < plan.apps.length ? ` (${plan.apps.length - started.length} pods name their own app)` : ""}`);
    for (const a of started) sup.start(`app-${a.pod}`, 2, [a.script!, ...a.args]);
    await Promise.all(started.map((a) => until(`app ${a.pod} on 127.0.0.1:${a.appPort}`, () => tcpOpen(a.appPort), failed)));
    const controllerAddr = `127.0.0.1:${plan.controllerGrpcPort}`;
    const proxies: { child: LocalChild; admin: number; cert: Promise<void> }[] = [];
    const startProxy = (name: string, admin: number, args: string[]): void => {
      const child = sup.start(name, 1, [o.proxyEntry, "--controller", controllerAddr, "--admin-port", String(admin), "--bind", "127.0.0.1", "--drain-ms", "3000", ...args], env);
      proxies.push({ child, admin, cert: sup.waitForLine(child, /workload certificate issued/) });
    };
    for (const a of plan.apps) {
      startProxy(`sidecar-${a.pod}`, a.adminPort, ["--mode", "sidecar", "--namespace", a.namespace, "--pod", a.pod, "--service-account", a.serviceAccount, "--token-path",
        tokens.path(a.namespace, a.serviceAccount), ...(a.inboundPorts.length > 0
          ? ["--listen-inbound", a.inboundPorts.map((p) => `${a.podIp}:${p}=${a.appPort}${a.inboundClusters.has(p) ? `@${a.inboundClusters.get(p)}` : ""}`).join(",")]
          : []),
        ...(a.outbound.length > 0 ? ["--listen-outbound", a.outbound.map((x) => (x.bindPort === x.port ? `${x.host}:${x.port}` : `${x.host}:${x.bindPort}=${x.host}:${x.port}`)).join(",")] : []),
        "--capture", "false"]);
    }
    for (const g of plan.gateways) {
      startProxy(`gateway-${g.name}`, g.adminPort, ["--mode", "gateway", "--gateway", `${g.namespace}/${g.name}`, "--namespace", g.namespace, "--pod", `${g.name}-gateway`, "--service-account",
        g.serviceAccount, "--token-path", tokens.path(g.namespace, g.serviceAccount), "--port-map", [...g.portMap].map(([l, p]) => `${l}=${p}`).join(",")]);
    }
    say(`waiting for ${proxies.length} proxies (config in force and mesh certificate issued)`);
    await Promise.all(proxies.map(async (p) => {
      await until(`${p.child.name} /ready`, async () => (await httpStatus(`http://127.0.0.1:${p.admin}/ready`)) === 200, failed);
      let got = false;
      void p.cert.then(() => {
        got = true;
      });
      await until(`${p.child.name}'s mesh certificate`, async () => got, failed);
    }));
    const gw = plan.gateways[0];
    const gwPort = gw === undefined ? undefined : [...gw.portMap.values()][0];
    if (gwPort !== undefined) {
      await until("a first request through the gateway", async () => (await httpStatus(`http://127.0.0.1:${gwPort}/`)) === 200, failed);
    }
    process.stdout.write(renderBanner(plan, traces.description, logDir, process.cwd()));
    await Promise.race([signal, death]);
    code = died === undefined ? 0 : 1;
    return code;
  } catch (e) {
    process.stderr.write(`weft local: ${e instanceof Error ? e.message : String(e)}\n  logs: ${logDir}\n`);
    return code;
  } finally {
    process.stderr.write("weft local: stopping\n");
    await stopEverything(sup, traces);
    rmSync(code === 0 ? work : join(work, "tokens"), { recursive: true, force: true });
  }
}

async function stopEverything(sup: Supervisor, traces: TraceSink | undefined): Promise<void> {
  await sup.stopAll(5000);
  await traces?.stop();
}

function mkdirPrivate(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}

/** One random token per ServiceAccount, each in its own 0600 file, plus the controller's tokens file. */
function writeTokens(work: string, plan: LocalPlan): { file: string; path(ns: string, sa: string): string } {
  const dir = join(work, "tokens");
  mkdirPrivate(dir);
  const ids = new Map<string, { namespace: string; serviceAccount: string }>();
  for (const a of plan.apps) ids.set(`${a.namespace}/${a.serviceAccount}`, { namespace: a.namespace, serviceAccount: a.serviceAccount });
  for (const g of plan.gateways) ids.set(`${g.namespace}/${g.serviceAccount}`, { namespace: g.namespace, serviceAccount: g.serviceAccount });
  const entries = [...ids.values()].map((id) => ({ ...id, token: randomBytes(24).toString("base64url") }));
  const pathOf = (ns: string, sa: string): string => join(dir, `${ns}.${sa}.token`);
  for (const e of entries) writeFileSync(pathOf(e.namespace, e.serviceAccount), e.token, { mode: 0o600 });
  const file = join(dir, "controller-tokens.json");
  writeFileSync(file, JSON.stringify({ tokens: entries }), { mode: 0o600 });
  return { file, path: pathOf };
}
