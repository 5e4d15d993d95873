// resource-kinds: the API resources the Kubernetes provider watches, one row per snapshot field.
// Takes nothing; gives the table (group, candidate versions in preference order, plural, scope)
// and apiPath() to build list/watch/status paths.
// Gateway API kinds prefer v1; ReferenceGrant falls back to v1beta1 (spec: served as both).
// Must not: hold state.
import type { ApiKind, SnapshotKind } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";

export interface ResourceKind {
  readonly field: SnapshotKind;
  readonly kind: ApiKind;
  readonly group: string;
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
  readonly fieldSelector?: string;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  { field: "gatewayClasses", kind: "GatewayClass", group: GATEWAY_GROUP, versions: ["v1", "v1beta1"], plural: "gatewayclasses", namespaced: false },
  { field: "gateways", kind: "Gateway", group: GATEWAY_GROUP, versions: ["v1", "v1beta1"], plural: "gateways", namespaced: true },
  { field: "httpRoutes", kind: "HTTPRoute", group: GATEWAY_GROUP, versions: ["v1", "v1beta1"], plural: "httproutes", namespaced: true },
  { field: "grpcRoutes", kind: "GRPCRoute", group: GATEWAY_GROUP, versions: ["v1"], plural: "grpcroutes", namespaced: true },
  { field: "referenceGrants", kind: "ReferenceGrant", group: GATEWAY_GROUP, versions: ["v1", "v1beta1"], plural: "referencegrants", namespaced: true },
  { field: "services", kind: "Service", group: "", versions: ["v1"], plural: "services", namespaced: true },
  { field: "endpointSlices", kind: "EndpointSlice", group: "discovery.k8s.io", versions: ["v1"], plural: "endpointslices", namespaced: true },
  { field: "namespaces", kind: "Namespace", group: "", versions: ["v1"], plural: "namespaces", namespaced: false },
  { field: "secrets", kind: "Secret", group: "", versions: ["v1"], plural: "secrets", namespaced: true, fieldSelector: "type=kubernetes.io/tls" },
  { field: "pods", kind: "Pod", group: "", versions: ["v1"], plural: "pods", namespaced: true },
];

/** /api/v1/… or /apis/<group>/<version>/…, optionally namespaced and with a name and subresource. */
export function apiPath(group: string, version: string, plural: string, namespace?: string, name?: string, sub?: string): string {
  let p = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  if (namespace !== undefined && namespace !== "") p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (sub !== undefined) p += `/${sub}`;
  return p;
}
