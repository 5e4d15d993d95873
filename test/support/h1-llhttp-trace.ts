// h1-llhttp-trace: runs node's strict llhttp binding (pkg/proxy/h1/h1-parser.ts) over a byte stream fed in
// given pieces and records what it reports, as a comparable trace: each message's head (method, target,
// version, status, flat header list, upgrade, keep-alive), its body bytes, its trailers, and how the stream
// ended (all parsed, an upgrade at an offset, or a parse error). The reference side of the own parser's
// differential tests (h1-own-parser-*.test.ts). Takes bytes, split points and per-message "no body" answers
// (HEAD requests); gives a Trace. Must not: enable lenient flags.
import { METHOD_NAMES } from "../../pkg/proxy/h1/own-methods.ts";
import { closeParser, METHODS, newRequestParser, newResponseParser, type LlhttpParser } from "../../pkg/proxy/h1/h1-parser.ts";

export interface TracedMessage {
  method: string;
  url: string;
  major: number;
  minor: number;
  status: number;
  reason: string;
  headers: string[];
  upgrade: boolean;
  keepAlive: boolean;
  body: string;
  trailers: string[];
  complete: boolean;
}

export interface Trace {
  messages: TracedMessage[];
  /** "ok" (all bytes taken), "upgrade" (stopped after a head; the rest is another protocol), ERROR_AFTER_UPGRADE_HEAD, or an HPE_* code. */
  end: string;
}

/** The end of a trace whose stream failed after a head that asked to upgrade (node reports no error there). */
export const ERROR_AFTER_UPGRADE_HEAD = "error-after-upgrade-head";

/** llhttp's HPE_PAUSED, returned from a head callback. */
const PAUSED = 21;

/** The head bound llhttp's response parser runs with (newResponseParser). */
export const RESPONSE_HEAD_BYTES = 64 * 1024;

/** Split `bytes` at `cuts` (offsets, any order; out-of-range ones ignored). */
export function pieces(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

/**
 * llhttp's trace of `parts` as a request (kind "request") or response stream. `noBody(i)` says whether the
 * i-th response answers a HEAD request; `eof` calls finish() after the last piece (a closed connection).
 * `pauseAt(i)` makes the i-th head answer HPE_PAUSED (21), then resumes as h1-connection does.
 * Responses get newResponseParser's fixed 64 KiB head bound whatever `maxHeaderBytes` says (RESPONSE_HEAD_BYTES).
 */
export function llhttpTrace(kind: "request" | "response", parts: readonly Buffer[], maxHeaderBytes: number, noBody: (i: number) => boolean = () => false, eof = false,
  pauseAt: (i: number) => boolean = () => false): Trace
{
  const messages: TracedMessage[] = [];
  let partial: string[] = [];
  let partialUrl = "";
  let cur: TracedMessage | undefined;
  const onHead = (major: number, minor: number, headers: string[] | undefined, method: number | undefined, url: string | undefined, status: number | undefined, reason: string | undefined,
    upgrade: boolean, keepAlive: boolean): number => {
    cur = {
      method: methodName(method),
      url: url ?? partialUrl,
      major,
      minor,
      status: status ?? 0,
      reason: reason ?? "",
      headers: headers ?? partial,
      upgrade,
      keepAlive,
      body: "",
      trailers: [],
      complete: false,
    };
    partial = [];
    partialUrl = "";
    messages.push(cur);
    // Not after a head that asks to upgrade: node hides that pause (execute() returns a number), and
    // h1-connection pauses only heads it refuses or holds, never an upgrade it takes.
    if (pauseAt(messages.length - 1) && !upgrade) return PAUSED;
    return kind === "response" && noBody(messages.length - 1) ? 1 : 0;
  };
  const cb = {
    onHeadersPartial: (h: string[], url: string) => {
      partial.push(...h);
      partialUrl += url;
    },
    onHead,
    onBody: (chunk: Buffer) => {
      if (cur !== undefined) cur.body += chunk.toString("latin1");
    },
    onMessageComplete: () => {
      if (cur === undefined) return;
      cur.trailers = partial;
      partial = [];
      partialUrl = "";
      cur.complete = true;
      cur = undefined;
    },
    onExecute: () => {},
  };
  const p: LlhttpParser = kind === "request" ? newRequestParser(maxHeaderBytes, cb) : newResponseParser(cb);
  let end = "ok";
  try {
    for (const part of parts) {
      let rest = part;
      for (;;) {
        const r = p.execute(rest);
        if (typeof r !== "number") {
          // Paused after a head (as h1-connection does): resume and parse the rest of the read, if any.
          if (r.code === "HPE_PAUSED") {
            p.resume();
            rest = rest.subarray(r.bytesParsed ?? 0);
            if (rest.length > 0) continue;
            break;
          }
          end = r.code ?? "HPE_?";
          return { messages, end };
        }
        const last = messages[messages.length - 1];
        if (last !== undefined && last.complete && (last.upgrade || last.status === 101)) {
          end = "upgrade";
          return { messages, end };
        }
        // node hides a parse error behind a head that asked to upgrade (it returns the offset, no error).
        if (r < rest.length && last !== undefined && last.upgrade && !last.complete) {
          end = ERROR_AFTER_UPGRADE_HEAD;
          return { messages, end };
        }
        break;
      }
    }
    if (eof) {
      const r = p.finish();
      if (r !== undefined && typeof r !== "number") end = r.code ?? "HPE_?";
    }
    return { messages, end };
  } finally {
    closeParser(p);
  }
}

/**
 * llhttp's method number as a name: node's own table for the numbers it lists in llhttp's order (0-33),
 * llhttp's enum for the rest (node's table puts QUERY at 34, llhttp numbers it 46).
 */
function methodName(m: number | undefined): string {
  if (m === undefined) return "";
  return (m < 34 ? METHODS[m] : METHOD_NAMES[m]) ?? "?";
}
