// clock: the time source of the retry path (backoff sleeps, attempt latencies for the balancer, the
// retry budget's refill). The engine takes one as an option so tests drive time by hand.
// Takes nothing; gives now() in milliseconds and sleep(ms). Must not: hold state.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = Object.freeze({
  now: Date.now,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
});
