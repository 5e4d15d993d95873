// attempt-outcome: the one-listener outcome of an upstream attempt (upstream-h1.ts's H1Try,
// h2-own-call.ts's H2OwnCall): the answer's head or the failure goes to the listener report() set, or waits
// on the attempt until one comes; `response` is that outcome as a promise, made when first read. Plain
// functions on the attempt's own three fields, so a class that extends another (H2OwnCall is a
// RelayAnswer) shares them without a helper object per attempt.
// Takes the attempt (its fields); gives report, answer, fail and the promise. Must not: allocate
// anything but the early outcome (only when it comes before a listener) and the promise (only when read).
import type { AttemptReport, UpstreamResponse } from "./upstream-types.ts";

/** The outcome that came before a listener: the answer, or the failure. */
export interface EarlyOutcome {
  readonly res?: UpstreamResponse;
  readonly error?: unknown;
}

/** What an attempt keeps for its outcome (fields of the attempt itself; only these functions use them). */
export interface OutcomeFields {
  outcomeTo: AttemptReport | undefined;
  earlyOutcome: EarlyOutcome | undefined;
  promisedOutcome: Promise<UpstreamResponse> | undefined;
}

/** The attempt's listener from now on; an outcome that came before it is handed over now. */
export function reportOutcome(a: OutcomeFields, to: AttemptReport): void {
  a.outcomeTo = to;
  const early = a.earlyOutcome;
  if (early === undefined) return;
  a.earlyOutcome = undefined;
  if (early.res !== undefined) to.answer(early.res);
  else to.fail(early.error);
}

/** The outcome as a promise (one attempt has one listener: this or reportOutcome). */
export function outcomePromise(a: OutcomeFields): Promise<UpstreamResponse> {
  return (a.promisedOutcome ??= new Promise<UpstreamResponse>((answer, fail) => reportOutcome(a, { answer, fail })));
}

export function answerOutcome(a: OutcomeFields, res: UpstreamResponse): void {
  if (a.outcomeTo !== undefined) a.outcomeTo.answer(res);
  else a.earlyOutcome = { res };
}

export function failOutcome(a: OutcomeFields, e: unknown): void {
  if (a.outcomeTo !== undefined) a.outcomeTo.fail(e);
  else a.earlyOutcome = { error: e };
}
