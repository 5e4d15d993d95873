// explain-parent: which parent and which route tables a request meets, for weftctl explain.
// East-west: the URL host is a Service name or ClusterIP; the client namespace picks consumer routes,
// else producer routes, else none (passthrough; spec §1.4, §1.8, §2). North-south: the URL port and
// Host pick the Gateway listener (most specific hostname, spec §7), listener isolation (spec §6),
// SNI vs Host (421). Also gives the tables the request cannot see (other listeners, shadowed producer
// routes). Uses the router's own compileMesh/lookupMeshDestination/compileGateway/selectListener.
// Takes a translate run and a parsed request; gives a Routed value or an input error. Must not: print.
import { isIP } from "node:net";
import type { Condition } from "../api/index.ts";
import type { MeshPortIR, MeshServiceIR, RouteTablesIR } from "../ir/types.ts";
import { compileGateway, compileMesh, compileRoutes, hostnameMatches, listenerForSni, lookupMeshDestination, selectListener } from "../router/index.ts";
import type { CompiledRoutes } from "../router/index.ts";
import { normalizeIp } from "../util/ip-address.ts";
import type { TranslateRun } from "./translate-run.ts";
import type { ExplainRequest } from "./request.ts";

export interface ListenerReport {
  readonly name: string;
  readonly hostname: string;
  readonly protocol: string;
  readonly selected: boolean;
  readonly why: string;
}

export function conditionLine(c: Condition): string {
  return `${c.type}=${c.status} (${c.reason}): ${c.message}`;
}

export interface ParentKey {
  readonly kind: "Gateway" | "Service";
  readonly namespace: string;
  readonly name: string;
}

export interface Routed {
  readonly parent: ParentKey;
  readonly parentText: string;
  readonly selection: string[];
  readonly listeners?: ListenerReport[];
  readonly tables: RouteTablesIR;
  readonly compiled: CompiledRoutes;
  /** Tables the request does NOT see (other listeners, producer routes shadowed by consumer routes), with why. */
  readonly shadowed: readonly { readonly compiled: CompiledRoutes; readonly why: string }[];
}

export function meshRouted(run: TranslateRun, req: ExplainRequest, fromNs: string, workload: string | undefined): Routed | { error: string } | {
  passthrough: { parent: ParentKey; text: string; selection: string[]; port: MeshPortIR };
} {
  const services = run.result.ir.services;
  let svc: MeshServiceIR | undefined;
  if (isIP(req.host) !== 0) {
    const ip = normalizeIp(req.host);
    svc = lookupMeshDestination(compileMesh(services, fromNs), req.host, req.port)?.service ?? services.find((s) => s.clusterIPs.some((c) => normalizeIp(c) === ip));
    if (svc === undefined) return { error: `${req.host} is not the ClusterIP of any mesh Service: the sidecar passes such connections through unrouted` };
  } else {
    const labels = req.host.split(".");
    const name = labels[0] ?? "";
    const ns = labels[1] ?? fromNs;
    if (labels.length > 2 && labels[2] !== "svc") return { error: `${req.host} is not a Service name (<name>[.<namespace>[.svc[.<cluster domain>]]]); use --gateway for north-south traffic` };
    svc = services.find((s) => s.namespace === ns && s.name === name);
    if (svc === undefined) {
      const raw = run.snapshot.services.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
      if (raw === undefined) return { error: `Service ${ns}/${name} not found` };
      return {
        error: `Service ${ns}/${name} (type ${raw.spec?.type ?? "ClusterIP"}, clusterIP ${
          raw.spec?.clusterIP ?? "unset"
        }) is not a mesh parent: only ClusterIP Services with a ClusterIP are (spec §1.2)`,
      };
    }
  }
  const port = svc.ports.find((p) => p.port === req.port);
  const parent: ParentKey = { kind: "Service", namespace: svc.namespace, name: svc.name };
  if (port === undefined) return { error: `Service ${svc.namespace}/${svc.name} has no port ${req.port} (ports: ${svc.ports.map((p) => p.port).join(", ")})` };
  const text = `Service ${svc.namespace}/${svc.name} port ${port.port}${port.name !== undefined ? ` (${port.name})` : ""}, ClusterIP ${svc.clusterIPs.join(", ") || "none"}`;
  const selection = [
    `matched by destination ClusterIP:port, not by Host header (spec §1.4); client namespace ${fromNs}${workload === undefined ? "" : ` (workload ${workload}; routes apply per namespace, spec §2)`}`,
  ];
  const consumers = Object.keys(port.consumers ?? {}).sort();
  const consumer = Object.hasOwn(port.consumers ?? {}, fromNs) ? port.consumers[fromNs] : undefined;
  let tables: RouteTablesIR | undefined;
  if (consumer !== undefined) {
    tables = consumer;
    selection.push(`consumer routes of namespace ${fromNs} apply: they take priority over producer routes for clients in ${fromNs} (spec §2)`);
    if (port.producer !== undefined) selection.push(`producer routes of ${svc.namespace} exist but are not merged in for clients in ${fromNs}`);
  } else if (port.producer !== undefined) {
    tables = port.producer;
    selection.push(`producer routes of namespace ${svc.namespace} apply (${fromNs} has no consumer routes for this Service)`);
    if (consumers.length > 0) selection.push(`consumer routes exist only for namespaces: ${consumers.join(", ")}`);
  } else if (consumers.length > 0) {
    selection.push(`no producer route, and consumer routes exist only for namespaces: ${consumers.join(", ")}`);
  }
  // The router's own choice for this client must be the same tables.
  const ip = svc.clusterIPs[0];
  const dest = ip === undefined ? undefined : lookupMeshDestination(compileMesh([svc], fromNs), ip, port.port);
  if (tables === undefined) {
    selection.push(`no route attached for this client ⇒ traffic passes to the Service unchanged (route presence, spec §1.8)`);
    return { passthrough: { parent, text, selection, port } };
  }
  const compiled = dest?.routes !== undefined && dest.routes.source === tables ? dest.routes : compileRoutes(tables);
  const shadowed = consumer !== undefined && port.producer !== undefined
    ? [{ compiled: compileRoutes(port.producer), why: `it is a producer route and clients in ${fromNs} use their consumer routes only (spec §2)` }]
    : [];
  return { parent, parentText: text, selection, tables, compiled, shadowed };
}

