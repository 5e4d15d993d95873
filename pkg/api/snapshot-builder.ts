// snapshot-builder: the one way a ResourceSnapshot is assembled, typed by kind — from parsed
// manifests (parse-snapshot.ts), from the Kubernetes provider's caches (pkg/k8s) and from weftctl's
// one-shot listing. Takes objects one by one (each goes to its kind's list, in the order given);
// gives the snapshot. isApiObject is the check at the API-server boundary: an object served for a
// kind we read, with its kind and a metadata.name (the API server validated the rest against its schema).
// Must not: validate fields (parseManifests and the API server do), reorder objects, or copy them.
import type { ApiObject } from "./parse-types.ts";
import type { ResourceSnapshot, SnapshotKind } from "./snapshot.ts";

export type ApiKind = ApiObject["kind"];

/** The snapshot list whose objects are of kind K (never: no list holds it). */
type FieldOf<K extends ApiKind> = { [F in SnapshotKind]: ResourceSnapshot[F][number] extends { readonly kind: K } ? F : never }[SnapshotKind];

/** The snapshot field each kind goes to (typed so a kind can only name the list of its own type). */
export const SNAPSHOT_FIELD: { readonly [K in ApiKind]: FieldOf<K> } = {
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
  readonly #lists: { readonly [F in SnapshotKind]: Array<ResourceSnapshot[F][number]> } = emptyLists();

  add(o: ApiObject): this {
    // SNAPSHOT_FIELD's type ties each kind to the list of its own type.
    const list: ApiObject[] = this.#lists[SNAPSHOT_FIELD[o.kind]];
    list.push(o);
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
    const l = this.#lists;
    return {
      gatewayClasses: [...l.gatewayClasses],
      gateways: [...l.gateways],
      httpRoutes: [...l.httpRoutes],
      grpcRoutes: [...l.grpcRoutes],
      referenceGrants: [...l.referenceGrants],
      services: [...l.services],
      endpointSlices: [...l.endpointSlices],
      namespaces: [...l.namespaces],
      secrets: [...l.secrets],
      pods: [...l.pods],
    };
  }
}

function emptyLists(): { [F in SnapshotKind]: Array<ResourceSnapshot[F][number]> } {
  return { gatewayClasses: [], gateways: [], httpRoutes: [], grpcRoutes: [], referenceGrants: [], services: [], endpointSlices: [], namespaces: [], secrets: [], pods: [] };
}
