// parse-snapshot: buildSnapshot(objects) takes parsed objects (any order, any source) and gives the
// ResourceSnapshot translate reads. A later object with the same kind/namespace/name replaces an
// earlier one, reported through `onWarning`.
// Assembled by snapshot-builder.ts. Must not: validate (parseManifests did), or reorder objects beyond the duplicate rule.
import type { ApiObject } from "./parse-types.ts";
import type { ResourceSnapshot } from "./snapshot.ts";
import { SnapshotBuilder } from "./snapshot-builder.ts";

export function buildSnapshot(objects: readonly ApiObject[], onWarning?: (message: string, object: string) => void): ResourceSnapshot {
  const byKey = new Map<string, ApiObject>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (byKey.has(key)) {
      byKey.delete(key);
      onWarning?.(`duplicate ${o.kind} ${o.metadata.namespace === undefined ? "" : `${o.metadata.namespace}/`}${o.metadata.name}: the later definition wins`, key);
    }
    byKey.set(key, o);
  }
  return new SnapshotBuilder().addAll(byKey.values()).build();
}
