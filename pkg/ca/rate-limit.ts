// rate-limit: per-key token buckets (key = workload identity) for certificate signing.
// Takes a key and the clock; gives allow/deny. Memory is bounded: at most `maxKeys` buckets,
// the least recently used is evicted (a fresh bucket is full, so eviction only ever forgives).
// Must not: grow without bound under a flood of distinct keys.

export interface RateLimitOptions {
  /** Requests allowed at once. */
  readonly burst: number;
  /** Sustained rate. */
  readonly perMinute: number;
  readonly maxKeys?: number;
}

export interface RateLimiter {
  take(key: string): boolean;
}

export function createRateLimiter(opts: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const maxKeys = opts.maxKeys ?? 10_000;
  const perMs = opts.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: opts.burst, at: t };
      buckets.delete(key);
      b.tokens = Math.min(opts.burst, b.tokens + Math.max(0, t - b.at) * perMs);
      b.at = t;
      const ok = b.tokens >= 1;
      if (ok) b.tokens -= 1;
      buckets.set(key, b);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      return ok;
    },
  };
}
