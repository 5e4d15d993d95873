// proxy: `weft proxy` — the data plane. `--mode gateway --gateway <ns>/<name>` runs the gateway face for
// one Gateway; `--mode sidecar --namespace <clientNs>` runs the sidecar capture listeners
// (pkg/proxy/sidecar) over the same engine. Config comes from a static IR file (`--config`, reloaded
// when it changes; a bad file keeps the last good config) or from the controller (`--controller`,
// pkg/distribution client; with a ServiceAccount token the mesh identity is fetched and rotated via
// pkg/ca's identity client and handed to the engine and sidecar). Flags fall back to the env the
// injector sets (WEFT_PROXY_MODE, POD_NAMESPACE, POD_NAME, SERVICE_ACCOUNT, WEFT_CONTROLLER_ADDRESS,
// WEFT_TOKEN_PATH, WEFT_ADMIN_PORT, WEFT_INBOUND_PORT, WEFT_OUTBOUND_PORT, WEFT_LOG_LEVEL).
// The controller channel is TLS verified against WEFT_TRUST_BUNDLE (or --trust-bundle FILE) with the
// controller address's host as the expected name; without a bundle it refuses to start (exit 2)
// unless --controller-insecure (or WEFT_CONTROLLER_INSECURE=true). The mesh roots from each Sign
// response and from the trust bundle the controller pushes (cmd/lib/proxy-mesh-trust.ts: old roots kept
// while they overlap) replace that trust for later connections, and are what peers are verified against.
// Admin endpoints on --admin-port. SIGTERM/SIGINT: stop accepting, drain in-flight (bounded by
// --drain-ms), exit 0. Exit 2 on bad flags, 1 when it cannot start.
// Must not: log key material or header values.
// Memory: heap-reclaim (pkg/telemetry) gives a flood's memory back to the OS once the proxy is quiet.
// The controller client (@grpc/grpc-js, protobufjs) and the identity client (pkg/ca) are
// imported only with --controller; a --config proxy never loads them.
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import type { IdentityClient } from "../../pkg/ca/index.ts";
import type { DistributionClient } from "../../pkg/distribution/index.ts";
import type { Subcommand } from "../../pkg/cli/index.ts";
import { validateSlice } from "../../pkg/distribution/validate-slice.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { startAdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createProxyMeshTrust, type ProxyMeshTrust } from "../lib/proxy-mesh-trust.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { GatewayListeners } from "../../pkg/proxy/gateway/gateway-listeners.ts";
import type { Limits, UnderscoreHeaders } from "../../pkg/proxy/limits.ts";
import { originalDstMethod, startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { compileMesh, lookupMeshDestination, type CompiledMesh } from "../../pkg/router/index.ts";
import { APP_PROBES_ENV, parseAppProbes } from "../../pkg/util/app-probes.ts";
import { contentHash } from "../../pkg/util/canonical-json.ts";
import { createAccessLog, createLogger, createMetricsRegistry, initTracing, parseLogLevel, registerProxyMetrics, startHeapReclaim, tracingConfigFromEnv } from "../../pkg/telemetry/index.ts";

const USAGE = `usage: weft proxy --mode gateway --gateway <ns>/<name> (--config <ir.json> | --controller <host:port>) [flags]
       weft proxy --mode sidecar --namespace <clientNs> (--config <ir.json> | --controller <host:port>) [flags]
flags:
  --token-path P       projected ServiceAccount token (controller auth and mesh identity)
  --trust-bundle FILE  PEM roots that verify the controller's TLS certificate (default: env WEFT_TRUST_BUNDLE)
  --controller-insecure  dial the controller in plaintext (development only; env WEFT_CONTROLLER_INSECURE=true)
  --service-account S  our ServiceAccount (mesh identity spiffe://<td>/ns/<ns>/sa/<S>)
  --pod NAME           our pod name (distribution identity)
  --trust-domain TD    mesh trust domain (default cluster.local)
  --inbound-port N / --outbound-port N   sidecar capture ports (default 15006 / 15001)
  --listen-outbound H:P[=DH:DP],..  sidecar: explicit outbound listeners (e.g. Service ClusterIP:port), no iptables;
                                 =DH:DP: the listener stands for original destination DH:DP (e.g. a privileged port moved)
  --listen-inbound H:P[=A][@ns/svc:port],..  sidecar: explicit inbound listeners (pod IP:targetPort; app on
                                 127.0.0.1:A, default P; the cluster's protocol (h2c/grpc ⇒ HTTP/2) is used towards the app)
  --capture true|false           sidecar: open the capture ports too (default: true unless explicit listeners are given)
  --admin-port N       admin server port (default 15021, env WEFT_ADMIN_PORT; 0 = ephemeral)
  --bind ADDR          listener bind address (default 0.0.0.0; sidecar capture listeners: dual stack ::)
  --port-map A=B,..    gateway: bind Gateway port A on local port B (e.g. 80=8080,443=8443)
  --drain-ms N         drain budget on SIGTERM (default 20000)
  --balancer KIND      p2c-ewma (default) | round-robin
  --max-body-bytes N   reject request bodies larger than N with 413
  --headers-with-underscores drop|reject|allow   request header names with "_" (default drop; reject ⇒ 400)
  --backend-max-connections N / --backend-max-pending-requests N / --backend-max-requests N
                       per-backend caps unless a Service's weft.dev/max-* annotations say otherwise
                       (default 1024 each; past them ⇒ 503 upstream_overflow)
  --body-idle-timeout-ms N   a request body that sends nothing this long ⇒ 408 (default 60000)
  --access-log on|off  one JSON line per request on stdout (default off; env WEFT_ACCESS_LOG)`;

interface Flags { [k: string]: string | undefined }

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)$/;

