// conditions: merges the conditions we computed into the conditions stored on the live object.
// Takes the live list (maybe absent), ours, the object's generation and "now" (RFC 3339).
// Gives a new list keyed by `type` in our order: lastTransitionTime is carried over from the live
// condition when status and reason are unchanged (spec §4, "conditions are a map keyed by type"),
// observedGeneration is the object's generation; at most MAX_CONDITIONS entries.
// Must not: mutate its inputs, or read the clock (the caller passes `now`).
import type { Condition } from "../api/index.ts";

export const MAX_CONDITIONS = 8;

export function mergeConditions(
  live: readonly Condition[] | undefined,
  ours: readonly Condition[],
  generation: number,
  now: string,
): Condition[] {
  const byType = new Map<string, Condition>();
  for (const c of live ?? []) byType.set(c.type, c);
  const seen = new Set<string>();
  const out: Condition[] = [];
  for (const c of ours) {
    if (seen.has(c.type) || out.length >= MAX_CONDITIONS) continue;
    seen.add(c.type);
    const prev = byType.get(c.type);
    const unchanged = prev !== undefined && prev.status === c.status && prev.reason === c.reason;
    out.push({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: generation,
      lastTransitionTime: unchanged && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : now,
    });
  }
  return out;
}

/** The highest observedGeneration among conditions, or undefined when none carries one. */
export function newestObservedGeneration(conditions: readonly Condition[] | undefined): number | undefined {
  let max: number | undefined;
  for (const c of conditions ?? []) {
    if (c.observedGeneration !== undefined && (max === undefined || c.observedGeneration > max)) max = c.observedGeneration;
  }
  return max;
}
