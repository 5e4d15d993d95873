// describe: one-line human descriptions of IR parts for weftctl explain/proxy-config:
// matches, filters, timeouts, retry, backends (weight, share %, endpoints, what the share answers).
// Takes IR values (pkg/ir/types.ts); gives plain strings and small records.
// Must not: print, or show key material (the IR parts described here hold none).
import type { BackendIR, ClusterIR, FilterIR, GrpcMatchIR, HttpMatchIR, RuleIR } from "../ir/types.ts";
import { formatMs } from "./output.ts";

function str(type: string, name: string, value: string): string {
  return type === "Exact" ? `${name}=${JSON.stringify(value)}` : `${name}~/${value}/`;
}

/** "PathPrefix /v1, method GET, header x-version=\"2\", query q~/[0-9]+/" */
export function describeMatch(m: HttpMatchIR | GrpcMatchIR): string {
  const parts: string[] = [];
  if (m.kind === "http") {
    parts.push(`${m.path.type} ${m.path.value}`);
    if (m.method !== undefined) parts.push(`method ${m.method}`);
  } else if (m.method === undefined) {
    parts.push("any gRPC method");
  } else {
    const re = m.method.type === "RegularExpression";
    parts.push(`gRPC ${re ? "~" : ""}/${m.method.service ?? "*"}/${m.method.method ?? "*"}`);
  }
  for (const h of m.headers ?? []) parts.push(`header ${str(h.type, h.name, h.value)}`);
  if (m.kind === "http") { for (const q of m.queryParams ?? []) parts.push(`query ${str(q.type, q.name, q.value)}`); }
  return parts.join(", ");
}

function pathMod(p: { type: string; value: string; prefix?: string }): string {
  return p.type === "ReplacePrefixMatch" ? `ReplacePrefixMatch ${p.prefix ?? "?"} → ${JSON.stringify(p.value)}` : `ReplaceFullPath ${JSON.stringify(p.value)}`;
}

function headerOps(f: { set: readonly { name: string; value: string }[]; add: readonly { name: string; value: string }[]; remove: readonly string[] }): string {
  const ops = [
    ...f.set.map((h) => `set ${h.name}: ${h.value}`),
    ...f.add.map((h) => `add ${h.name}: ${h.value}`),
    ...f.remove.map((n) => `remove ${n}`),
  ];
  return ops.join(", ");
}

export function describeFilter(f: FilterIR): string {
  switch (f.type) {
    case "RequestHeaderModifier":
    case "ResponseHeaderModifier":
      return `${f.type} ${headerOps(f)}`;
    case "RequestRedirect": {
      const p = [`${f.statusCode}`];
      if (f.scheme !== undefined) p.push(`scheme ${f.scheme}`);
      if (f.hostname !== undefined) p.push(`hostname ${f.hostname}`);
      if (f.port !== undefined) p.push(`port ${f.port}`);
      if (f.path !== undefined) p.push(pathMod(f.path));
      return `RequestRedirect ${p.join(", ")}`;
    }
    case "URLRewrite": {
      const p: string[] = [];
      if (f.hostname !== undefined) p.push(`hostname ${f.hostname}`);
      if (f.path !== undefined) p.push(pathMod(f.path));
      return `URLRewrite ${p.join(", ")}`;
    }
    case "RequestMirror":
      return `RequestMirror to ${f.cluster} (${f.numerator}/${f.denominator} of requests)`;
    case "CORS":
      return `CORS origins [${f.allowOrigins.join(", ")}], methods [${f.allowMethods.join(", ")}], credentials ${f.allowCredentials}, max-age ${f.maxAgeSeconds}s`;
    case "Unsupported":
      return `Unsupported filter ⇒ ${f.status}: ${f.reason}`;
  }
}

export function describeTimeouts(rule: RuleIR): string {
  const t: string[] = [];
  if (rule.timeouts?.requestMs !== undefined) t.push(`request ${formatMs(rule.timeouts.requestMs)}`);
  if (rule.timeouts?.backendRequestMs !== undefined) t.push(`backendRequest ${formatMs(rule.timeouts.backendRequestMs)}`);
  return t.length === 0 ? "none" : t.join(", ");
}

export function describeRetry(rule: RuleIR): string {
  const r = rule.retry;
  if (r === undefined) return "none";
  return `up to ${r.attempts} ${r.attempts === 1 ? "retry" : "retries"} on [${r.codes.join(", ")}], backoff ${formatMs(r.backoffMs)}`;
}

export interface BackendReport {
  readonly kind: "cluster" | "invalid";
  readonly weight: number;
  /** Share of requests, percent with one decimal ("0.0" for weight 0). */
  readonly share: string;
  readonly target: string;
  readonly protocol?: string;
  readonly readyEndpoints?: number;
  readonly totalEndpoints?: number;
  /** Ready endpoints that run a Weft sidecar (reached over mesh mTLS); the others are reached in plaintext. */
  readonly mtlsEndpoints?: number;
  /** How this backend is reached: "mTLS", "plaintext (no Weft sidecar)", "mTLS 2, plaintext 1", or "-" (no ready endpoint). */
  readonly transport?: string;
  /** What this share gets: "forwarded", "503 no ready endpoints", "500 BackendNotFound: …". */
  readonly answer: string;
  readonly filters: readonly string[];
}

/** How ready endpoints are reached: endpoints with a SPIFFE identity run a Weft sidecar (mTLS), the others get plaintext. */
export function transportOf(ready: number, mtls: number): string {
  if (ready === 0) return "-";
  if (mtls === ready) return "mTLS";
  if (mtls === 0) return "plaintext (no Weft sidecar)";
  return `mTLS ${mtls}, plaintext ${ready - mtls}`;
}

/** Backends with their weighted share (spec §3: invalid backends keep their weight; their share gets 500). */
export function describeBackends(backends: readonly BackendIR[], clusters: ReadonlyMap<string, ClusterIR>, grpc: boolean): BackendReport[] {
  const total = backends.reduce((s, b) => s + (b.weight > 0 ? b.weight : 0), 0);
  return backends.map((b) => {
    const share = total === 0 || b.weight <= 0 ? "0.0" : ((b.weight / total) * 100).toFixed(1);
    if (b.kind === "invalid") {
      return {
        kind: "invalid",
        weight: b.weight,
        share,
        target: "(invalid)",
        answer: `${grpc ? "500 (gRPC UNAVAILABLE)" : "500"} ${b.reason}: ${b.message}`,
        filters: [],
      };
    }
    const c = clusters.get(b.cluster);
    const filters = (b.filters ?? []).map(describeFilter);
    if (c === undefined) return { kind: "cluster", weight: b.weight, share, target: b.cluster, answer: "503 cluster not in the configuration", filters };
    const ready = c.endpoints.filter((e) => e.ready).length;
    const mtls = c.endpoints.filter((e) => e.ready && e.identity !== undefined).length;
    return {
      kind: "cluster",
      weight: b.weight,
      share,
      target: b.cluster,
      protocol: c.protocol,
      readyEndpoints: ready,
      totalEndpoints: c.endpoints.length,
      mtlsEndpoints: mtls,
      transport: transportOf(ready, mtls),
      answer: b.weight <= 0 ? "never chosen (weight 0)" : ready === 0 ? "503 no ready endpoints" : "forwarded",
      filters,
    };
  });
}
