// proxy: `weft proxy` — the data plane. `--mode gateway --gateway <ns>/<name>` runs the gateway face for
// one Gateway; `--mode sidecar --namespace <clientNs>` runs the sidecar capture listeners over the same
// engine. Config comes from a static IR file (`--config`, reloaded when it changes; a bad file keeps the
// last good config) or from the controller (`--controller`; with a ServiceAccount token the mesh identity
// is fetched and rotated). Wiring only: flags and the env the injector sets (WEFT_PROXY_MODE,
// POD_NAMESPACE, POD_NAME, SERVICE_ACCOUNT, WEFT_CONTROLLER_ADDRESS, WEFT_TOKEN_PATH, WEFT_ADMIN_PORT,
// WEFT_INBOUND_PORT, WEFT_OUTBOUND_PORT, WEFT_INBOUND_MTLS, WEFT_LOG_LEVEL, WEFT_ACCESS_LOG, WEFT_APP_PROBES, tracing) become
// ProxyOptions, and pkg/proxy/runtime.ts (startProxy) starts every part.
// The controller channel is TLS verified against WEFT_TRUST_BUNDLE (or --trust-bundle FILE) with the
// controller address's host as the expected name; without a bundle it refuses to start (exit 2)
// unless --controller-insecure (or WEFT_CONTROLLER_INSECURE=true).
// SIGTERM/SIGINT: not ready, keep serving for --drain-delay-ms, stop accepting, drain in-flight (bounded
// by --drain-ms), exit 0. Exit 2 on bad flags, 1 when it cannot start.
// Must not: log key material or header values.
// Memory: heap-reclaim (pkg/telemetry) gives a flood's memory back to the OS once the proxy is quiet.
import { readFileSync } from "node:fs";
import { readOptions, UsageError, type FlagTable, type FlagValues, type Subcommand } from "../../pkg/cli/index.ts";
import type { Limits } from "../../pkg/proxy/limits.ts";
import { startProxy, type ProxyOptions } from "../../pkg/proxy/runtime.ts";
import { APP_PROBES_ENV, parseAppProbes } from "../../pkg/util/app-probes.ts";
import { WORKLOAD_ENV, createLogger, parseLogLevel, parseWorkloadRef, processResource, startHeapReclaim, tracingConfigFromEnv } from "../../pkg/telemetry/index.ts";
import { untilSignal } from "../signals.ts";

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
  --inbound-mtls permissive|strict  sidecar: accept plaintext (non-mesh) inbound connections, or refuse them
                                 (default permissive; env WEFT_INBOUND_MTLS, set by the weft.dev/inbound-mtls annotation)
  --capture true|false           sidecar: open the capture ports too (default: true unless explicit listeners are given)
  --admin-port N       admin server port (default 15021, env WEFT_ADMIN_PORT; 0 = ephemeral)
  --bind ADDR          listener bind address (default 0.0.0.0; sidecar capture listeners: dual stack ::)
  --port-map A=B,..    gateway: bind Gateway port A on local port B (e.g. 80=8080,443=8443)
  --drain-delay-ms N   on SIGTERM keep serving this long first: /ready answers 503, each response closes
                       its connection (default 0; provisioned gateways use 5000)
  --drain-delay-max-ms N  ...and keep serving past it while new connections still arrive (one within the
                       last second: some node's Service rules still list the pod), up to N ms (default:
                       --drain-delay-ms; provisioned gateways use 12000)
  --drain-ms N         drain budget on SIGTERM once the listeners are closed (default 20000)
  --balancer KIND      p2c-ewma (default) | round-robin
  --max-body-bytes N   reject request bodies larger than N with 413
  --headers-with-underscores drop|reject|allow   request header names with "_" (default drop; reject ⇒ 400)
  --backend-max-connections N / --backend-max-pending-requests N / --backend-max-requests N
                       per-backend caps unless a Service's weft.dev/max-* annotations say otherwise
                       (default 1024 each; past them ⇒ 503 upstream_overflow)
  --body-idle-timeout-ms N   a request body that sends nothing this long ⇒ 408 (default 60000)
  --access-log on|off  one JSON line per request on stdout (default off; env WEFT_ACCESS_LOG)`;

const value = (env?: string) => ({ type: "string", ...(env === undefined ? {} : { env }) }) as const;
const PROXY_FLAGS = {
  mode: value("WEFT_PROXY_MODE"),
  gateway: value("WEFT_GATEWAY"),
  namespace: value("POD_NAMESPACE"),
  config: value(),
  controller: value("WEFT_CONTROLLER_ADDRESS"),
  "token-path": value("WEFT_TOKEN_PATH"),
  "trust-bundle": value(),
  "controller-insecure": { type: "boolean", env: "WEFT_CONTROLLER_INSECURE" },
  "service-account": value("SERVICE_ACCOUNT"),
  pod: value("POD_NAME"),
  "trust-domain": value(),
  "inbound-port": value("WEFT_INBOUND_PORT"),
  "outbound-port": value("WEFT_OUTBOUND_PORT"),
  "inbound-mtls": value("WEFT_INBOUND_MTLS"),
  "listen-outbound": value(),
  "listen-inbound": value(),
  capture: value(),
  "admin-port": value("WEFT_ADMIN_PORT"),
  bind: value(),
  "port-map": value(),
  "drain-delay-ms": value(),
  "drain-delay-max-ms": value(),
  "drain-ms": value(),
  balancer: value(),
  "max-body-bytes": value(),
  "headers-with-underscores": value(),
  "backend-max-connections": value(),
  "backend-max-pending-requests": value(),
  "backend-max-requests": value(),
  "body-idle-timeout-ms": value(),
  "access-log": value("WEFT_ACCESS_LOG"),
  "log-level": value("WEFT_LOG_LEVEL"),
} as const satisfies FlagTable;

type Flags = FlagValues<typeof PROXY_FLAGS>;

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)$/;

/** "host:port[=destHost:destPort],..." into outbound bindings; throws naming the bad entry. */
function parseOutboundBindings(v: string | undefined): { host: string; port: number; destination?: { address: string; port: number } }[] {
  return (v ?? "").split(",").filter((x) => x !== "").map((entry) => {
    const [bind, dest] = entry.trim().split("=");
    const b = HOST_PORT.exec(bind ?? "");
    const d = dest === undefined ? undefined : HOST_PORT.exec(dest);
    const ok = (m: RegExpExecArray | null | undefined): m is RegExpExecArray => m !== null && m !== undefined && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
    if (!ok(b) || (dest !== undefined && !ok(d))) throw new UsageError(`--listen-outbound: bad entry "${entry}" (want host:port or host:port=destHost:destPort)`);
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
      throw new UsageError(`--${flag}: bad entry "${entry}" (want host:port${flag === "listen-inbound" ? "[=appPort]" : ""})`);
    }
    if (m[4] !== undefined && flag !== "listen-inbound") throw new UsageError(`--${flag}: "@cluster" is for --listen-inbound only`);
    return { host: m[1]!.replace(/^\[|\]$/g, ""), port, ...(appPort !== undefined ? { appPort } : {}), ...(m[4] !== undefined ? { cluster: m[4] } : {}) };
  });
}

/** An integer flag within [min, max], or undefined when absent; throws naming the flag. */
function rangeFlag(f: Flags, name: keyof Flags, min: number, max: number): number | undefined {
  const v = f[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}-${max}`);
  return n;
}

