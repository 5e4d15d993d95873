// router-bridge: the one place pkg/proxy calls pkg/router. Takes the router's exports by name; while a
// router export is missing it falls back to a plain linear matcher so the engine runs meanwhile.
// Gives compileRoutes/matchRoute/compileGateway/selectListener/listenerForSni/pickBackend/applyPathModifier.
// Must not: hold routing policy of its own beyond the fallback (first-wins over pre-sorted entries).
import * as router from "../router/index.ts";
import type {
  BackendIR, GatewayIR, GrpcMatchIR, HttpMatchIR, ListenerIR, PathModifierIR, RouteEntryIR, RouteTablesIR, RuleIR,
} from "../ir/types.ts";
import type { CompiledRoutes, RequestView } from "../router/index.ts";

export interface RouteMatch {
  readonly table: "http" | "grpc";
  readonly rule: RuleIR;
  readonly entry: RouteEntryIR;
}

export interface ListenerSelection {
  readonly listener: ListenerIR;
  readonly routes: CompiledRoutes;
}

export type CompiledGatewayRef = { readonly __gateway: unknown };

interface RouterApi {
  compileRoutes(tables: RouteTablesIR): CompiledRoutes;
  matchRoute(routes: CompiledRoutes, req: RequestView): RouteMatch | undefined;
  compileGateway(gw: GatewayIR): CompiledGatewayRef;
  selectListener(gw: CompiledGatewayRef, port: number, host: string): ListenerSelection | undefined;
  listenerForSni(gw: CompiledGatewayRef, port: number, sni: string): ListenerIR | ListenerSelection | undefined;
  pickBackend(backends: readonly BackendIR[], random: () => number): BackendIR | undefined;
  applyPathModifier(path: string, modifier: PathModifierIR): string;
}

const api = router as unknown as Partial<RouterApi>;

// ---- fallback (linear, first-wins) ----------------------------------------------------------
interface FallbackRoutes { readonly __compiled: "routes"; readonly tables: RouteTablesIR }
interface FallbackGateway { readonly __gateway: GatewayIR }

function hostMatches(hostnames: readonly string[], host: string): boolean {
  if (hostnames.length === 0) return true;
  for (const h of hostnames) {
    if (h === host) return true;
    if (h.startsWith("*.") && host.endsWith(h.slice(1)) && host.length > h.length - 1) return true;
  }
  return false;
}

function pathMatches(m: HttpMatchIR["path"], path: string): boolean {
  if (m.type === "Exact") return path === m.value;
  if (m.type === "PathPrefix") {
    if (m.value === "/") return true;
    return path === m.value || path.startsWith(m.value + "/");
  }
  try { return new RegExp(`^(?:${m.value})$`).test(path); } catch { return false; }
}

function firstQuery(query: string, name: string): string | undefined {
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const k = eq === -1 ? part : part.slice(0, eq);
    if (k === name) { try { return decodeURIComponent(eq === -1 ? "" : part.slice(eq + 1)); } catch { return undefined; } }
  }
  return undefined;
}

function strMatches(type: "Exact" | "RegularExpression", pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (type === "Exact") return value === pattern;
  try { return new RegExp(`^(?:${pattern})$`).test(value); } catch { return false; }
}

function entryMatches(e: RouteEntryIR, req: RequestView): boolean {
  if (!hostMatches(e.hostnames, req.host)) return false;
  const m: HttpMatchIR | GrpcMatchIR = e.match;
  for (const h of m.headers) if (!strMatches(h.type, h.value, req.header(h.name))) return false;
  if (m.kind === "http") {
    if (!pathMatches(m.path, req.path)) return false;
    if (m.method !== undefined && m.method !== req.method) return false;
    for (const q of m.queryParams) if (!strMatches(q.type, q.value, firstQuery(req.query, q.name))) return false;
    return true;
  }
  const parts = req.path.split("/");
  if (parts.length !== 3 || parts[0] !== "") return false;
  if (m.method === undefined) return true;
  if (m.method.service !== undefined && !strMatches(m.method.type, m.method.service, parts[1])) return false;
  if (m.method.method !== undefined && !strMatches(m.method.type, m.method.method, parts[2])) return false;
  return true;
}

