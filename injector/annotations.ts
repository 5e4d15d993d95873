// annotations: the `weft.dev/*` pod annotations the injector reads, parsed and validated into
// per-pod overrides. Takes the pod's annotations and the config; gives overrides plus a problem
// list (one sentence per bad value). Policy: any bad value makes mutate skip injection with
// reason "invalid-annotation" — a half-honoured capture or resource setting would silently change
// how the pod's traffic flows, which is worse than no sidecar plus a visible warning.
// Must not: throw on any input, or accept unbounded lists.
import { cidrFamily } from "./capture-rules.ts";
import { PROXY_LOG_LEVELS, requestsWithinLimits, type InjectorConfig, type ProxyLogLevel, type ProxyResources } from "./injector-config.ts";
import { isQuantity } from "./quantity.ts";
import { PROXY_TUNINGS, type ProxyTuning } from "../pkg/util/proxy-node-options.ts";

export const ANNOTATION = {
  inject: "weft.dev/inject",
  status: "weft.dev/injection-status",
  excludeOutboundPorts: "weft.dev/exclude-outbound-ports",
  excludeInboundPorts: "weft.dev/exclude-inbound-ports",
  includeInboundPorts: "weft.dev/include-inbound-ports",
  excludeOutboundCidrs: "weft.dev/exclude-outbound-cidrs",
  proxyCpu: "weft.dev/proxy-cpu",
  proxyMemory: "weft.dev/proxy-memory",
  proxyCpuLimit: "weft.dev/proxy-cpu-limit",
  proxyMemoryLimit: "weft.dev/proxy-memory-limit",
  proxyLogLevel: "weft.dev/proxy-log-level",
  proxyTuning: "weft.dev/proxy-tuning",
  rewriteAppProbes: "weft.dev/rewrite-app-probes",
  inboundMtls: "weft.dev/inbound-mtls",
} as const;

/** What the sidecar does with plaintext (non-mesh) inbound connections: accept them, or refuse them. */
export type InboundMtlsMode = "permissive" | "strict";

export const NAMESPACE_LABEL = "weft.dev/inject";

export const MAX_LIST_ITEMS = 64;
const MAX_VALUE_LENGTH = 2048;

export interface PodOverrides {
  readonly excludeOutboundPorts: readonly number[];
  readonly excludeInboundPorts: readonly number[];
  readonly includeInboundPorts: "*" | readonly number[];
  readonly excludeOutboundCidrs: readonly string[];
  readonly resources: ProxyResources;
  readonly logLevel: ProxyLogLevel;
  /** weft.dev/proxy-tuning: the sidecar's V8 flags, "memory" (default) or "latency" (pkg/util/proxy-node-options.ts). */
  readonly proxyTuning: ProxyTuning;
  /** Point the app's HTTP, TCP and gRPC kubelet probes at the proxy's admin port (app-probes.ts); default: the config's rewriteAppProbes, else true. */
  readonly rewriteAppProbes: boolean;
  /** weft.dev/inbound-mtls: "strict" refuses plaintext inbound connections (default permissive). */
  readonly inboundMtls: InboundMtlsMode;
}

function listOf(name: string, value: string, problems: string[]): string[] {
  if (value.length > MAX_VALUE_LENGTH) {
    problems.push(`${name}: value longer than ${MAX_VALUE_LENGTH} characters`);
    return [];
  }
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length > MAX_LIST_ITEMS) {
    problems.push(`${name}: more than ${MAX_LIST_ITEMS} entries`);
    return [];
  }
  return items;
}

function portsOf(name: string, value: string | undefined, problems: string[]): number[] {
  if (value === undefined) return [];
  const out: number[] = [];
  for (const item of listOf(name, value, problems)) {
    const n = /^\d{1,5}$/.test(item) ? Number(item) : Number.NaN;
    if (n >= 1 && n <= 65535) out.push(n);
    else problems.push(`${name}: "${item.slice(0, 64)}" is not a port 1..65535`);
  }
  return [...new Set(out)];
}

function cidrsOf(name: string, value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const item of listOf(name, value, problems)) {
    if (cidrFamily(item) === undefined) problems.push(`${name}: "${item.slice(0, 64)}" is not an IP address or CIDR`);
    else out.push(item);
  }
  return [...new Set(out)];
}

function quantityOf(name: string, value: string | undefined, fallback: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return fallback;
  const v = value.trim();
  if (isQuantity(v)) return v;
  problems.push(`${name}: "${value.slice(0, 64)}" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)`);
  return fallback;
}

