// backoff: jittered exponential delays for restarting watches and retrying API calls.
// Takes base/max milliseconds and a random source; gives next() delays ("full jitter" over an
// exponentially growing cap) and reset() after a success.
// Must not: sleep or hold timers itself (callers schedule), or return a delay below 1 ms.

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly random?: () => number;
}

export interface Backoff {
  next(): number;
  reset(): void;
}

export function createBackoff(opts: BackoffOptions = {}): Backoff {
  const base = opts.baseMs ?? 200;
  const max = opts.maxMs ?? 30_000;
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next(): number {
      const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
      attempt += 1;
      return Math.max(1, Math.round(cap / 2 + (random() * cap) / 2));
    },
    reset(): void {
      attempt = 0;
    },
  };
}
