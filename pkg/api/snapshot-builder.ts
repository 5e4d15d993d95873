// snapshot-builder: the one way a ResourceSnapshot is assembled, typed by kind — from parsed
// manifests (parse-snapshot.ts), from the Kubernetes provider's caches (pkg/k8s) and from weftctl's
// one-shot listing. Takes objects one by one (each goes to its kind's list, in the order given);
// gives the snapshot. isApiObject is the check at the API-server boundary: an object served for a
// kind we read, with its kind and a metadata.name (the API server validated the rest against its schema).
// Must not: validate fields (parseManifests and the API server do), reorder objects, or copy them.
import type { EndpointSlice, Namespace, Pod, Secret, Service } from "./core-types.ts";
import type { Gateway, GatewayClass, GRPCRoute, HTTPRoute, ReferenceGrant } from "./gateway-types.ts";
import type { ApiObject } from "./parse-types.ts";
import type { ResourceSnapshot, SnapshotKind } from "./snapshot.ts";

export type ApiKind = ApiObject["kind"];

/** The snapshot field each kind goes to. */
export const SNAPSHOT_FIELD: { readonly [K in ApiKind]: SnapshotKind } = {
  GatewayClass: "gatewayClasses",
  Gateway: "gateways",
  HTTPRoute: "httpRoutes",
  GRPCRoute: "grpcRoutes",
  ReferenceGrant: "referenceGrants",
  Service: "services",
  EndpointSlice: "endpointSlices",
  Namespace: "namespaces",
  Secret: "secrets",
  Pod: "pods",
};

export function isApiObject(value: unknown): value is ApiObject {
  if (value === null || typeof value !== "object") return false;
  const o = value as { readonly kind?: unknown; readonly metadata?: unknown };
  const meta = o.metadata as { readonly name?: unknown } | null | undefined;
  return typeof o.kind === "string" && Object.hasOwn(SNAPSHOT_FIELD, o.kind) && typeof meta === "object" && meta !== null && typeof meta.name === "string";
}

export class SnapshotBuilder {
  readonly #gatewayClasses: GatewayClass[] = [];
  readonly #gateways: Gateway[] = [];
  readonly #httpRoutes: HTTPRoute[] = [];
  readonly #grpcRoutes: GRPCRoute[] = [];
  readonly #referenceGrants: ReferenceGrant[] = [];
  readonly #services: Service[] = [];
  readonly #endpointSlices: EndpointSlice[] = [];
  readonly #namespaces: Namespace[] = [];
  readonly #secrets: Secret[] = [];
  readonly #pods: Pod[] = [];

  add(o: ApiObject): this {
    switch (o.kind) {
      case "GatewayClass":
        this.#gatewayClasses.push(o);
        break;
      case "Gateway":
        this.#gateways.push(o);
        break;
      case "HTTPRoute":
        this.#httpRoutes.push(o);
        break;
      case "GRPCRoute":
        this.#grpcRoutes.push(o);
        break;
      case "ReferenceGrant":
        this.#referenceGrants.push(o);
        break;
      case "Service":
        this.#services.push(o);
        break;
      case "EndpointSlice":
        this.#endpointSlices.push(o);
        break;
      case "Namespace":
        this.#namespaces.push(o);
        break;
      case "Secret":
        this.#secrets.push(o);
        break;
      case "Pod":
        this.#pods.push(o);
        break;
    }
    return this;
  }

  addAll(objects: Iterable<ApiObject>): this {
    for (const o of objects) this.add(o);
    return this;
  }

  /** Adds what the API server served for `kind` (items of a list carry no kind: it is set here). */
  addServed(kind: ApiKind, items: Iterable<object>): this {
    for (const item of items) {
      const o: unknown = { kind, ...item };
      if (isApiObject(o) && o.kind === kind) this.add(o);
    }
    return this;
  }

  build(): ResourceSnapshot {
    return {
      gatewayClasses: [...this.#gatewayClasses],
      gateways: [...this.#gateways],
      httpRoutes: [...this.#httpRoutes],
      grpcRoutes: [...this.#grpcRoutes],
      referenceGrants: [...this.#referenceGrants],
      services: [...this.#services],
      endpointSlices: [...this.#endpointSlices],
      namespaces: [...this.#namespaces],
      secrets: [...this.#secrets],
      pods: [...this.#pods],
    };
  }
}
