// slice: the PURE per-proxy view of the MeshIR.
// Takes the whole MeshIR and one proxy's identity; gives the ProxySlice that proxy needs:
//  - sidecar: every MeshService (a client may call any Service), each port keeping only the route
//    tables that can apply to clients in the proxy's namespace — the producer table and
//    consumers[proxyNs] (GAMMA: consumer routes apply only to clients in the route's namespace) —
//    plus the Service default clusters and every cluster those tables reference. No gateways, no secrets.
//  - gateway: only its own GatewayIR, the clusters its routes reference, its listeners' secrets.
// The slice is a MeshIR (same shape) so the proxy compiles it with the same code. Output is sorted
// and deterministic: equal inputs give deep-equal slices.
// Must not: mutate the IR, do I/O, or read clocks.
import type {
  BackendIR,
  ClusterIR,
  FilterIR,
  GatewayIR,
  MeshIR,
  MeshPortIR,
  MeshServiceIR,
  RouteTableIR,
  RouteTablesIR,
  TlsSecretIR,
  TrustBundleIR,
} from "../ir/types.ts";

export type ProxyKind = "gateway" | "sidecar";

/** Who a proxy is: from its hello message (authenticated by the server when configured). */
export interface ProxyIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly pod: string;
  readonly kind: ProxyKind;
  /** Gateways only: the Gateway this proxy serves. */
  readonly gatewayNamespace?: string;
  readonly gatewayName?: string;
}

/** The mesh CA roots a proxy trusts for peers (and the controller), pushed when they change. */
export type TrustBundle = TrustBundleIR;

/** The hello feature a proxy announces to receive the trust bundle as a `trust` resource. */
export const TRUST_BUNDLE_FEATURE = "trust-bundle";

/** A proxy's share of the IR (same shape as MeshIR), plus the trust bundle for proxies that take it. */
export type ProxySlice = MeshIR & { readonly trust?: TrustBundle };

export const EMPTY_SLICE: ProxySlice = { gateways: [], services: [], clusters: [], secrets: [] };

/** Slices depend only on this key: proxies with the same key get the same slice. */
export function sliceKeyOf(proxy: ProxyIdentity): string {
  return proxy.kind === "gateway"
    ? `gateway:${proxy.gatewayNamespace ?? ""}/${proxy.gatewayName ?? ""}`
    : `sidecar:${proxy.namespace}`;
}

export function sliceForProxy(ir: MeshIR, proxy: ProxyIdentity): ProxySlice {
  return proxy.kind === "gateway" ? sliceForGateway(ir, proxy) : sliceForSidecar(ir, proxy.namespace);
}

function sliceForSidecar(ir: MeshIR, clientNs: string): ProxySlice {
  const wanted = new Set<string>();
  const services: MeshServiceIR[] = ir.services.map((svc) => {
    const ports = svc.ports.map((port) => slicePort(port, clientNs, wanted));
    // Unchanged values keep their identity, so encodings can be shared between slices.
    return ports.every((p, i) => p === svc.ports[i]) ? svc : { ...svc, ports };
  });
  return {
    gateways: [],
    services: sortBy(services, (s) => `${s.namespace}/${s.name}`),
    clusters: pickClusters(ir.clusters, wanted),
    secrets: [],
  };
}

function slicePort(port: MeshPortIR, clientNs: string, wanted: Set<string>): MeshPortIR {
  wanted.add(port.cluster);
  const consumers: Record<string, RouteTablesIR> = {};
  const mine = Object.hasOwn(port.consumers, clientNs) ? port.consumers[clientNs] : undefined;
  if (mine !== undefined) {
    consumers[clientNs] = mine;
    collectTables(mine, wanted);
  }
  if (port.producer !== undefined) collectTables(port.producer, wanted);
  const keys = Object.keys(port.consumers);
  if (keys.length === 0 || (keys.length === 1 && mine !== undefined)) return port;
  const { producer, consumers: _all, ...rest } = port;
  return producer === undefined ? { ...rest, consumers } : { ...rest, producer, consumers };
}

function sliceForGateway(ir: MeshIR, proxy: ProxyIdentity): ProxySlice {
  const gw: GatewayIR | undefined = ir.gateways.find(
    (g) => g.namespace === proxy.gatewayNamespace && g.name === proxy.gatewayName,
  );
  if (gw === undefined) return EMPTY_SLICE;
  const wanted = new Set<string>();
  const secretIds = new Set<string>();
  for (const port of gw.ports) {
    for (const listener of port.listeners) {
      collectTables(listener.routes, wanted);
      for (const id of listener.certificates) secretIds.add(id);
    }
  }
  const secrets: TlsSecretIR[] = ir.secrets.filter((s) => secretIds.has(s.id));
  return {
    gateways: [gw],
    services: [],
    clusters: pickClusters(ir.clusters, wanted),
    secrets: sortBy(secrets, (s) => s.id),
  };
}

/** Every cluster id a route table can send traffic to (backends and mirrors, rule and backend filters). */
export function clustersOfTables(tables: RouteTablesIR): Set<string> {
  const out = new Set<string>();
  collectTables(tables, out);
  return out;
}

function collectTables(tables: RouteTablesIR, out: Set<string>): void {
  collectTable(tables.http, out);
  collectTable(tables.grpc, out);
}

function collectTable(table: RouteTableIR, out: Set<string>): void {
  for (const rule of table.rules) {
    collectFilters(rule.filters, out);
    for (const backend of rule.backends) collectBackend(backend, out);
  }
}

function collectBackend(backend: BackendIR, out: Set<string>): void {
  if (backend.kind !== "cluster") return;
  out.add(backend.cluster);
  collectFilters(backend.filters, out);
}

function collectFilters(filters: readonly FilterIR[], out: Set<string>): void {
  for (const f of filters) if (f.type === "RequestMirror") out.add(f.cluster);
}

function pickClusters(all: readonly ClusterIR[], wanted: ReadonlySet<string>): ClusterIR[] {
  return sortBy(
    all.filter((c) => wanted.has(c.id)),
    (c) => c.id,
  );
}

function sortBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
