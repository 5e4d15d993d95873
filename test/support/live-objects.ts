// live-objects: what the memory-release tests count and wait on. liveCount(ctor) is how many instances of a
// class are still alive after a full GC (v8.queryObjects, which collects first); untilTrue(what, ok) waits,
// by the one bounded poll of the test helpers (poll.ts), until a synchronous condition holds (10 s at most).
// Must not: wait without a limit.
import { queryObjects } from "node:v8";
import { pollFor } from "./poll.ts";

export const liveCount = (ctor: new(...a: never[]) => unknown): number => queryObjects(ctor, { format: "count" });

export async function untilTrue(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  await pollFor(what, () => Promise.resolve(ok() ? true : undefined), { timeoutMs, intervalMs: 20 });
}
