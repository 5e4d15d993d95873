// endpoint-stats: per-endpoint load figures shared by the balancers: in-flight requests and a
// peak-sensitive EWMA of latency (Finagle/Linkerd "peak EWMA": jumps up at once, decays with time).
// Takes observations; gives a cost. Survives config swaps (keyed by address:port). Must not: do I/O.

const decayMs = 10_000;
const failurePenaltyMs = 250;

export class EndpointStats {
  inflight = 0;
  ewmaMs = 0;
  private lastAt = 0;
  observe(latencyMs: number, now: number): void {
    if (latencyMs > this.ewmaMs) {
      this.ewmaMs = latencyMs;
    } else {
      const w = Math.exp(-Math.max(0, now - this.lastAt) / decayMs);
      this.ewmaMs = this.ewmaMs * w + latencyMs * (1 - w);
    }
    this.lastAt = now;
  }
  /** A failed attempt counts as a slow one so the balancer steers away for a while. */
  observeFailure(now: number): void {
    this.observe(Math.max(failurePenaltyMs, this.ewmaMs * 2), now);
  }
  cost(): number {
    return (this.ewmaMs + 1) * (this.inflight + 1);
  }
}

export class EndpointStatsTable {
  private readonly byKey = new Map<string, EndpointStats>();
  get(key: string): EndpointStats {
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = new EndpointStats();
      this.byKey.set(key, s);
    }
    return s;
  }
  /** Forget endpoints no longer present (called on config swap). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.byKey.keys()) if (!keys.has(k)) this.byKey.delete(k);
  }
}
