// p2c-ewma: power of two choices over peak-EWMA cost (latency × (in-flight + 1)).
// Takes the usable endpoints of a cluster, their stats and a random source; gives one endpoint.
// Must not: return an endpoint outside `candidates`, or allocate per call.
import type { EndpointIR } from "../../ir/types.ts";
import type { EndpointStats } from "./endpoint-stats.ts";

export function pickP2cEwma(
  candidates: readonly EndpointIR[],
  stats: readonly EndpointStats[],
  random: () => number,
  avoid: EndpointIR | undefined,
): number {
  const n = candidates.length;
  if (n <= 1) return n - 1;
  let a = Math.floor(random() * n);
  let b = Math.floor(random() * (n - 1));
  if (b >= a) b++;
  if (a >= n) a = n - 1;
  if (b >= n) b = n - 1;
  if (avoid !== undefined) {
    if (candidates[a] === avoid) return b;
    if (candidates[b] === avoid) return a;
  }
  return stats[a]!.cost() <= stats[b]!.cost() ? a : b;
}
