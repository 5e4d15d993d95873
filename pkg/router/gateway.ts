// gateway: compiled listeners of one Gateway and listener selection (spec §6, §7).
// Takes: GatewayIR. Gives: per port, listeners ordered most specific first (exact hostname > longer
// wildcard > no hostname) with their routes compiled once; selection by Host (HTTP) or by SNI (HTTPS
// certificate choice). Listener isolation (spec §6): the caller routes ONLY with the selected
// listener's routes and answers 404 / UNIMPLEMENTED when none match; there is no fall-through.
// Must not: throw on malformed IR; pick a listener whose hostname does not match.
import type { GatewayIR, ListenerIR } from "../ir/types.ts";
import { compileRoutes, type CompiledRoutes } from "./compile-routes.ts";
import { hostnameMatches, hostnameSpecificity, normalizeHostname } from "./hostname.ts";

export interface CompiledListener {
  readonly listener: ListenerIR;
  /** Normalised listener hostname; undefined = any host. */
  readonly hostname: string | undefined;
  readonly routes: CompiledRoutes;
}

export interface CompiledGateway {
  readonly __compiled: "gateway";
  readonly namespace: string;
  readonly name: string;
  /** Port → listeners, most specific hostname first. */
  readonly ports: ReadonlyMap<number, readonly CompiledListener[]>;
}

export function compileGateway(gw: GatewayIR): CompiledGateway {
  const ports = new Map<number, CompiledListener[]>();
  for (const p of gw.ports ?? []) {
    const list = ports.get(p.port) ?? [];
    for (const listener of p.listeners ?? []) {
      const hostname = listener.hostname === undefined || listener.hostname === "" ? undefined : normalizeHostname(listener.hostname);
      list.push({ listener, hostname, routes: compileRoutes(listener.routes) });
    }
    // Stable sort: IR order breaks ties between equally specific listeners.
    list.sort((a, b) => hostnameSpecificity(b.hostname) - hostnameSpecificity(a.hostname));
    ports.set(p.port, list);
  }
  return { __compiled: "gateway", namespace: gw.namespace, name: gw.name, ports };
}

function mostSpecific(gw: CompiledGateway, port: number, host: string): CompiledListener | undefined {
  const list = gw.ports.get(port);
  if (list === undefined) return undefined;
  const h = normalizeHostname(host);
  for (const l of list) {
    if (l.hostname === undefined || hostnameMatches(l.hostname, h)) return l;
  }
  return undefined;
}

/**
 * The single most specific listener on `port` whose hostname matches `host` (port-less), with its
 * routes; undefined ⇒ no listener for that host (404).
 */
export function selectListener(
  gw: CompiledGateway,
  port: number,
  host: string,
): { listener: ListenerIR; routes: CompiledRoutes } | undefined {
  const l = mostSpecific(gw, port, host);
  return l === undefined ? undefined : { listener: l.listener, routes: l.routes };
}

/**
 * Listener whose certificates serve a TLS handshake on `port` with server name `sni`. Without SNI
 * only a hostname-less listener qualifies (no default certificate leaks another listener's names).
 * Misdirected requests (spec §6): when selectListener(gw, port, host).listener differs from this
 * listener, the proxy SHOULD answer 421.
 */
export function listenerForSni(gw: CompiledGateway, port: number, sni: string | undefined): ListenerIR | undefined {
  if (sni === undefined || sni === "") {
    return gw.ports.get(port)?.find((l) => l.hostname === undefined)?.listener;
  }
  return mostSpecific(gw, port, sni)?.listener;
}
