// snapshot: one encoded slice shared by every proxy with the same slice key, plus the route
// generations it contains (for "programmed by N/M proxies" status feedback), the listener set of each
// Gateway in it (for a Gateway's Programmed condition: which proxies hold its current listeners), and the diff between
// what a proxy holds and a snapshot (only changed resources travel).
// Must not: do I/O; snapshots are immutable once built and shared between proxies.
import type { GatewayIR, MeshIR, RouteRef, RouteTablesIR } from "../ir/types.ts";
import type { ConfigUpdateMsg } from "./proto.ts";
import { encodeSlice, splitResourceKey, type EncodedResource, type EncodedSlice } from "./resources.ts";
import { sliceForProxy, type ProxyIdentity, type TrustBundle } from "./slice.ts";

export interface SliceSnapshot {
  readonly key: string;
  readonly encoded: EncodedSlice;
  /** "<kind>/<ns>/<name>" → generation of that route inside this slice. */
  readonly routeGenerations: ReadonlyMap<string, number>;
  /** "<ns>/<gateway>" → its listener set (gatewayListenerSet) inside this slice. */
  readonly listenerSets: ReadonlyMap<string, string>;
  /**
   * Encoded updates to this snapshot already built (server cache), by the base version they start
   * from ("" = full). Proxies of one slice key mostly hold the same version, so each diff is built
   * and serialised once, not once per proxy. A version names exactly one set of (key, hash) pairs,
   * so caching by version is exact.
   */
  readonly updates: Map<string, Uint8Array>;
}

/** What a proxy holds: version and key → hash. */
export interface HeldState {
  readonly version: string;
  readonly resources: ReadonlyMap<string, { readonly hash: string }>;
}

export const NOTHING_HELD: HeldState = { version: "", resources: new Map() };

export function routeKeyOf(ref: Pick<RouteRef, "kind" | "namespace" | "name">): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A Gateway's listeners as served (ports, protocols, hostnames, certificate ids), routes left out. */
export function gatewayListenerSet(gw: GatewayIR): string {
  return gw.ports.map((p) => `${p.port}/${p.protocol}[${p.listeners.map((l) => `${l.id}|${l.hostname ?? ""}|${l.certificates.join(",")}`).join(";")}]`).join(" ");
}

/** `trust`: the bundle to include, for proxies that announced the trust-bundle feature. */
export function buildSnapshot(ir: MeshIR, proxy: ProxyIdentity, key: string, trust?: TrustBundle): SliceSnapshot {
  const routing = sliceForProxy(ir, proxy);
  const slice = trust === undefined ? routing : { ...routing, trust };
  const gens = new Map<string, number>();
  const add = (t: RouteTablesIR): void => {
    for (const table of [t.http, t.grpc]) {
      for (const rule of table.rules) {
        const k = routeKeyOf(rule.route);
        gens.set(k, Math.max(gens.get(k) ?? 0, rule.route.generation));
      }
    }
  };
  const listenerSets = new Map<string, string>();
  for (const gw of slice.gateways) {
    listenerSets.set(`${gw.namespace}/${gw.name}`, gatewayListenerSet(gw));
    for (const p of gw.ports) for (const l of p.listeners) add(l.routes);
  }
  for (const svc of slice.services) {
    for (const p of svc.ports) {
      if (p.producer !== undefined) add(p.producer);
      for (const t of Object.values(p.consumers)) add(t);
    }
  }
  return { key, encoded: encodeSlice(slice), routeGenerations: gens, listenerSets, updates: new Map() };
}

export interface SliceDiff {
  readonly changed: EncodedResource[];
  readonly removed: { type: string; name: string; hash: string }[];
}

/** Resources of `target` the holder lacks or holds with another hash, and keys it must drop. */
export function diffHeld(held: HeldState, target: EncodedSlice): SliceDiff {
  const changed: EncodedResource[] = [];
  for (const [key, r] of target.resources) if (held.resources.get(key)?.hash !== r.hash) changed.push(r);
  const removed: SliceDiff["removed"] = [];
  for (const [key, r] of held.resources) {
    if (!target.resources.has(key)) removed.push({ ...splitResourceKey(key), hash: r.hash });
  }
  return { changed, removed };
}

/** The update that takes a proxy from what it holds to `target` (full when it holds nothing known). */
export function buildUpdate(held: HeldState, target: EncodedSlice): ConfigUpdateMsg {
  const full = held === NOTHING_HELD;
  const diff = diffHeld(full ? NOTHING_HELD : held, target);
  return {
    version: target.version,
    baseVersion: held.version,
    full,
    resources: diff.changed.map((r) => ({ type: r.type, name: r.name, hash: r.hash, payload: r.payload })),
    removed: full ? [] : diff.removed,
  };
}