function optional<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, number>);
}

function intFlag(f: Flags, name: keyof Flags, dflt: number): number {
  const v = f[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

/**
 * The PEM roots the controller channel verifies against, undefined for --controller-insecure, or a
 * precise error. Only checked when dialing a controller.
 */
function controllerTrust(f: Flags, envBundle: string | undefined): string | undefined {
  if (f.controller === undefined || f["controller-insecure"] === true) return undefined;
  let pem = envBundle;
  if (f["trust-bundle"] !== undefined) {
    try {
      pem = readFileSync(f["trust-bundle"], "utf8");
    } catch (e) {
      throw new UsageError(`--trust-bundle ${f["trust-bundle"]}: cannot read it (${e instanceof Error && "code" in e ? String(e.code) : "error"})`);
    }
  }
  if (pem === undefined || pem.trim() === "") {
    throw new UsageError(`no trust bundle for the controller at ${f.controller}: set WEFT_TRUST_BUNDLE (the injector and the gateway provisioner do) `
      + "or --trust-bundle FILE to verify its TLS certificate, or pass --controller-insecure for a plaintext development controller");
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError("the controller trust bundle holds no PEM certificate");
  return pem;
}

/** Flags (over the injector's env, pkg/cli) into ProxyOptions; throws a UsageError naming a bad one. */
function proxyOptionsOf(f: Flags, env: NodeJS.ProcessEnv): { options: ProxyOptions; logLevel: string } {
  const trust = controllerTrust(f, env.WEFT_TRUST_BUNDLE);
  const mode = f.mode;
  if (mode !== "gateway" && mode !== "sidecar") throw new UsageError("--mode must be gateway or sidecar");
  if ((f.config === undefined) === (f.controller === undefined)) throw new UsageError("exactly one of --config and --controller is required");
  if (mode === "gateway" && !/^[^/]+\/[^/]+$/.test(f.gateway ?? "")) throw new UsageError("--gateway <ns>/<name> is required");
  if (mode === "sidecar" && f.namespace === undefined) throw new UsageError("--namespace is required in sidecar mode");
  const balancer = f.balancer ?? "p2c-ewma";
  if (balancer !== "p2c-ewma" && balancer !== "round-robin") throw new UsageError("--balancer must be p2c-ewma or round-robin");
  const us = f["headers-with-underscores"];
  if (us !== undefined && us !== "drop" && us !== "reject" && us !== "allow") throw new UsageError("--headers-with-underscores must be drop, reject or allow");
  const maxBody = f["max-body-bytes"] !== undefined ? intFlag(f, "max-body-bytes", 0) : undefined;
  const limits: Partial<Limits> = {
    ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
    ...optional("backendMaxConnections", rangeFlag(f, "backend-max-connections", 1, 1_000_000)),
    ...optional("backendMaxPendingRequests", rangeFlag(f, "backend-max-pending-requests", 1, 1_000_000)),
    ...optional("backendMaxRequests", rangeFlag(f, "backend-max-requests", 1, 1_000_000)),
    ...optional("bodyIdleTimeoutMs", rangeFlag(f, "body-idle-timeout-ms", 1, 3_600_000)),
    ...(us !== undefined ? { headersWithUnderscores: us } : {}),
  };
  const portMap = new Map((f["port-map"] ?? "").split(",").filter((x) => x !== "").map((pair) => {
    const [a, b] = pair.split("=").map(Number);
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new UsageError(`bad --port-map entry "${pair}"`);
    return [a!, b!] as [number, number];
  }));
  const outboundBindings = parseOutboundBindings(f["listen-outbound"]);
  const inboundBindings = parseBindings("listen-inbound", f["listen-inbound"]);
  if (f.capture !== undefined && f.capture !== "true" && f.capture !== "false") throw new UsageError("--capture must be true or false");
  const inboundMode = f["inbound-mtls"] ?? "permissive";
  if (inboundMode !== "permissive" && inboundMode !== "strict") throw new UsageError("--inbound-mtls must be permissive or strict");
  const [gwNs, gwName] = (f.gateway ?? "").split("/");
  const options: ProxyOptions = {
    mode,
    ...(mode === "gateway" ? { gateway: { namespace: gwNs!, name: gwName! } } : {}),
    ...(f.namespace !== undefined ? { namespace: f.namespace } : {}),
    config: f.config !== undefined ? { kind: "file", path: f.config } : { kind: "controller", address: f.controller!, trustPem: trust },
    ...(f["token-path"] !== undefined ? { tokenPath: f["token-path"] } : {}),
    ...(f["service-account"] !== undefined ? { serviceAccount: f["service-account"] } : {}),
    ...(f.pod !== undefined ? { pod: f.pod } : {}),
    trustDomain: f["trust-domain"] ?? "cluster.local",
    ...(f.bind !== undefined ? { bind: f.bind } : {}),
    portMap,
    adminPort: intFlag(f, "admin-port", 15021),
    drainDelayMs: intFlag(f, "drain-delay-ms", 0),
    ...(f["drain-delay-max-ms"] !== undefined ? { drainDelayMaxMs: intFlag(f, "drain-delay-max-ms", 0) } : {}),
    drainMs: intFlag(f, "drain-ms", 20_000),
    balancer,
    limits,
    accessLog: ["on", "1", "true"].includes(f["access-log"] ?? ""),
    tracing: tracingOf(env, mode, f.namespace, f.pod, mode === "gateway" ? { namespace: gwNs!, name: gwName! } : undefined),
    appProbes: parseAppProbes(env[APP_PROBES_ENV]),
    sidecar: {
      inboundPort: intFlag(f, "inbound-port", 15006),
      outboundPort: intFlag(f, "outbound-port", 15001),
      outboundBindings,
      inboundBindings,
      captureListeners: f.capture === undefined ? outboundBindings.length + inboundBindings.length === 0 : f.capture === "true",
      inboundMode,
    },
  };
  return { options, logLevel: f["log-level"] ?? "info" };
}

/** The Weft release this program belongs to (service.version): the package.json of the checkout, or of the image (/app above dist/). */
function weftVersion(): string | undefined {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      return (JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { version?: string }).version;
    } catch { /* not there: try the next */ }
  }
  return undefined;
}

/** Tracing with this proxy's resource: one service per workload (pod facts from the downward API). */
function tracingOf(env: Readonly<Record<string, string | undefined>>, mode: "gateway" | "sidecar", namespace: string | undefined, pod: string | undefined,
  gateway: { namespace: string; name: string } | undefined): ProxyOptions["tracing"]
{
  const r = processResource({
    role: mode,
    namespace,
    pod,
    gateway,
    node: env["NODE_NAME"],
    workload: parseWorkloadRef(env[WORKLOAD_ENV]),
    container: mode === "sidecar" ? "weft-proxy" : "proxy",
    version: weftVersion(),
  });
  return tracingConfigFromEnv(env, r.serviceName, r.attributes);
}

async function run(argv: readonly string[]): Promise<number> {
  const env = process.env;
  const parsed = readOptions("weft proxy", USAGE, argv, PROXY_FLAGS, (line) => proxyOptionsOf(line.flags, env), { env });
  if (typeof parsed === "number") return parsed;
  const o = parsed.options;
  const log = createLogger({ name: "proxy", level: parseLogLevel(parsed.logLevel) ?? "info", base: { mode: o.mode } });
  let proxy;
  try {
    proxy = await startProxy(o, log);
  } catch (e) {
    log.error({ error: e instanceof Error ? e.message : String(e) }, "cannot start");
    return 1;
  }
  const reclaim = startHeapReclaim({ log: (fields, msg) => log.info(fields, msg) });
  await untilSignal();
  log.info({}, "draining");
  reclaim.stop();
  await proxy.stop();
  log.info({}, "drained");
  // Everything of ours is closed; a handle some library keeps open must not hold the exit.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

const command: Subcommand = { summary: "run the data plane (gateway or sidecar face)", run };
export default command;
