// attempt-outcome: an upstream attempt's one-listener outcome (pkg/proxy/upstream/attempt-outcome.ts, used by
// the HTTP/1.1 try and the own HTTP/2 client's call): an outcome that comes before the listener waits for
// it and is handed over once; one after goes straight through; the promise is made once, on first read.
import { describe, expect, it } from "vitest";
import { answerOutcome, failOutcome, outcomePromise, reportOutcome, type OutcomeFields } from "../../pkg/proxy/upstream/attempt-outcome.ts";
import type { UpstreamResponse } from "../../pkg/proxy/upstream/upstream-types.ts";

const fresh = (): OutcomeFields => ({ outcomeTo: undefined, earlyOutcome: undefined, promisedOutcome: undefined });
const res = { status: 204, headers: {} } as unknown as UpstreamResponse;

function listener(): { seen: unknown[]; to: { answer(r: UpstreamResponse): void; fail(e: unknown): void } } {
  const seen: unknown[] = [];
  return { seen, to: { answer: (r) => seen.push(["answer", r.status]), fail: (e) => seen.push(["fail", e]) } };
}

describe("attempt outcome", () => {
  it("an answer before the listener waits for it, and is handed over once", () => {
    const a = fresh();
    answerOutcome(a, res);
    const l = listener();
    reportOutcome(a, l.to);
    expect(l.seen).toEqual([["answer", 204]]);
    expect(a.earlyOutcome).toBeUndefined();
  });

  it("a failure after the listener goes straight to it", () => {
    const a = fresh();
    const l = listener();
    reportOutcome(a, l.to);
    failOutcome(a, "gone");
    expect(l.seen).toEqual([["fail", "gone"]]);
  });

  it("the promise is made once and settles with the outcome, early or late", async () => {
    const a = fresh();
    const p = outcomePromise(a);
    expect(outcomePromise(a)).toBe(p);
    answerOutcome(a, res);
    expect((await p).status).toBe(204);
    const b = fresh();
    failOutcome(b, "early");
    await expect(outcomePromise(b)).rejects.toBe("early");
  });
});
