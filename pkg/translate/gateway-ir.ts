// gateway-ir: takes a Gateway model and the routes attached to each served listener, gives GatewayIR:
// ports ascending, each with its listeners most specific hostname first (spec §6 listener
// isolation, §7 selection), each listener with its own route tables.
// Must not: include listeners that are not served (conflicted, unresolved certificate, unsupported),
// nor any listener of a Gateway with unsupported spec.addresses or a parametersRef.
import type { GatewayIR, GatewayPortIR, ListenerIR, TlsSecretIR } from "../ir/types.ts";
import type { Attachment } from "./attach-routes.ts";
import { guard, type PassContext } from "./pass-context.ts";
import { cmp } from "./diagnostics.ts";
import { compareHostnameSpecificity } from "./hostnames.ts";
import type { GatewayModel } from "./listeners.ts";
import { isServed } from "./listeners.ts";
import type { TableMember } from "./route-tables.ts";
import { buildRouteTables } from "./route-tables.ts";

/** A Gateway that is not Accepted as a whole (its addresses or parameters) serves no listener. */
function refused(gw: GatewayModel): boolean {
  return gw.unsupportedAddress !== undefined || gw.invalidParameters !== undefined;
}

export function gatewayIR(gw: GatewayModel, members: ReadonlyMap<string, readonly TableMember[]>): GatewayIR {
  const ports = new Map<number, ListenerIR[]>();
  const protocols = new Map<number, "HTTP" | "HTTPS">();
  for (const l of gw.listeners) {
    if (refused(gw) || !isServed(l) || l.protocol === undefined) continue;
    const ir: ListenerIR = {
      id: l.id,
      name: l.listener.name,
      ...(l.listener.hostname === undefined ? {} : { hostname: l.listener.hostname }),
      protocol: l.protocol,
      certificates: [...new Set(l.secrets.map((s) => s.id))],
      routes: buildRouteTables(members.get(l.id) ?? []),
    };
    const list = ports.get(l.listener.port);
    if (list) list.push(ir);
    else {
      ports.set(l.listener.port, [ir]);
      protocols.set(l.listener.port, l.protocol);
    }
  }
  const out: GatewayPortIR[] = [...ports.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([port, listeners]) => ({
      port,
      protocol: protocols.get(port)!,
      listeners: listeners.sort((a, b) => compareHostnameSpecificity(a.hostname, b.hostname) || cmp(a.hostname ?? "", b.hostname ?? "") || cmp(a.name, b.name)),
    }));
  return { namespace: gw.namespace, name: gw.name, ports: out };
}

/** The "route tables" step for our Gateways: their GatewayIR and the TLS secrets their served listeners use. */
export function gatewayTables(ctx: PassContext, gateways: ReadonlyMap<string, GatewayModel>, attachment: Attachment): { gateways: GatewayIR[]; secrets: TlsSecretIR[] } {
  const out: GatewayIR[] = [];
  const secrets = new Map<string, TlsSecretIR>();
  for (const gm of gateways.values()) {
    guard(ctx, `Gateway/${gm.namespace}/${gm.name}`, "translation", () => {
      out.push(gatewayIR(gm, attachment.listenerMembers));
      if (!refused(gm)) { for (const l of gm.listeners) if (isServed(l)) { for (const s of l.secrets) secrets.set(s.id, s); } }
    });
  }
  return { gateways: out, secrets: [...secrets.values()].sort((a, b) => cmp(a.id, b.id)) };
}
