// snapshot: the immutable set of resources one translate pass reads. Produced by pkg/k8s
// (watch store or file provider) and by parseManifests; consumed by pkg/translate.
// Must not: be mutated after construction.
import type { EndpointSlice, Namespace, Pod, Secret, Service } from "./core-types.ts";
import type { Gateway, GatewayClass, GRPCRoute, HTTPRoute, ReferenceGrant } from "./gateway-types.ts";

export interface ResourceSnapshot {
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly grpcRoutes: readonly GRPCRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly namespaces: readonly Namespace[];
  readonly secrets: readonly Secret[];
  /** Optional: pods let translate attach expected SPIFFE identities to endpoints. */
  readonly pods: readonly Pod[];
}

export type SnapshotKind = keyof ResourceSnapshot;

export function emptySnapshot(): ResourceSnapshot {
  return {
    gatewayClasses: [],
    gateways: [],
    httpRoutes: [],
    grpcRoutes: [],
    referenceGrants: [],
    services: [],
    endpointSlices: [],
    namespaces: [],
    secrets: [],
    pods: [],
  };
}