function fallbackMatch(routes: CompiledRoutes, req: RequestView): RouteMatch | undefined {
  const tables = (routes as unknown as FallbackRoutes).tables;
  const order: ("grpc" | "http")[] = req.grpc ? ["grpc", "http"] : ["http"];
  for (const t of order) {
    const table = tables[t];
    for (const entry of table.entries) {
      const rule = table.rules[entry.rule];
      if (rule !== undefined && entryMatches(entry, req)) return { table: t, rule, entry };
    }
  }
  return undefined;
}

function fallbackPick(backends: readonly BackendIR[], random: () => number): BackendIR | undefined {
  let total = 0;
  for (const b of backends) total += Math.max(0, b.weight);
  if (total <= 0) return undefined;
  let r = random() * total;
  for (const b of backends) {
    if (b.weight <= 0) continue;
    r -= b.weight;
    if (r < 0) return b;
  }
  for (let i = backends.length - 1; i >= 0; i--) if (backends[i]!.weight > 0) return backends[i];
  return undefined;
}

function fallbackPathModifier(path: string, mod: PathModifierIR): string {
  if (mod.type === "ReplaceFullPath") return mod.value;
  const prefix = mod.prefix === "/" ? "" : mod.prefix.replace(/\/$/, "");
  if (!path.startsWith(prefix)) return path;
  const rest = path.slice(prefix.length);
  if (rest === "") return mod.value === "" ? "/" : mod.value;
  const out = mod.value.replace(/\/$/, "") + rest;
  return out === "" ? "/" : out;
}

function specificity(l: ListenerIR): number {
  if (l.hostname === undefined) return 0;
  return l.hostname.startsWith("*.") ? 1 : 2;
}

function fallbackSelect(gw: CompiledGatewayRef, port: number, host: string): ListenerSelection | undefined {
  const g = (gw as unknown as FallbackGateway).__gateway;
  const p = g.ports.find((x) => x.port === port);
  if (p === undefined) return undefined;
  const sorted = [...p.listeners].sort((a, b) => specificity(b) - specificity(a) || (b.hostname?.length ?? 0) - (a.hostname?.length ?? 0));
  for (const l of sorted) {
    if (l.hostname === undefined || hostMatches([l.hostname], host)) return { listener: l, routes: compileRoutes(l.routes) };
  }
  return undefined;
}

// ---- exports -----------------------------------------------------------------------------------
export function compileRoutes(tables: RouteTablesIR): CompiledRoutes {
  if (api.compileRoutes) return api.compileRoutes(tables);
  const r: FallbackRoutes = { __compiled: "routes", tables };
  return r as unknown as CompiledRoutes;
}

export function matchRoute(routes: CompiledRoutes, req: RequestView): RouteMatch | undefined {
  return api.matchRoute ? api.matchRoute(routes, req) : fallbackMatch(routes, req);
}

export function compileGateway(gw: GatewayIR): CompiledGatewayRef {
  if (api.compileGateway) return api.compileGateway(gw);
  const g: FallbackGateway = { __gateway: gw };
  return g;
}

export function selectListener(gw: CompiledGatewayRef, port: number, host: string): ListenerSelection | undefined {
  return api.selectListener ? api.selectListener(gw, port, host) : fallbackSelect(gw, port, host);
}

/** The listener whose certificate serves this SNI on this port. */
export function listenerForSni(gw: CompiledGatewayRef, port: number, sni: string): ListenerIR | undefined {
  if (api.listenerForSni) {
    const r = api.listenerForSni(gw, port, sni);
    if (r === undefined) return undefined;
    return "listener" in r ? r.listener : r;
  }
  return fallbackSelect(gw, port, sni)?.listener;
}

export function pickBackend(backends: readonly BackendIR[], random: () => number): BackendIR | undefined {
  return api.pickBackend ? api.pickBackend(backends, random) : fallbackPick(backends, random);
}

export function applyPathModifier(path: string, modifier: PathModifierIR): string {
  return api.applyPathModifier ? api.applyPathModifier(path, modifier) : fallbackPathModifier(path, modifier);
}
