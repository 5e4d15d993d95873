// pick-backend: weighted choice among a rule's backends (spec §3).
// Takes: backends with weights and a random source in [0, 1). Gives: one backend, chosen with
// probability weight / sum; `invalid` backends are chosen by their weight too (the proxy answers their
// share with 500 / UNAVAILABLE). Weight 0 (or negative / non-finite) is never chosen; no positive
// weight at all ⇒ undefined (the proxy answers 500). Must not: allocate, throw.
import type { BackendIR } from "../ir/types.ts";

function weightOf(b: BackendIR): number {
  const w = b.weight;
  return Number.isFinite(w) && w > 0 ? w : 0;
}

export function pickBackend(backends: readonly BackendIR[], random: () => number): BackendIR | undefined {
  let total = 0;
  let last: BackendIR | undefined;
  for (const b of backends) {
    const w = weightOf(b);
    if (w > 0) {
      total += w;
      last = b;
    }
  }
  if (last === undefined) return undefined;
  let r = random();
  if (!(r >= 0)) r = 0;
  let point = r * total;
  for (const b of backends) {
    const w = weightOf(b);
    if (w === 0) continue;
    if (point < w) return b;
    point -= w;
  }
  return last;
}
