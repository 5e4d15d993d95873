// proxy: `weft proxy` — the data plane. `--mode gateway --gateway <ns>/<name> --config <ir.json>` runs the
// gateway face for one Gateway from a static IR file (reloaded when the file changes; a bad file keeps
// the last good config); `--mode sidecar --namespace <clientNs> --config <ir.json>` runs the sidecar
// capture listeners (pkg/proxy/sidecar) over the same engine. The distribution client is wired in
// later. Admin endpoints on --admin-port. SIGTERM/SIGINT: stop accepting, drain in-flight (bounded by
// --drain-ms), exit 0. Exit 2 on bad flags, 1 when it cannot start.
// Must not: log key material or header values.
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import type { Subcommand } from "../dispatch.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { startAdminServer } from "../../pkg/proxy/admin-server.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { GatewayListeners } from "../../pkg/proxy/gateway-listeners.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { compileMesh, lookupMeshDestination, type CompiledMesh } from "../../pkg/router/index.ts";
import { contentHash } from "../../pkg/util/canonical-json.ts";
import { createLogger, createMetricsRegistry, registerProxyMetrics } from "../../pkg/telemetry/index.ts";

const USAGE = `usage: weft proxy --mode gateway --gateway <ns>/<name> --config <ir.json> [flags]
       weft proxy --mode sidecar --namespace <clientNs> --config <ir.json> [flags]
flags:
  --admin-port N       admin server port (default 15021; 0 = ephemeral)
  --bind ADDR          listener bind address (default 0.0.0.0)
  --port-map A=B,..    gateway: bind Gateway port A on local port B (e.g. 80=8080,443=8443)
  --drain-ms N         drain budget on SIGTERM (default 20000)
  --balancer KIND      p2c-ewma (default) | round-robin
  --max-body-bytes N   reject request bodies larger than N with 413`;

interface Flags { [k: string]: string | undefined }

function parseFlags(argv: readonly string[]): Flags {
  const out: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq !== -1) { out[a.slice(2, eq)] = a.slice(eq + 1); continue; }
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`flag ${a} needs a value`);
    out[a.slice(2)] = v;
    i++;
  }
  return out;
}

function parseIr(text: string): MeshIR {
  const v = JSON.parse(text) as Partial<MeshIR> & { ir?: MeshIR };
  const ir = (v.ir ?? v) as Partial<MeshIR>;
  for (const k of ["gateways", "services", "clusters", "secrets"] as const) {
    if (!Array.isArray(ir[k])) throw new Error(`config: "${k}" must be an array`);
  }
  return ir as MeshIR;
}

function intFlag(f: Flags, name: string, dflt: number): number {
  const v = f[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function run(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) { process.stdout.write(`${USAGE}\n`); return 0; }
  let f: Flags;
  let portMap: Map<number, number>;
  try {
    f = parseFlags(argv);
    if (f.mode !== "gateway" && f.mode !== "sidecar") throw new Error("--mode must be gateway or sidecar");
    if (f.config === undefined) throw new Error("--config is required");
    if (f.mode === "gateway" && !/^[^/]+\/[^/]+$/.test(f.gateway ?? "")) throw new Error("--gateway <ns>/<name> is required");
    if (f.mode === "sidecar" && f.namespace === undefined) throw new Error("--namespace is required in sidecar mode");
    if (f.balancer !== undefined && f.balancer !== "p2c-ewma" && f.balancer !== "round-robin") throw new Error("--balancer must be p2c-ewma or round-robin");
    portMap = new Map((f["port-map"] ?? "").split(",").filter((x) => x !== "").map((pair) => {
      const [a, b] = pair.split("=").map(Number);
      if (!Number.isInteger(a) || !Number.isInteger(b)) throw new Error(`bad --port-map entry "${pair}"`);
      return [a!, b!] as [number, number];
    }));
    intFlag(f, "admin-port", 15021);
    intFlag(f, "drain-ms", 20_000);
  } catch (e) {
    process.stderr.write(`weft proxy: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  const log = createLogger({ name: "proxy", base: { mode: f.mode } });
  const registry = createMetricsRegistry({});
  const telemetry = registerProxyMetrics(registry);
  const maxBody = f["max-body-bytes"] !== undefined ? intFlag(f, "max-body-bytes", 0) : undefined;
  const engine = createHttpEngine({
    balancer: (f.balancer as "p2c-ewma" | "round-robin" | undefined) ?? "p2c-ewma",
    telemetry,
    ...(maxBody !== undefined ? { limits: { maxBodyBytes: maxBody } } : {}),
    log: (event, fields) => log.warn(fields, event),
  });
  const configPath = f.config!;
  const bind = f.bind ?? "0.0.0.0";
  const gateways = f.mode === "gateway" ? new GatewayListeners({ engine, host: bind, portMap: (p) => portMap.get(p) ?? p, log: (e, x) => log.warn(x, e) }) : undefined;
  let mesh: CompiledMesh | undefined;
  let sidecar: Sidecar | undefined;

  const load = async (): Promise<void> => {
    let ir: MeshIR;
    try {
      ir = parseIr(readFileSync(configPath, "utf8"));
    } catch (e) {
      log.error({ path: configPath, error: e instanceof Error ? e.message : String(e) }, "config rejected; keeping the last good one");
      return;
    }
    const version = contentHash(ir);
    if (engine.state()?.version === version) return;
    engine.setState(engineStateOf(ir, version));
    if (gateways !== undefined) {
      const [ns, name] = f.gateway!.split("/");
      const gw = ir.gateways.find((g) => g.namespace === ns && g.name === name);
      if (gw === undefined) log.warn({ gateway: f.gateway }, "gateway not in config; no listeners");
      await gateways.apply(gw ?? { namespace: ns!, name: name!, ports: [] }, ir.secrets);
      log.info({ ports: (gw?.ports ?? []).map((p) => `${p.port}->${gateways.boundPort(p.port) ?? "?"}`).join(",") }, "gateway listeners");
    } else {
      mesh = compileMesh(ir.services, f.namespace!);
    }
    log.info({ version }, "config in force");
  };

  try {
    await load();
    if (f.mode === "sidecar") {
      sidecar = await startSidecar({
        engine, host: bind,
        lookup: (ip, port) => (mesh === undefined ? undefined : lookupMeshDestination(mesh, ip, port)),
        log: (level, event, fields) => log[level](fields, event),
      });
    }
  } catch (e) {
    log.error({ error: e instanceof Error ? e.message : String(e) }, "cannot start");
    await engine.drain(0);
    return 1;
  }
  watchFile(configPath, { interval: 1000 }, () => { void load(); });
  const admin = await startAdminServer(engine, { port: intFlag(f, "admin-port", 15021), host: bind, extraMetrics: () => registry.renderMetrics() });
  log.info({ adminPort: admin.port }, "proxy started");

  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info({}, "draining");
  unwatchFile(configPath);
  await Promise.all([gateways?.close(), sidecar?.close()]);
  await engine.drain(intFlag(f, "drain-ms", 20_000));
  await admin.close();
  log.info({}, "drained");
  return 0;
}

const command: Subcommand = { summary: "run the data plane (gateway or sidecar face)", run };
export default command;
