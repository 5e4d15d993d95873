// injector-config: what the injector puts into pods — images, controller address, ports, proxy
// uid, resources, log level, native sidecars or not — with defaults and validation.
// Takes nothing; gives the config type, DEFAULT_INJECTOR_CONFIG and `validateInjectorConfig`.
// Must not: read the environment or the cluster (cmd/ and the chart fill the config).
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
    for (const [res, q] of Object.entries(list)) if (q !== undefined && !isQuantity(q)) problems.push(`resources.${kind}.${res}: "${q}" is not a Kubernetes quantity`);
  }
  problems.push(...requestsWithinLimits(c.resources, "resources"));
  if (!c.tokenAudience) problems.push("tokenAudience must be set");
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
