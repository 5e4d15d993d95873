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
  if (s === undefined || s.length === 0 || s.length > 15) return undefined;
  // Digit by digit (one value per answer; a regex test and Number() cost more).
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/** The end stamp once `bytes` reached the declared length (before those bytes go out), else `endedAt` as it was. */
export function endOnLength(endedAt: number | undefined, declared: number | undefined, bytes: number): number | undefined {
  return endedAt === undefined && declared !== undefined && bytes >= declared ? spanClockMs() : endedAt;
}