/** Overrides from annotations; `problems` is empty when every weft.dev value is valid. */
/** One of `choices` (trimmed, case-insensitive), else `fallback`; a value that is none of them is a problem. */
function choiceOf<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T, problems: string[]): T {
  if (value === undefined) return fallback;
  const found = choices.find((c) => c === value.trim().toLowerCase());
  if (found === undefined) problems.push(`${name}: "${value.slice(0, 64)}" is not one of ${choices.join(", ")}`);
  return found ?? fallback;
}

export function readPodOverrides(annotations: Readonly<Record<string, string>>, config: InjectorConfig): { overrides: PodOverrides; problems: string[] } {
  const problems: string[] = [];
  const a = (k: string): string | undefined => (typeof annotations[k] === "string" ? annotations[k] : undefined);
  const includeRaw = a(ANNOTATION.includeInboundPorts);
  const includeInboundPorts = includeRaw === undefined || includeRaw.trim() === "*" ? "*" : portsOf(ANNOTATION.includeInboundPorts, includeRaw, problems);
  const r = config.resources;
  const resources: ProxyResources = {
    requests: stripUndefined({
      cpu: quantityOf(ANNOTATION.proxyCpu, a(ANNOTATION.proxyCpu), r.requests.cpu, problems),
      memory: quantityOf(ANNOTATION.proxyMemory, a(ANNOTATION.proxyMemory), r.requests.memory, problems),
    }),
    limits: stripUndefined({
      cpu: quantityOf(ANNOTATION.proxyCpuLimit, a(ANNOTATION.proxyCpuLimit), r.limits.cpu, problems),
      memory: quantityOf(ANNOTATION.proxyMemoryLimit, a(ANNOTATION.proxyMemoryLimit), r.limits.memory, problems),
    }),
  };
  problems.push(...requestsWithinLimits(resources, "proxy resources"));
  const logLevel = choiceOf(ANNOTATION.proxyLogLevel, a(ANNOTATION.proxyLogLevel), PROXY_LOG_LEVELS, config.logLevel, problems);
  const proxyTuning: ProxyTuning = choiceOf(ANNOTATION.proxyTuning, a(ANNOTATION.proxyTuning), PROXY_TUNINGS, PROXY_TUNINGS[0], problems);
  const rewriteRaw = a(ANNOTATION.rewriteAppProbes)?.trim().toLowerCase();
  if (rewriteRaw !== undefined && rewriteRaw !== "true" && rewriteRaw !== "false") {
    problems.push(`${ANNOTATION.rewriteAppProbes}: "${rewriteRaw.slice(0, 64)}" must be true or false`);
  }
  const mtlsRaw = a(ANNOTATION.inboundMtls)?.trim().toLowerCase();
  if (mtlsRaw !== undefined && mtlsRaw !== "strict" && mtlsRaw !== "permissive") {
    problems.push(`${ANNOTATION.inboundMtls}: "${mtlsRaw.slice(0, 64)}" must be strict or permissive`);
  }
  return {
    overrides: {
      excludeOutboundPorts: union(config.excludeOutboundPorts, portsOf(ANNOTATION.excludeOutboundPorts, a(ANNOTATION.excludeOutboundPorts), problems)),
      excludeInboundPorts: union(config.excludeInboundPorts, portsOf(ANNOTATION.excludeInboundPorts, a(ANNOTATION.excludeInboundPorts), problems)),
      includeInboundPorts,
      excludeOutboundCidrs: union(config.excludeOutboundCidrs, cidrsOf(ANNOTATION.excludeOutboundCidrs, a(ANNOTATION.excludeOutboundCidrs), problems)),
      resources,
      logLevel,
      proxyTuning,
      rewriteAppProbes: rewriteRaw === undefined ? config.rewriteAppProbes !== false : rewriteRaw === "true",
      inboundMtls: mtlsRaw === "strict" ? "strict" : "permissive",
    },
    problems,
  };
}

/** Mesh-wide entries first, then the pod's, without duplicates. */
function union<T>(meshWide: readonly T[] | undefined, pod: readonly T[]): T[] {
  return [...new Set([...(meshWide ?? []), ...pod])];
}

function stripUndefined(r: { cpu: string | undefined; memory: string | undefined }): { cpu?: string; memory?: string } {
  return { ...(r.cpu === undefined ? {} : { cpu: r.cpu }), ...(r.memory === undefined ? {} : { memory: r.memory }) };
}
