// reference-matcher: the naive router the compiled one must agree with — a plain linear scan over
// the pre-sorted entries, written from the spec (§7, §8, §9) without any index or shared helper.
// Takes: RouteTablesIR and a RequestView. Gives: "<table>:<entry index>" of the first hit, or undefined;
// and, for one match alone, whether its path, its gRPC method, or all its conditions hold (hostnames aside).
// Must not: import pkg/router (it is the oracle). Regexes use JS RegExp anchored as ^(?:p)$, which
// equals RE2 full-match for the simple patterns the tests generate.
import type { GrpcMatchIR, HttpMatchIR, RouteEntryIR, RouteTableIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import type { RequestView } from "../../pkg/router/request.ts";

function full(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, "u").test(value);
  } catch {
    return false;
  }
}

function str(type: string, expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return type === "Exact" ? expected === actual : full(expected, actual);
}

function hostOk(entry: RouteEntryIR, rawHost: string): boolean {
  if (entry.hostnames.length === 0) return true;
  const host = rawHost.length > 1 && rawHost.endsWith(".") ? rawHost.slice(0, -1) : rawHost;
  return entry.hostnames.some((raw) => {
    const h = raw.toLowerCase();
    if (h.startsWith("*.")) return host.endsWith(h.slice(1)) && host.length > h.length - 1;
    return h === host;
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function firstQueryValue(query: string, name: string): string | undefined {
  if (query === "") return undefined;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    if (k === name) return eq < 0 ? "" : decode(part.slice(eq + 1));
  }
  return undefined;
}

export function pathOk(m: HttpMatchIR, path: string): boolean {
  const { type, value } = m.path;
  if (type === "Exact") return path === value;
  if (type === "RegularExpression") return full(value, path);
  const p = value !== "/" && value.endsWith("/") ? value.slice(0, -1) : value;
  if (p === "/") return path.startsWith("/");
  return path === p || path.startsWith(p + "/");
}

/** Spec §8: among conditions with an equivalent name only the first is considered. */
function firstOfEachName<T extends { name: string }>(items: readonly T[], fold: boolean): T[] {
  return items.filter((it, i) => items.findIndex((o) => (fold ? o.name.toLowerCase() === it.name.toLowerCase() : o.name === it.name)) === i);
}

function headersOk(headers: GrpcMatchIR["headers"], req: RequestView): boolean {
  return firstOfEachName(headers, true).every((h) => str(h.type, h.value, req.header(h.name.toLowerCase())));
}

export function httpOk(m: HttpMatchIR, req: RequestView): boolean {
  if (!pathOk(m, req.path)) return false;
  if (m.method !== undefined && m.method !== req.method) return false;
  if (!headersOk(m.headers, req)) return false;
  return firstOfEachName(m.queryParams, false).every((q) => str(q.type, q.value, firstQueryValue(req.query, q.name)));
}

/** The gRPC method condition alone (spec §9): "/<service>/<method>", both parts non-empty. */
export function grpcMethodOk(m: GrpcMatchIR, path: string): boolean {
  if (m.method === undefined) return true;
  const parts = path.split("/");
  if (parts.length !== 3 || parts[0] !== "" || parts[1] === "" || parts[2] === "") return false;
  if (m.method.service !== undefined && !str(m.method.type, m.method.service, parts[1])) return false;
  return m.method.method === undefined || str(m.method.type, m.method.method, parts[2]);
}

export function grpcOk(m: GrpcMatchIR, req: RequestView): boolean {
  return grpcMethodOk(m, req.path) && headersOk(m.headers, req);
}

function scan(table: RouteTableIR, kind: "http" | "grpc", req: RequestView): string | undefined {
  for (let i = 0; i < table.entries.length; i++) {
    const e = table.entries[i]!;
    if (table.rules[e.rule] === undefined || e.match.kind !== kind || !hostOk(e, req.host)) continue;
    if (e.match.kind === "http" ? httpOk(e.match, req) : grpcOk(e.match, req)) return `${kind}:${i}`;
  }
  return undefined;
}

export function referenceMatch(tables: RouteTablesIR, req: RequestView): string | undefined {
  if (req.grpc) {
    const hit = scan(tables.grpc, "grpc", req);
    if (hit !== undefined) return hit;
  }
  return scan(tables.http, "http", req);
}