/** "host:port[=destHost:destPort],..." into outbound bindings; throws naming the bad entry. */
function parseOutboundBindings(v: string | undefined): { host: string; port: number; destination?: { address: string; port: number } }[] {
  return (v ?? "").split(",").filter((x) => x !== "").map((entry) => {
    const [bind, dest] = entry.trim().split("=");
    const b = HOST_PORT.exec(bind ?? "");
    const d = dest === undefined ? undefined : HOST_PORT.exec(dest);
    const ok = (m: RegExpExecArray | null | undefined): m is RegExpExecArray => m !== null && m !== undefined && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
    if (!ok(b) || (dest !== undefined && !ok(d))) throw new Error(`--listen-outbound: bad entry "${entry}" (want host:port or host:port=destHost:destPort)`);
    const unbracket = (h: string): string => h.replace(/^\[|\]$/g, "");
    return { host: unbracket(b[1]!), port: Number(b[2]), ...(d !== undefined && d !== null ? { destination: { address: unbracket(d[1]!), port: Number(d[2]) } } : {}) };
  });
}

/** "host:port[=appPort][@cluster],..." (IPv4 or [IPv6]) into inbound bindings; throws naming the bad entry. */
function parseBindings(flag: string, v: string | undefined): { host: string; port: number; appPort?: number; cluster?: string }[] {
  return (v ?? "").split(",").filter((x) => x !== "").map((entry) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)(?:=(\d+))?(?:@([a-z0-9.-]+\/[a-z0-9.-]+:\d+))?$/.exec(entry.trim());
    const port = Number(m?.[2]);
    const appPort = m?.[3] === undefined ? undefined : Number(m[3]);
    if (m === null || port < 1 || port > 65535 || (appPort !== undefined && (appPort < 1 || appPort > 65535))) {
      throw new Error(`--${flag}: bad entry "${entry}" (want host:port${flag === "listen-inbound" ? "[=appPort]" : ""})`);
    }
    if (m[4] !== undefined && flag !== "listen-inbound") throw new Error(`--${flag}: "@cluster" is for --listen-inbound only`);
    return { host: m[1]!.replace(/^\[|\]$/g, ""), port, ...(appPort !== undefined ? { appPort } : {}), ...(m[4] !== undefined ? { cluster: m[4] } : {}) };
  });
}

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

