// answer-end: when an answer is complete for the client, so the request's server span ends then — not
// later, when the proxy gets round to ending the exchange: a client that counts Content-Length bytes is
// done with the last of them, and may answer its own caller before our end() runs.
// Takes the answer's headers and the body bytes written; gives the declared length and the end stamp.
// Must not: parse anything but a plain decimal Content-Length (anything else: the end() call decides).
import type { OutgoingHttpHeaders } from "node:http";
import { spanClockMs } from "../../telemetry/index.ts";

/** The Content-Length an answer declares, when it is one plain decimal number. */
export function declaredLength(headers: OutgoingHttpHeaders): number | undefined {
  const v = headers["content-length"];
  return lengthOf(typeof v === "number" ? String(v) : Array.isArray(v) ? undefined : v);
}

/** A Content-Length value as a number, when it is one plain decimal number. */
export function lengthOf(s: string | undefined): number | undefined {
  return s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined;
}

/** The end stamp once `bytes` reached the declared length (before those bytes go out), else `endedAt` as it was. */
export function endOnLength(endedAt: number | undefined, declared: number | undefined, bytes: number): number | undefined {
  return endedAt === undefined && declared !== undefined && bytes >= declared ? spanClockMs() : endedAt;
}
