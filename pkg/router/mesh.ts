// mesh: compiled GAMMA destinations of one client, looked up by original destination ClusterIP:port.
// Takes: the mesh Services and the namespace of the client workload. Gives: for (ip, port) the Service,
// its port and the routes that apply to this client (spec §2: consumer routes in the client's namespace
// win over producer routes; spec §1.8 route presence: no route attached ⇒ routes undefined and the
// proxy forwards to port.cluster). Addresses are normalised (IPv6 RFC 5952, IPv4-mapped → IPv4).
// Must not: match by Host header (GAMMA matches by the original destination), throw on malformed IR.
import type { MeshPortIR, MeshServiceIR } from "../ir/types.ts";
import { normalizeIp } from "../util/ip-address.ts";
import { compileRoutes, type CompiledRoutes } from "./compile-routes.ts";

export interface MeshDestination {
  readonly service: MeshServiceIR;
  readonly port: MeshPortIR;
  /** undefined ⇒ no route attached for this client: forward to port.cluster. */
  readonly routes: CompiledRoutes | undefined;
}

export interface CompiledMesh {
  readonly __compiled: "mesh";
  readonly clientNamespace: string;
  /** "<normalised ip>|<port>" → destination. */
  readonly destinations: ReadonlyMap<string, MeshDestination>;
}

function keyOf(ip: string, port: number): string {
  return `${ip}|${port}`;
}

export function compileMesh(services: readonly MeshServiceIR[], clientNamespace: string): CompiledMesh {
  const destinations = new Map<string, MeshDestination>();
  for (const service of services ?? []) {
    for (const port of service.ports ?? []) {
      const consumers = port.consumers ?? {};
      const tables = Object.hasOwn(consumers, clientNamespace) ? consumers[clientNamespace] : port.producer;
      const dest: MeshDestination = { service, port, routes: tables === undefined ? undefined : compileRoutes(tables) };
      for (const ip of service.clusterIPs ?? []) {
        const key = keyOf(normalizeIp(ip), port.port);
        // First Service in input order keeps a (misconfigured) duplicate address.
        if (!destinations.has(key)) destinations.set(key, dest);
      }
    }
  }
  return { __compiled: "mesh", clientNamespace, destinations };
}

/**
 * Per compiled mesh, its last lookup and answer: a sidecar's requests come in runs to one destination and
 * each asks more than once (its routes, its cluster), which built a key string and hashed it every time.
 */
const lastLookup = new WeakMap<CompiledMesh, { ip: string; port: number; dest: MeshDestination | undefined }>();

/** The mesh destination behind original destination `ip`:`port`, or undefined (not a mesh Service). */
export function lookupMeshDestination(mesh: CompiledMesh, ip: string, port: number): MeshDestination | undefined {
  const last = lastLookup.get(mesh);
  if (last !== undefined && last.ip === ip && last.port === port) return last.dest;
  const dest = mesh.destinations.get(keyOf(ip, port)) ?? mesh.destinations.get(keyOf(normalizeIp(ip), port));
  if (last === undefined) lastLookup.set(mesh, { ip, port, dest });
  else {
    last.ip = ip;
    last.port = port;
    last.dest = dest;
  }
  return dest;
}