/** A config file's IR, checked as a slice from the controller is (shapes, bounds, references). */
function parseIr(text: string): MeshIR {
  const v = JSON.parse(text) as Partial<MeshIR> & { ir?: MeshIR };
  const ir = (v.ir ?? v) as Partial<MeshIR>;
  for (const k of ["gateways", "services", "clusters", "secrets"] as const) {
    if (!Array.isArray(ir[k])) throw new Error(`config: "${k}" must be an array`);
  }
  const checked = validateSlice(ir);
  if (!checked.ok) throw new Error(`config: ${checked.reason}`);
  return checked.slice;
}

const backendCapFlags = ["backend-max-connections", "backend-max-pending-requests", "backend-max-requests"] as const;

/** An integer flag within [min, max], or undefined when absent; throws naming the flag. */
function rangeFlag(f: Flags, name: string, min: number, max: number): number | undefined {
  const v = f[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}-${max}`);
  return n;
}

function optional<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, number>);
}

function intFlag(f: Flags, name: string, dflt: number): number {
  const v = f[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

/**
 * The PEM roots the controller channel verifies against, undefined for --controller-insecure, or a
 * precise error. Only checked when dialing a controller.
 */
function controllerTrust(f: Flags, envBundle: string | undefined): string | undefined {
  if (f.controller === undefined) return undefined;
  const insecure = f["controller-insecure"];
  if (insecure !== undefined && insecure !== "" && insecure !== "true" && insecure !== "false") throw new Error("--controller-insecure takes no value (or true/false)");
  if (insecure === "true") return undefined;
  let pem = envBundle;
  if (f["trust-bundle"] !== undefined) {
    try {
      pem = readFileSync(f["trust-bundle"], "utf8");
    } catch (e) {
      throw new Error(`--trust-bundle ${f["trust-bundle"]}: cannot read it (${e instanceof Error && "code" in e ? String(e.code) : "error"})`);
    }
  }
  if (pem === undefined || pem.trim() === "") {
    throw new Error(`no trust bundle for the controller at ${f.controller}: set WEFT_TRUST_BUNDLE (the injector and the gateway provisioner do) `
      + "or --trust-bundle FILE to verify its TLS certificate, or pass --controller-insecure for a plaintext development controller");
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("the controller trust bundle holds no PEM certificate");
  return pem;
}

async function run(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) { process.stdout.write(`${USAGE}\n`); return 0; }
  let f: Flags;
  let portMap: Map<number, number>;
  let trust: string | undefined;
  try {
    const env = process.env;
    f = {
      mode: env.WEFT_PROXY_MODE, namespace: env.POD_NAMESPACE, pod: env.POD_NAME, "service-account": env.SERVICE_ACCOUNT,
      controller: env.WEFT_CONTROLLER_ADDRESS, "token-path": env.WEFT_TOKEN_PATH, "admin-port": env.WEFT_ADMIN_PORT,
      "inbound-port": env.WEFT_INBOUND_PORT, "outbound-port": env.WEFT_OUTBOUND_PORT, gateway: env.WEFT_GATEWAY,
      "log-level": env.WEFT_LOG_LEVEL, "access-log": env.WEFT_ACCESS_LOG,
    };
    f["controller-insecure"] = env.WEFT_CONTROLLER_INSECURE;
    for (const [k, v] of Object.entries(parseFlags(argv.map((a) => (a === "--controller-insecure" ? "--controller-insecure=true" : a))))) f[k] = v;
    trust = controllerTrust(f, env.WEFT_TRUST_BUNDLE);
    if (f.mode !== "gateway" && f.mode !== "sidecar") throw new Error("--mode must be gateway or sidecar");
    if ((f.config === undefined) === (f.controller === undefined)) throw new Error("exactly one of --config and --controller is required");
    if (f.mode === "gateway" && !/^[^/]+\/[^/]+$/.test(f.gateway ?? "")) throw new Error("--gateway <ns>/<name> is required");
    if (f.mode === "sidecar" && f.namespace === undefined) throw new Error("--namespace is required in sidecar mode");
    if (f.balancer !== undefined && f.balancer !== "p2c-ewma" && f.balancer !== "round-robin") throw new Error("--balancer must be p2c-ewma or round-robin");
    const us = f["headers-with-underscores"];
    if (us !== undefined && us !== "drop" && us !== "reject" && us !== "allow") throw new Error("--headers-with-underscores must be drop, reject or allow");
    for (const name of backendCapFlags) rangeFlag(f, name, 1, 1_000_000);
    rangeFlag(f, "body-idle-timeout-ms", 1, 3_600_000);
    portMap = new Map((f["port-map"] ?? "").split(",").filter((x) => x !== "").map((pair) => {
      const [a, b] = pair.split("=").map(Number);
      if (!Number.isInteger(a) || !Number.isInteger(b)) throw new Error(`bad --port-map entry "${pair}"`);
      return [a!, b!] as [number, number];
    }));
    parseOutboundBindings(f["listen-outbound"]);
    parseBindings("listen-inbound", f["listen-inbound"]);
    if (f.capture !== undefined && f.capture !== "true" && f.capture !== "false") throw new Error("--capture must be true or false");
    intFlag(f, "admin-port", 15021);
    intFlag(f, "drain-ms", 20_000);
    intFlag(f, "inbound-port", 15006);
    intFlag(f, "outbound-port", 15001);
  } catch (e) {
    process.stderr.write(`weft proxy: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  const log = createLogger({ name: "proxy", level: parseLogLevel(f["log-level"] ?? "info") ?? "info", base: { mode: f.mode } });
  const registry = createMetricsRegistry({});
  const telemetry = registerProxyMetrics(registry);
  const traceCfg = tracingConfigFromEnv(process.env, "weft-proxy", { "weft.proxy.mode": f.mode! });
  for (const problem of traceCfg.problems) log.warn({ problem }, "tracing config ignored");
  const tracing = initTracing(traceCfg.problems.length === 0 ? traceCfg.config : undefined);
  const maxBody = f["max-body-bytes"] !== undefined ? intFlag(f, "max-body-bytes", 0) : undefined;
  const limits: Partial<Limits> = {
    ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
    ...optional("backendMaxConnections", rangeFlag(f, "backend-max-connections", 1, 1_000_000)),
    ...optional("backendMaxPendingRequests", rangeFlag(f, "backend-max-pending-requests", 1, 1_000_000)),
    ...optional("backendMaxRequests", rangeFlag(f, "backend-max-requests", 1, 1_000_000)),
    ...optional("bodyIdleTimeoutMs", rangeFlag(f, "body-idle-timeout-ms", 1, 3_600_000)),
    ...(f["headers-with-underscores"] !== undefined ? { headersWithUnderscores: f["headers-with-underscores"] as UnderscoreHeaders } : {}),
  };
  const engine = createHttpEngine({
    balancer: (f.balancer as "p2c-ewma" | "round-robin" | undefined) ?? "p2c-ewma",
    telemetry,
    tracing,
    ...(["on", "1", "true"].includes(f["access-log"] ?? "") ? { accessLog: createAccessLog() } : {}),
    limits,
    log: (event, fields) => log.warn(fields, event),
  });
  const bind = f.bind ?? "0.0.0.0";
  const gateways = f.mode === "gateway" ? new GatewayListeners({ engine, host: bind, portMap: (p) => portMap.get(p) ?? p, log: (e, x) => log.warn(x, e) }) : undefined;
  let mesh: CompiledMesh | undefined;
  let sidecar: Sidecar | undefined;
  let captureProblem: string | undefined;
  let distribution: DistributionClient | undefined;
  let identity: IdentityClient | undefined;
  let meshTrust: ProxyMeshTrust | undefined;

  /** Put `ir` in force: engine state first, then listeners (gateway) or the mesh lookup (sidecar). */
  const applyIr = (ir: MeshIR, version: string): Promise<void> => {
    if (engine.state()?.version === version) return Promise.resolve();
    engine.setState(engineStateOf(ir, version));
    log.info({ version }, "config in force");
    if (gateways === undefined) {
      mesh = compileMesh(ir.services, f.namespace!);
      return Promise.resolve();
    }
    const [ns, name] = f.gateway!.split("/");
    const gw = ir.gateways.find((g) => g.namespace === ns && g.name === name);
    if (gw === undefined) log.warn({ gateway: f.gateway }, "gateway not in config; no listeners");
    return gateways.apply(gw ?? { namespace: ns!, name: name!, ports: [] }, ir.secrets).then(() => {
      log.info({ ports: (gw?.ports ?? []).map((p) => `${p.port}->${gateways.boundPort(p.port) ?? "?"}`).join(",") }, "gateway listeners");
    });
  };

  const configPath = f.config;
  const loadFile = async (): Promise<void> => {
    let ir: MeshIR;
    try {
      ir = parseIr(readFileSync(configPath!, "utf8"));
    } catch (e) {
      log.error({ path: configPath, error: e instanceof Error ? e.message : String(e) }, "config rejected; keeping the last good one");
      return;
    }
    await applyIr(ir, contentHash(ir));
  };
  const readToken = (): string => readFileSync(f["token-path"]!, "utf8").trim();

  try {
    if (configPath !== undefined) {
      await loadFile();
      watchFile(configPath, { interval: 1000 }, () => { void loadFile().catch((e: unknown) => log.error({ error: String(e) }, "config apply failed")); });
    } else {
      const [{ credentials: grpcCredentials }, { createDistributionClient }, { createIdentityClient }] = await Promise.all([
        import("@grpc/grpc-js"), import("../../pkg/distribution/index.ts"), import("../../pkg/ca/identity-client.ts"),
      ]);
      const [gwNs, gwName] = (f.gateway ?? "/").split("/");
      distribution = createDistributionClient({
        address: f.controller!,
        identity: {
          namespace: f.namespace ?? gwNs ?? "", serviceAccount: f["service-account"] ?? "default", pod: f.pod ?? "unknown",
          kind: f.mode === "gateway" ? "gateway" : "sidecar",
          ...(f.mode === "gateway" ? { gatewayNamespace: gwNs ?? "", gatewayName: gwName ?? "" } : {}),
        },
        ...(f["token-path"] !== undefined ? { token: readToken } : {}),
        ...(trust !== undefined ? { credentials: grpcCredentials.createSsl(Buffer.from(trust)) } : {}),
        onConfig: ({ version, slice }) => {
          if (slice.trust !== undefined) meshTrust?.onBundle(slice.trust.rootsPem);
          void applyIr(slice, version).catch((e: unknown) => log.error({ error: String(e) }, "listener apply failed"));
        },
        log: (level, msg, fields) => log[level](fields, msg),
      });
      await distribution.start();
      if (f["token-path"] !== undefined && f["service-account"] !== undefined && f.namespace !== undefined) {
        const dist = distribution;
        const mt = createProxyMeshTrust({
          apply: (m) => { engine.setMeshTls(m); sidecar?.setMeshTls(m); },
          ...(trust !== undefined ? {
            initialControllerRoots: trust,
            controllerRoots: (pem: string) => {
              dist.setCredentials(grpcCredentials.createSsl(Buffer.from(pem)));
              log.info({}, "controller trust bundle replaced by the one from the CA");
            },
          } : {}),
          renew: () => identity!.rotate(),
          log: (level, msg, fields) => log[level](fields, msg),
        });
        meshTrust = mt;
        const held = dist.current()?.slice.trust;
        if (held !== undefined) mt.onBundle(held.rootsPem);
        identity = createIdentityClient({
          identity: `spiffe://${f["trust-domain"] ?? "cluster.local"}/ns/${f.namespace}/sa/${f["service-account"]}`,
          requestSign: (csr, token) => dist.sign(csr, token),
          readToken,
          onMaterial: (m) => mt.onMaterial(m),
          log: (level, msg, fields) => log[level](fields, msg),
        });
        void identity.start().catch((e: unknown) => log.error({ error: String(e) }, "mesh identity unavailable"));
      }
    }
    if (f.mode === "sidecar") {
      const material = identity?.current();
      const outboundBindings = parseOutboundBindings(f["listen-outbound"]);
      const inboundBindings = parseBindings("listen-inbound", f["listen-inbound"]);
      const explicit = outboundBindings.length + inboundBindings.length > 0;
      const capture = f.capture === undefined ? !explicit : f.capture === "true";
      // Without original destinations every captured connection would be refused: stay up, never ready, say why.
      if (capture) captureProblem = captureUnavailable();
      if (captureProblem !== undefined) log.error({ reason: captureProblem }, "capture unavailable: the sidecar stays not ready");
      sidecar = await startSidecar({
        // Capture listeners default to dual stack ("::"): weft init redirects IPv6 too.
        engine, ...(f.bind !== undefined ? { host: f.bind } : {}), outboundBindings, inboundBindings,
        captureListeners: capture && captureProblem === undefined,
        inboundPort: intFlag(f, "inbound-port", 15006), outboundPort: intFlag(f, "outbound-port", 15001),
        ...(material !== undefined && meshTrust !== undefined ? { meshTls: { ...material, trustBundlePem: meshTrust.rootsPem() } } : {}),
        lookup: (ip, port) => (mesh === undefined ? undefined : lookupMeshDestination(mesh, ip, port)),
        log: (level, event, fields) => log[level](fields, event),
        onMtlsFailure: (reason) => telemetry.mtlsHandshakeFailed(reason),
      });
    }
  } catch (e) {
    log.error({ error: e instanceof Error ? e.message : String(e) }, "cannot start");
    distribution?.close();
    identity?.stop();
    await engine.drain(0);
    return 1;
  }
  // App probes the injector pointed at the admin port (WEFT_APP_PROBES); a bad entry is logged and left out.
  const appProbes = parseAppProbes(process.env[APP_PROBES_ENV]);
  for (const problem of appProbes.problems) log.warn({ problem }, "app probe ignored");
  const admin = await startAdminServer(engine, {
    port: intFlag(f, "admin-port", 15021), host: bind, extraMetrics: () => registry.renderMetrics(), appProbes: appProbes.probes,
    notReady: () => captureProblem,
  });
  log.info({ adminPort: admin.port }, "proxy started");
  const reclaim = startHeapReclaim({ log: (fields, msg) => log.info(fields, msg) });

  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info({}, "draining");
  reclaim.stop();
  if (configPath !== undefined) unwatchFile(configPath);
  identity?.stop();
  meshTrust?.stop();
  distribution?.close();
  const drainMs = intFlag(f, "drain-ms", 20_000);
  await Promise.all([gateways?.close(), sidecar?.drain(drainMs)]);
  await engine.drain(drainMs);
  await admin.close();
  await tracing.shutdown().catch(() => {});
  log.info({}, "drained");
  // Everything of ours is closed; a handle some library keeps open must not hold the exit.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

/** Why captured connections' original destinations cannot be recovered here, or undefined. */
function captureUnavailable(): string | undefined {
  try {
    originalDstMethod();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const command: Subcommand = { summary: "run the data plane (gateway or sidecar face)", run };
export default command;
