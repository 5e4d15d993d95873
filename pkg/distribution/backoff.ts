// backoff: jittered exponential reconnect delays. Takes the attempt number (0 = first retry) and
// bounds; gives a delay in ms drawn uniformly from [d/2, d] where d = min(max, initial·2^attempt)
// ("equal jitter": spreads a herd of proxies reconnecting to a restarted controller, yet never 0).
// Must not: read clocks or schedule timers (callers do).

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  const d = Math.max(1, exp);
  return Math.round(d / 2 + random() * (d / 2));
}
