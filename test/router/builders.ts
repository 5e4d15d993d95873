// builders: small constructors for route IR used by the router tests and benchmarks.
// Takes: the parts a test cares about. Gives: complete, plain IR values (pkg/ir/types.ts).
// Must not: sort or otherwise decide precedence (tests give entries in the order they want).
import type {
  BackendIR,
  GrpcMatchIR,
  HeaderMatchIR,
  HttpMatchIR,
  QueryParamMatchIR,
  RouteEntryIR,
  RouteTablesIR,
  RuleIR,
} from "../../pkg/ir/types.ts";
import type { RequestView } from "../../pkg/router/request.ts";

export function rule(id: string, backends: readonly BackendIR[] = []): RuleIR {
  return {
    id,
    route: { kind: "HTTPRoute", namespace: "ns", name: id, generation: 1 },
    ruleIndex: 0,
    filters: [],
    backends,
    timeouts: {},
  };
}

export interface HttpEntrySpec {
  readonly path?: HttpMatchIR["path"];
  readonly headers?: readonly HeaderMatchIR[];
  readonly query?: readonly QueryParamMatchIR[];
  readonly method?: string;
  readonly hostnames?: readonly string[];
}

export function httpMatch(spec: HttpEntrySpec): HttpMatchIR {
  return {
    kind: "http",
    path: spec.path ?? { type: "PathPrefix", value: "/" },
    headers: spec.headers ?? [],
    queryParams: spec.query ?? [],
    ...(spec.method !== undefined ? { method: spec.method } : {}),
  };
}

/** HTTP table whose entry i points at rule i (named by `ids[i]`, default "e<i>"). */
export function httpTables(specs: readonly HttpEntrySpec[], ids?: readonly string[]): RouteTablesIR {
  const entries: RouteEntryIR[] = specs.map((s, i) => ({ hostnames: s.hostnames ?? [], match: httpMatch(s), rule: i, matchIndex: 0 }));
  const rules = specs.map((_, i) => rule(ids?.[i] ?? `e${i}`));
  return { http: { kind: "http", entries, rules }, grpc: { kind: "grpc", entries: [], rules: [] } };
}

export interface GrpcEntrySpec {
  readonly method?: GrpcMatchIR["method"];
  readonly headers?: readonly HeaderMatchIR[];
  readonly hostnames?: readonly string[];
}

export function grpcEntries(specs: readonly GrpcEntrySpec[], prefix = "g"): { entries: RouteEntryIR[]; rules: RuleIR[] } {
  const entries: RouteEntryIR[] = specs.map((s, i) => ({
    hostnames: s.hostnames ?? [],
    match: { kind: "grpc", headers: s.headers ?? [], ...(s.method !== undefined ? { method: s.method } : {}) },
    rule: i,
    matchIndex: 0,
  }));
  return { entries, rules: specs.map((_, i) => rule(`${prefix}${i}`)) };
}

export interface RequestSpec {
  readonly method?: string;
  readonly path?: string;
  readonly query?: string;
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly grpc?: boolean;
}

/** A RequestView; header names in `headers` are looked up case-insensitively like a real proxy. */
export function request(spec: RequestSpec): RequestView {
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(spec.headers ?? {})) if (!headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), v);
  return {
    method: spec.method ?? "GET",
    path: spec.path ?? "/",
    query: spec.query ?? "",
    host: spec.host ?? "example.com",
    header: (name) => headers.get(name),
    grpc: spec.grpc ?? false,
  };
}
