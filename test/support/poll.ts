// poll: the one bounded poll of the test helpers. Takes what is awaited (for the message), a probe that
// gives a value or undefined (a probe that throws counts as "not yet" and its error is kept), a time
// limit, the pause between probes and, optionally, more to say on failure. Gives the first value the
// probe returns. Must not: wait without a limit, or swallow the last error when it times out.

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Appended to the timeout message (e.g. the log problems seen so far). */
  readonly detail?: () => string;
}

/** Calls `probe` every `intervalMs` until it gives a value; throws naming `what` and the last error after `timeoutMs`. */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last === undefined ? "" : `: ${last instanceof Error ? last.message : JSON.stringify(last)}`}${opts.detail?.() ?? ""}`);
}
