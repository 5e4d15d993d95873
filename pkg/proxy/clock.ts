// clock: the time source of the request path — deadlines and per-try timeouts, backoff sleeps, attempt
// latencies for the balancer, the retry budget's refill. The engine takes one as an option so tests
// drive time by hand (test/proxy/manual-clock.ts).
// Takes nothing; gives now() in milliseconds, sleep(ms) and after(ms, fn) (a timer that can be
// cancelled). Must not: hold state.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Runs `fn` once `ms` have passed, unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = Object.freeze({
  now: Date.now,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  after: (ms: number, fn: () => void) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
});
