// injector-config: what the injector puts into pods — images, controller address, ports, proxy
// uid, resources, log level, native sidecars or not — with defaults and validation.
// Takes nothing; gives the config type, DEFAULT_INJECTOR_CONFIG and `validateInjectorConfig`.
// Must not: read the environment or the cluster (cmd/ and the chart fill the config).
import { OTEL_ENV, type OtelEnvName } from "../pkg/telemetry/tracing-env.ts";
import { cidrFamily } from "./capture-rules.ts";
import { isQuantity, quantityValue } from "./quantity.ts";

export type ProxyLogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
export const PROXY_LOG_LEVELS: readonly ProxyLogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace"];

export interface ResourceList {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface ProxyResources {
  readonly requests: ResourceList;
  readonly limits: ResourceList;
}

export interface InjectorConfig {
  /** Image that holds `weft` (the proxy runs `weft proxy`). */
  readonly proxyImage: string;
  /** Image for the `weft init` container; default: proxyImage. */
  readonly initImage?: string;
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** host:port of the controller's distribution gRPC endpoint. */
  readonly controllerAddress: string;
  /** Kubernetes ≥ 1.29: the proxy is an init container with restartPolicy Always. */
  readonly nativeSidecars: boolean;
  readonly proxyUid: number;
  readonly adminPort: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly logLevel: ProxyLogLevel;
  readonly resources: ProxyResources;
  /** Audience of the projected ServiceAccount token the proxy presents to the controller. */
  readonly tokenAudience: string;
  readonly tokenExpirationSeconds: number;
  /** Namespaces never injected, whatever labels or annotations say. */
  readonly excludedNamespaces: readonly string[];
  /** Mesh-wide capture exclusions, merged with each pod's annotations. */
  readonly excludeOutboundPorts?: readonly number[];
  readonly excludeInboundPorts?: readonly number[];
  readonly excludeOutboundCidrs?: readonly string[];
  /** Point app containers' kubelet probes at the proxy (injector/app-probes.ts); a pod's weft.dev/rewrite-app-probes overrides. Default true. */
  readonly rewriteAppProbes?: boolean;
  /** Tracing for the injected proxy, passed as WEFT_TRACING_* env (pkg/telemetry tracingConfigFromEnv). */
  readonly tracing?: ProxyTracing;
  /**
   * PEM of the mesh CA's current roots, set by the controller at injection time (never read from
   * WEFT_INJECTION_CONFIG); the proxy gets it as WEFT_TRUST_BUNDLE to verify the controller's TLS.
   */
  readonly trustBundlePem?: string;
  /** The controller serves plaintext (--grpc-insecure, development): the proxy gets WEFT_CONTROLLER_INSECURE=true. */
  readonly controllerInsecure?: boolean;
}

export interface ProxyTracing {
  readonly endpoint: string;
  readonly protocol?: "grpc" | "http";
  readonly samplingRatio?: number;
  readonly propagators?: readonly string[];
  /** Standard OpenTelemetry variables for the proxy (OTEL_ENV only), set as they are. */
  readonly otelEnv?: Readonly<Partial<Record<OtelEnvName, string>>>;
}

export const DEFAULT_INJECTOR_CONFIG: InjectorConfig = {
  proxyImage: "ghcr.io/weft-mesh/weft:0.1.0",
  imagePullPolicy: "IfNotPresent",
  controllerAddress: "weft-controller.weft-system.svc:15010",
  nativeSidecars: true,
  proxyUid: 1337,
  adminPort: 15000,
  inboundPort: 15006,
  outboundPort: 15001,
  logLevel: "info",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
  tokenAudience: "weft.dev/distribution",
  tokenExpirationSeconds: 3600,
  excludedNamespaces: ["kube-system", "kube-public", "kube-node-lease"],
};

const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;

/** Every problem with the config; empty when usable. */
export function validateInjectorConfig(c: InjectorConfig): string[] {
  const problems: string[] = [];
  if (!c.proxyImage) problems.push("proxyImage must be set");
  if (!/^[^\s:]+:\d{1,5}$/.test(c.controllerAddress) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(c.controllerAddress)) problems.push(`controllerAddress must be host:port, got "${c.controllerAddress}"`);
  if (!Number.isInteger(c.proxyUid) || c.proxyUid < 1) problems.push(`proxyUid must be a positive integer (the proxy never runs as root), got ${c.proxyUid}`);
  for (const [name, p] of [["adminPort", c.adminPort], ["inboundPort", c.inboundPort], ["outboundPort", c.outboundPort]] as const) {
    if (!isPort(p)) problems.push(`${name} must be a port 1..65535, got ${p}`);
  }
  if (new Set([c.adminPort, c.inboundPort, c.outboundPort]).size !== 3) problems.push("adminPort, inboundPort and outboundPort must differ");
  if (!PROXY_LOG_LEVELS.includes(c.logLevel)) problems.push(`logLevel must be one of ${PROXY_LOG_LEVELS.join(", ")}`);
  for (const [kind, list] of [["requests", c.resources.requests], ["limits", c.resources.limits]] as const) {
    // Parsed JSON may carry other resources (ephemeral-storage, …): every entry is checked.
    const entries: [string, string | undefined][] = Object.entries(list as Readonly<Record<string, string | undefined>>);
    for (const [res, q] of entries) {
      if (q !== undefined && !isQuantity(q)) problems.push(`resources.${kind}.${res}: ${JSON.stringify(q)} is not a Kubernetes quantity`);
    }
  }
  problems.push(...requestsWithinLimits(c.resources, "resources"));
  if (!c.tokenAudience) problems.push("tokenAudience must be set");
  for (const [name, ports] of [["excludeOutboundPorts", c.excludeOutboundPorts], ["excludeInboundPorts", c.excludeInboundPorts]] as const) {
    for (const p of ports ?? []) if (!isPort(p)) problems.push(`${name}: ${p} is not a port 1..65535`);
  }
  for (const cidr of c.excludeOutboundCidrs ?? []) if (cidrFamily(cidr) === undefined) problems.push(`excludeOutboundCidrs: "${cidr}" is not an IP or CIDR`);
  if (c.tracing !== undefined) {
    if (!/^https?:\/\//.test(c.tracing.endpoint)) problems.push(`tracing.endpoint must be an http(s) URL, got "${c.tracing.endpoint}"`);
    const r = c.tracing.samplingRatio;
    if (r !== undefined && !(r >= 0 && r <= 1)) problems.push(`tracing.samplingRatio must be in [0, 1], got ${r}`);
    for (const [k, v] of Object.entries(c.tracing.otelEnv ?? {})) {
      if (!(OTEL_ENV as readonly string[]).includes(k)) problems.push(`tracing.otelEnv: ${JSON.stringify(k.slice(0, 60))} is not one of ${OTEL_ENV.join(", ")}`);
      else if (typeof v !== "string") problems.push(`tracing.otelEnv.${k} must be a string`);
    }
  }
  if (!Number.isInteger(c.tokenExpirationSeconds) || c.tokenExpirationSeconds < 600) problems.push("tokenExpirationSeconds must be an integer ≥ 600 (Kubernetes minimum)");
  return problems;
}

/** Kubernetes rejects a container whose request exceeds its limit: report it before it does. */
export function requestsWithinLimits(r: ProxyResources, where: string): string[] {
  const problems: string[] = [];
  for (const res of ["cpu", "memory"] as const) {
    const req = r.requests[res];
    const lim = r.limits[res];
    if (req === undefined || lim === undefined || !isQuantity(req) || !isQuantity(lim)) continue;
    if (quantityValue(req) > quantityValue(lim)) problems.push(`${where}: ${res} request ${req} exceeds limit ${lim}`);
  }
  return problems;
}

const CONFIG_KEYS = new Set<string>([
  "proxyImage",
  "initImage",
  "imagePullPolicy",
  "controllerAddress",
  "nativeSidecars",
  "proxyUid",
  "adminPort",
  "inboundPort",
  "outboundPort",
  "logLevel",
  "resources",
  "tokenAudience",
  "tokenExpirationSeconds",
  "excludedNamespaces",
  "excludeOutboundPorts",
  "excludeInboundPorts",
  "excludeOutboundCidrs",
  "tracing",
  "rewriteAppProbes",
]);

/** An InjectorConfig from JSON (the chart's WEFT_INJECTION_CONFIG) over `base`. Wrong types and
 *  invalid values are problems (no config); unknown keys are warnings (newer charts may add keys). */
export function parseInjectorConfig(json: string, base: InjectorConfig = DEFAULT_INJECTOR_CONFIG): { config?: InjectorConfig; problems: string[]; warnings: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return { problems: [`injector config is not valid JSON: ${e instanceof Error ? e.message : String(e)}`], warnings: [] };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { problems: ["injector config must be a JSON object"], warnings: [] };
  const obj = raw as Record<string, unknown>;
  const warnings = Object.keys(obj).filter((k) => !CONFIG_KEYS.has(k)).map((k) => `unknown injector config key "${k}" ignored`);
  const problems: string[] = [];
  const expect = (key: string, ok: (v: unknown) => boolean, what: string): void => {
    if (obj[key] !== undefined && !ok(obj[key])) problems.push(`${key} must be ${what}`);
  };
  const isStr = (v: unknown): boolean => typeof v === "string";
  const isNum = (v: unknown): boolean => typeof v === "number";
  const isList = (item: (v: unknown) => boolean) => (v: unknown): boolean => Array.isArray(v) && v.every(item);
  for (const k of ["proxyImage", "initImage", "imagePullPolicy", "controllerAddress", "logLevel", "tokenAudience"]) expect(k, isStr, "a string");
  for (const k of ["proxyUid", "adminPort", "inboundPort", "outboundPort", "tokenExpirationSeconds"]) expect(k, isNum, "a number");
  expect("nativeSidecars", (v) => typeof v === "boolean", "true or false");
  expect("rewriteAppProbes", (v) => typeof v === "boolean", "true or false");
  expect("excludedNamespaces", isList(isStr), "a list of strings");
  expect("excludeOutboundCidrs", isList(isStr), "a list of strings");
  for (const k of ["excludeOutboundPorts", "excludeInboundPorts"]) expect(k, isList(isNum), "a list of numbers");
  const lists = (v: unknown): boolean => v === undefined || (v !== null && typeof v === "object" && Object.values(v).every(isStr));
  expect("resources", (v) => v !== null && typeof v === "object" && lists((v as Record<string, unknown>)["requests"]) && lists((v as Record<string, unknown>)["limits"]),
    "{ requests?: {cpu?, memory?}, limits?: {cpu?, memory?} }");
  expect("tracing", (v) => v !== null && typeof v === "object" && isStr((v as Record<string, unknown>)["endpoint"]), "{ endpoint, protocol?, samplingRatio?, propagators?, otelEnv? }");
  if (problems.length > 0) return { problems, warnings };
  const known = Object.fromEntries(Object.entries(obj).filter(([k]) => CONFIG_KEYS.has(k)));
  const res = obj["resources"] as { requests?: ResourceList; limits?: ResourceList } | undefined;
  const config = {
    ...base,
    ...known,
    ...(res === undefined ? {} : { resources: { requests: res.requests ?? {}, limits: res.limits ?? {} } }),
  };
  const invalid = validateInjectorConfig(config);
  return invalid.length > 0 ? { problems: invalid, warnings } : { config, problems: [], warnings };
}
