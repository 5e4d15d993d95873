// retry-budget: a token bucket that caps retries to a fraction of recent traffic (default 20%) plus a
// small floor per second, so retries cannot multiply load during an outage (Linkerd/Finagle budget).
// Takes request and retry events; gives allow/deny. Must not: block or allocate per call.

export class RetryBudget {
  private tokens: number;
  private readonly ratio: number;
  private readonly floorPerSecond: number;
  private readonly max: number;
  private lastRefill: number;
  constructor(opts: { ratio?: number; floorPerSecond?: number; max?: number } = {}, now: number = Date.now()) {
    this.ratio = opts.ratio ?? 0.2;
    this.floorPerSecond = opts.floorPerSecond ?? 10;
    this.max = opts.max ?? 1000;
    this.tokens = this.floorPerSecond;
    this.lastRefill = now;
  }
  /** Every request deposits `ratio` tokens. */
  onRequest(): void {
    this.tokens = Math.min(this.max, this.tokens + this.ratio);
  }
  /** A retry spends one token; false when the budget is exhausted. */
  tryRetry(now: number = Date.now()): boolean {
    const elapsed = now - this.lastRefill;
    if (elapsed > 0) {
      // The time-based floor refills only up to one second's worth, so idle time does not bank retries.
      if (this.tokens < this.floorPerSecond) this.tokens = Math.min(this.floorPerSecond, this.tokens + (elapsed / 1000) * this.floorPerSecond);
      this.lastRefill = now;
    }
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }
}
