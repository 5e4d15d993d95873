// backend-refs: takes one BackendObjectReference of a route (or a RequestMirror), gives the cluster
// it resolves to or an invalid-backend reason. Spec §3: group "" / kind Service defaults; port is the
// Service port and required; nonexistent ⇒ BackendNotFound; other kinds ⇒ InvalidKind; cross-ns
// without grant ⇒ RefNotPermitted (Gateway routes only: mesh routes need no grant); appProtocol the
// route cannot speak ⇒ UnsupportedProtocol.
// Must not: look at endpoints (no-ready-endpoints ⇒ 503 is decided at request time).
import type { BackendObjectReference, Service, ServicePort } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import { protocolOf } from "../ir/app-protocol.ts";
import type { UpstreamProtocol } from "../ir/types.ts";
import type { RouteReason } from "./conditions.ts";
import { referencePermitted } from "./reference-grants.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";

export type RouteKind = "HTTPRoute" | "GRPCRoute";

export interface BackendContext {
  readonly index: SnapshotIndex;
  readonly routeKind: RouteKind;
  readonly routeNamespace: string;
  /** Mesh (Service-parent) routes skip the ReferenceGrant check (spec §3, GEP-1294). */
  readonly mesh: boolean;
}

/** What a cluster needs to exist; merged across all routes that reference it. */
export interface ClusterDemand {
  readonly id: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  /** Protocol implied by appProtocol; undefined = not declared. */
  readonly declared?: UpstreamProtocol;
  /** A GRPCRoute references it: undeclared protocol becomes grpc. */
  readonly grpc: boolean;
}

export type BackendResolution =
  | { readonly ok: true; readonly demand: ClusterDemand }
  | { readonly ok: false; readonly reason: Extract<RouteReason, "BackendNotFound" | "InvalidKind" | "RefNotPermitted" | "UnsupportedProtocol">; readonly message: string };

export function clusterId(namespace: string, service: string, port: number): string {
  return `${namespace}/${service}:${port}`;
}

export function isServiceParentable(svc: Service): boolean {
  return svc.spec?.type !== "ExternalName" && svc.spec?.clusterIP !== "None";
}

export function findServicePort(svc: Service, port: number): ServicePort | undefined {
  return (svc.spec?.ports ?? []).find((p) => p?.port === port);
}

export function resolveBackendRef(ref: BackendObjectReference, ctx: BackendContext, what: string): BackendResolution {
  const group = ref.group ?? "";
  const kind = ref.kind ?? "Service";
  const namespace = ref.namespace ?? ctx.routeNamespace;
  if (group !== "" || kind !== "Service") {
    return { ok: false, reason: "InvalidKind", message: `${what}: kind ${group === "" ? "" : `${group}/`}${kind} is not supported (only core Service)` };
  }
  if (!ctx.mesh && namespace !== ctx.routeNamespace) {
    const permitted = referencePermitted(
      ctx.index,
      { group: GATEWAY_GROUP, kind: ctx.routeKind, namespace: ctx.routeNamespace },
      { group: "", kind: "Service", namespace, name: ref.name },
    );
    if (!permitted) {
      return { ok: false, reason: "RefNotPermitted",
        message: `${what}: Service ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows ${ctx.routeKind} from ${ctx.routeNamespace}` };
    }
  }
  const svc = ctx.index.services.get(`${namespace}/${ref.name}`);
  if (svc === undefined) return { ok: false, reason: "BackendNotFound", message: `${what}: Service ${namespace}/${ref.name} not found` };
  if (svc.spec?.type === "ExternalName") {
    return { ok: false, reason: "InvalidKind", message: `${what}: Service ${namespace}/${ref.name} is type ExternalName, which is not supported as a backend` };
  }
  if (ref.port === undefined) return { ok: false, reason: "BackendNotFound", message: `${what}: port is required for a Service backendRef` };
  const sp = findServicePort(svc, ref.port);
  if (sp === undefined) return { ok: false, reason: "BackendNotFound", message: `${what}: Service ${namespace}/${ref.name} has no port ${ref.port}` };
  const declared = protocolOf(sp.appProtocol);
  if (declared === "unsupported" || (ctx.routeKind === "GRPCRoute" && (declared === "http1" || declared === "ws"))) {
    return { ok: false, reason: "UnsupportedProtocol", message: `${what}: Service ${namespace}/${ref.name} port ${ref.port} has appProtocol "${sp.appProtocol}", which a ${ctx.routeKind} cannot use` };
  }
  const demand: ClusterDemand = {
    id: clusterId(namespace, ref.name, ref.port),
    namespace,
    service: ref.name,
    port: ref.port,
    grpc: ctx.routeKind === "GRPCRoute",
    ...(declared === undefined ? {} : { declared }),
  };
  return { ok: true, demand };
}
