// snapshot-freeze: makes a ResourceSnapshot immutable (deep freeze of arrays and objects).
// Takes a snapshot built from fresh objects; gives the same value, frozen.
// Must not: copy (callers hand over ownership) or freeze values shared with a mutable cache.

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const child of Object.values(v)) deepFreeze(child);
}

export function freezeSnapshot<T extends object>(snapshot: T): T {
  deepFreeze(snapshot);
  return snapshot;
}