export function gatewayRouted(run: TranslateRun, req: ExplainRequest, ns: string, name: string): Routed | { error: string } | {
  noListener: { parent: ParentKey; text: string; selection: string[]; listeners: ListenerReport[] };
} {
  const gw = run.result.ir.gateways.find((g) => g.namespace === ns && g.name === name);
  const parent: ParentKey = { kind: "Gateway", namespace: ns, name };
  if (gw === undefined) {
    const st = run.result.statuses.find((s) => s.target.kind === "Gateway" && s.target.namespace === ns && s.target.name === name);
    const why = st === undefined || !("conditions" in st) ? "" : `: ${st.conditions.filter((c) => c.status !== "True").map(conditionLine).join("; ")}`;
    const exists = run.snapshot.gateways.some((g) => g.metadata.namespace === ns && g.metadata.name === name);
    return { error: exists ? `Gateway ${ns}/${name} is not served by Weft${why}` : `Gateway ${ns}/${name} not found` };
  }
  const compiled = compileGateway(gw);
  const text = `Gateway ${ns}/${name} port ${req.port}`;
  const list = compiled.ports.get(req.port);
  if (list === undefined) {
    return { noListener: { parent, text, selection: [`no listener on port ${req.port} (ports: ${[...compiled.ports.keys()].join(", ")}): connection refused`], listeners: [] } };
  }
  const chosen = selectListener(compiled, req.port, req.view.host);
  const listeners: ListenerReport[] = list.map((l) => {
    const selected = chosen?.listener === l.listener;
    const matches = l.hostname === undefined || hostnameMatches(l.hostname, req.view.host);
    const why = selected
      ? `selected: most specific hostname matching ${req.view.host} (spec §7)`
      : matches
      ? `matches ${req.view.host} but is less specific than ${chosen?.listener.name ?? "?"}`
      : `hostname ${l.hostname ?? "*"} does not match ${req.view.host}`;
    return { name: l.listener.name, hostname: l.hostname ?? "(any)", protocol: l.listener.protocol, selected, why };
  });
  if (chosen === undefined) {
    return { noListener: { parent, text, selection: [`no listener on port ${req.port} accepts host ${req.view.host}`], listeners } };
  }
  const selection = [`listener ${chosen.listener.name} (${chosen.listener.protocol}); listener isolation (spec §6): only its routes are considered, no fall-through to other listeners`];
  if (req.scheme === "https") {
    const sni = listenerForSni(compiled, req.port, req.host);
    if (sni === undefined) selection.push(`TLS: no listener certificate for SNI ${req.host}: the handshake fails`);
    else if (sni !== chosen.listener) selection.push(`TLS: SNI ${req.host} selects listener ${sni.name} but Host ${req.view.host} selects ${chosen.listener.name}: misdirected, the proxy answers 421`);
  } else if (chosen.listener.protocol === "HTTPS") {
    selection.push(`listener ${chosen.listener.name} is HTTPS: a plain-HTTP request fails the TLS handshake (use an https:// URL)`);
  }
  const shadowed = list
    .filter((l) => l.listener !== chosen.listener && (l.hostname === undefined || hostnameMatches(l.hostname, req.view.host)))
    .map((l) => ({ compiled: l.routes, why: `it is attached to listener ${l.listener.name}, and listener isolation keeps requests for ${req.view.host} on ${chosen.listener.name} (spec §6)` }));
  return { parent, parentText: text, selection, listeners, tables: chosen.listener.routes, compiled: chosen.routes, shadowed };
}
