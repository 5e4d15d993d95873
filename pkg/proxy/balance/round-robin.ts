// round-robin: plain rotation over a cluster's usable endpoints.
// Takes candidates and a per-cluster cursor; gives an index. Must not: allocate per call.
import type { EndpointIR } from "../../ir/types.ts";

export class RoundRobinCursor {
  private next = 0;
  pick(candidates: readonly EndpointIR[], avoid: EndpointIR | undefined): number {
    const n = candidates.length;
    if (n === 0) return -1;
    let i = this.next++ % n;
    if (avoid !== undefined && candidates[i] === avoid && n > 1) i = this.next++ % n;
    if (this.next > 1_000_000_000) this.next = 0;
    return i;
  }
}
