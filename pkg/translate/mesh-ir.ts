// mesh-ir: takes the Services of the snapshot and the routes attached to each Service port (grouped
// producer "" / consumer namespace), gives MeshServiceIR for every ClusterIP Service (headless and
// ExternalName have no frontend, spec §1.2) and the clusters their ports need. Spec §1.8: a port with
// no attached route keeps its own cluster (route presence); §2: consumer tables keyed by namespace.
// Must not: merge producer and consumer routes (spec §2: merging only within one group).
import type { Service } from "../api/index.ts";
import type { MeshPortIR, MeshServiceIR, RouteTablesIR } from "../ir/types.ts";
import type { ClusterDemand } from "./backend-refs.ts";
import { protocolOf } from "../ir/app-protocol.ts";
import { clusterId, isServiceParentable } from "./backend-refs.ts";
import { cmp } from "./diagnostics.ts";
import { buildRouteTables } from "./route-tables.ts";
import type { Attachment, MeshMembers } from "./attach-routes.ts";
import { guard, type PassContext } from "./pass-context.ts";
import { keyOf, nsOf } from "./snapshot-index.ts";

export function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP === undefined ? [] : [svc.spec.clusterIP]);
  return [...new Set(ips.filter((ip) => ip !== "" && ip !== "None"))];
}

/** The "route tables" step for mesh Services: one MeshServiceIR per ClusterIP Service; each port's cluster is demanded. */
export function meshTables(ctx: PassContext, attachment: Attachment): MeshServiceIR[] {
  const out: MeshServiceIR[] = [];
  for (const svc of ctx.idx.sortedServices) {
    const ir = guard(ctx, `Service/${keyOf(svc.metadata)}`, "translation", () => meshServiceIR(svc, attachment.meshMembers, attachment.demands.add));
    if (ir !== undefined) out.push(ir);
  }
  return out;
}

function meshServiceIR(svc: Service, members: MeshMembers, demand: (d: ClusterDemand) => void): MeshServiceIR | undefined {
  if (!isServiceParentable(svc)) return undefined;
  const ns = nsOf(svc.metadata);
  const ports: MeshPortIR[] = [];
  const seenPorts = new Set<number>();
  for (const sp of svc.spec?.ports ?? []) {
    if (sp === null || typeof sp !== "object" || !Number.isInteger(sp.port) || (sp.protocol ?? "TCP") !== "TCP" || seenPorts.has(sp.port)) continue;
    seenPorts.add(sp.port);
    const id = clusterId(ns, svc.metadata.name, sp.port);
    const declared = protocolOf(sp.appProtocol);
    const own = declared === "unsupported" ? "tcp" : declared;
    demand({ id, namespace: ns, service: svc.metadata.name, port: sp.port, grpc: false, ...(own === undefined ? {} : { declared: own }) });
    const groups = members.get(id);
    let producer: RouteTablesIR | undefined;
    const consumers: Record<string, RouteTablesIR> = {};
    for (const group of [...(groups?.keys() ?? [])].sort(cmp)) {
      const tables = buildRouteTables(groups!.get(group)!);
      if (group === "") producer = tables;
      else consumers[group] = tables;
    }
    ports.push({
      port: sp.port,
      ...(sp.name === undefined ? {} : { name: sp.name }),
      ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }),
      cluster: id,
      ...(producer === undefined ? {} : { producer }),
      consumers,
    });
  }
  return { namespace: ns, name: svc.metadata.name, clusterIPs: clusterIPsOf(svc), ports: ports.sort((a, b) => a.port - b.port) };
}
