// h1-own-trace: runs the own HTTP/1.1 parser (pkg/proxy/h1/own-parser.ts) over a byte stream fed in given
// pieces and records the same Trace as h1-llhttp-trace does for node's llhttp, so the two compare field
// by field. Takes bytes as pieces, limits, per-message "no body" answers and heads to pause after (then
// resumed on the rest of the read, as h1-connection does); gives a Trace.
// Must not: interpret what the parser reports (the comparison is the test).
import { BODY, NO_BODY, OwnH1Parser, PAUSE, REQUEST, RESPONSE, type H1Events } from "../../pkg/proxy/h1/own-parser.ts";
import { ERROR_AFTER_UPGRADE_HEAD, type Trace, type TracedMessage } from "./h1-llhttp-trace.ts";

export function ownTrace(kind: "request" | "response", parts: readonly Buffer[], maxHeaderBytes: number, noBody: (i: number) => boolean = () => false, eof = false, maxHeaderCount = 10_000,
  pauseAt: (i: number) => boolean = () => false): Trace
{
  const messages: TracedMessage[] = [];
  let cur: TracedMessage | undefined;
  const events: H1Events = {
    onHead(p) {
      cur = {
        method: p.method,
        url: p.url,
        major: p.versionMajor,
        minor: p.versionMinor,
        status: p.status,
        reason: p.reason,
        headers: p.headers,
        upgrade: p.upgrade,
        keepAlive: p.keepAlive,
        body: "",
        trailers: [],
        complete: false,
      };
      messages.push(cur);
      if (pauseAt(messages.length - 1) && !p.upgrade) return PAUSE;
      return kind === "response" && noBody(messages.length - 1) ? NO_BODY : BODY;
    },
    onBody(data, start, end) {
      if (cur !== undefined) cur.body += data.toString("latin1", start, end);
    },
    onComplete(p) {
      if (cur === undefined) return;
      cur.trailers = p.trailers ?? [];
      cur.complete = true;
      cur = undefined;
    },
  };
  const p = new OwnH1Parser(kind === "request" ? REQUEST : RESPONSE, { maxHeaderBytes, maxHeaderCount }, events);
  for (const part of parts) {
    let rest = part;
    for (;;) {
      const n = p.execute(rest);
      if (n < 0) {
        const last = messages[messages.length - 1];
        return { messages, end: last !== undefined && last.upgrade && !last.complete ? ERROR_AFTER_UPGRADE_HEAD : p.error };
      }
      if (p.upgraded) return { messages, end: "upgrade" };
      if (p.paused) {
        p.resume();
        rest = rest.subarray(n);
        if (rest.length > 0) continue;
      }
      break;
    }
  }
  if (eof && p.finish() < 0) return { messages, end: p.error };
  return { messages, end: "ok" };
}
