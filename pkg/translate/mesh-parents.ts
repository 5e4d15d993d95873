// mesh-parents: takes a route parentRef naming a Service (group "", kind Service), gives the Service
// ports the route attaches to, and whether it is a producer route (same namespace) or a consumer
// route (keyed by the route's namespace). Spec §1.1-1.2: ClusterIP Services only (headless and
// ExternalName get Accepted=False); §1.7: port ⇒ that port, sectionName ⇒ the port NAME, both must
// name the same port, neither ⇒ all TCP ports (UDP/SCTP ports carry no HTTP); §2 producer/consumer.
// Must not: look at hostnames (spec §1.4: mesh routes ignore them).
import type { ParentReference, Service, ServicePort } from "../api/index.ts";
import type { Problem } from "./conditions.ts";
import { nsOf } from "./snapshot-index.ts";

export type MeshAttachment =
  | { readonly ok: true; readonly service: Service; readonly ports: readonly ServicePort[]; readonly group: string }
  | { readonly ok: false; readonly problem: Problem };

/** Table group for a mesh port: "" for producer routes, the route namespace for consumer routes. */
export function meshGroup(serviceNamespace: string, routeNamespace: string): string {
  return serviceNamespace === routeNamespace ? "" : routeNamespace;
}

export function attachToService(svc: Service, p: ParentReference, routeNamespace: string): MeshAttachment {
  const ns = nsOf(svc.metadata);
  const name = `Service ${ns}/${svc.metadata.name}`;
  if (svc.spec?.type === "ExternalName") {
    return { ok: false, problem: { reason: "NoMatchingParent", message: `${name} is type ExternalName; only ClusterIP Services can be mesh parents (GEP-1294)` } };
  }
  if (svc.spec?.clusterIP === "None") {
    return { ok: false, problem: { reason: "NoMatchingParent", message: `${name} is headless (clusterIP: None); only ClusterIP Services can be mesh parents (GEP-1294)` } };
  }
  const ports = (svc.spec?.ports ?? []).filter((sp) =>
    sp !== null && typeof sp === "object" && (sp.protocol ?? "TCP") === "TCP" &&
    (p.port === undefined || sp.port === p.port) && (p.sectionName === undefined || sp.name === p.sectionName)
  );
  if (ports.length === 0) {
    const what = p.port !== undefined && p.sectionName !== undefined ?
      `port ${p.port} named "${p.sectionName}"`
      : p.port !== undefined
      ? `port ${p.port}`
      : p.sectionName !== undefined
      ? `port named "${p.sectionName}"`
      : "ports";
    return { ok: false, problem: { reason: "NoMatchingParent", message: `${name} has no ${what}` } };
  }
  return { ok: true, service: svc, ports, group: meshGroup(ns, routeNamespace) };
}
