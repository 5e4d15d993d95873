// upstream-h1: one HTTP/1.1 attempt over the kept-alive pool (pool-h1; plain TCP, or mesh mTLS to a
// meshed endpoint, as the caller dials): a promise of the response head
// (status, headers, a streamed Readable body, trailers) plus abort(). The request head is rendered here
// (names must be tokens, values free of CR/LF/NUL: ERR_INVALID_* otherwise); a Buffer body goes out with
// its Content-Length in the same write, a streamed body with the client's Content-Length or chunked. The
// response streams out with backpressure (the connection pauses until the body is read). A kept-alive
// connection the peer closed before any answer byte gives a failure marked `staleConnection`; whether to
// send the request again is the caller's decision (forward: it counts as a try). Errors go through the
// caller's classify(); abort() settles an unanswered attempt with a failure. A new connection the peer
// closed before it was usable is dialled once more (no request byte had left). `queued` (mesh
// connections): the pool may hand the attempt a connection that comes back instead of dialling (pool-h1).
// Must not: leave a request running after abort(), or send a request twice.
import { H1Answer } from "./h1-answer.ts";
import { checkValue, fieldLines, headersOf } from "../h1/h1-headers.ts";
import type { H1UpstreamConn, ResponseSink } from "./h1-upstream-conn.ts";
import type { Dialed, H1Pool } from "./pool-h1.ts";
import { failure, type ProxyFailureError } from "../rescue.ts";
import type { Attempt, UpstreamRequest, UpstreamResponse } from "./upstream-types.ts";

/** The peer closed the connection: on a kept-alive one before any answer byte (stale), or on a new one before it was usable. */
const closedCodes = new Set(["ECONNRESET", "EPIPE"]);

const notHost = (name: string) => name === "host";
const notHostOrLength = (name: string) => name === "host" || name === "content-length";

/** A request target may not carry whitespace or control characters (a rewrite could otherwise split the line). */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const badTarget = /[\s\x00-\x1f\x7f]/;

function requestHead(req: UpstreamRequest, bodyLength: number | undefined, chunked: boolean): string {
  if (badTarget.test(req.path) || badTarget.test(req.method)) {
    throw Object.assign(new TypeError("request target contains unescaped characters"), { code: "ERR_UNESCAPED_CHARACTERS" });
  }
  checkValue("host", req.authority);
  let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.authority}\r\n${fieldLines(req.headers, bodyLength === undefined ? notHost : notHostOrLength)}`;
  if (bodyLength !== undefined) text += `content-length: ${bodyLength}\r\n`;
  if (chunked) text += "transfer-encoding: chunked\r\n";
  return `${text}\r\n`;
}

/** One attempt over a pooled connection under `key` (a new one from `dial` when none is idle). */
export function sendH1(pool: H1Pool, key: string, dial: () => Dialed, req: UpstreamRequest, classify: (e: unknown, connected: boolean) => ProxyFailureError, queued = false): Attempt {
  let abort: () => void = () => {};
  const response = new Promise<UpstreamResponse>((resolve, reject) => {
    let settled = false;
    let conn: H1UpstreamConn | undefined;
    let answer: H1Answer | undefined;
    let cancelOpen: (() => void) | undefined;
    const streamed = req.body !== undefined && !Buffer.isBuffer(req.body) ? req.body : undefined;
    let detach = () => {};
    const buffered = Buffer.isBuffer(req.body) ? req.body : undefined;
    // A streamed body keeps the client's Content-Length, or goes chunked without one.
    const chunked = streamed !== undefined && req.headers["content-length"] === undefined;
    let head: string;
    try {
      head = requestHead(req, buffered?.length, chunked);
    } catch (e) {
      reject(classify(e, false));
      return;
    }

    const fail = (e: unknown, connected: boolean, stale = false) => {
      if (settled) return;
      settled = true;
      detach();
      const f = classify(e, connected);
      if (stale) f.staleConnection = true;
      reject(f);
    };
    const sink: ResponseSink = {
      head(status, raw) {
        if (settled) return;
        settled = true;
        answer = new H1Answer(status, headersOf(raw), conn);
        resolve(answer);
      },
      data(chunk) {
        return answer === undefined ? true : answer.data(chunk);
      },
      end(t) {
        answer?.end(t.length > 0 ? headersOf(t) : undefined);
      },
      fail(err, answered) {
        if (answered) {
          answer?.fail(err);
          return;
        }
        fail(err, true, conn !== undefined && conn.served > 0 && closedCodes.has((err as { code?: string }).code ?? ""));
      },
    };
    const start = (c: H1UpstreamConn) => {
      conn = c;
      cancelOpen = undefined;
      c.run(sink, head, req.method === "HEAD", buffered);
      if (streamed === undefined) {
        c.requestFinished();
        return;
      }
      const onData = (chunk: Buffer) => {
        if (chunk.length === 0) return;
        const ok = chunked ? (c.write(`${chunk.length.toString(16)}\r\n`), c.write(chunk), c.write("\r\n")) : c.write(chunk);
        if (!ok) {
          streamed.pause();
          c.socket.once("drain", () => streamed.resume());
        }
      };
      const onEnd = () => {
        detach();
        if (chunked) c.write("0\r\n\r\n");
        c.requestFinished();
      };
      const onError = () => {
        detach();
        c.abort();
      };
      detach = () => {
        streamed.off("data", onData);
        streamed.off("end", onEnd);
        streamed.off("error", onError);
      };
      streamed.on("data", onData);
      streamed.once("end", onEnd);
      streamed.once("error", onError);
    };
    abort = () => {
      const unanswered = !settled;
      settled = true;
      detach();
      cancelOpen?.();
      if (answer !== undefined) answer.abandon();
      else conn?.abort();
      if (unanswered) reject(failure("upstream_reset", "upstream attempt aborted"));
    };
    const idle = pool.idle(key);
    if (idle !== undefined) {
      start(idle);
      return;
    }
    // A new connection the peer closed before it was usable (e.g. an inbound sidecar that gave up waiting
    // for a ClientHello on a starved machine) carried no request byte: it is dialled once more, whatever
    // the method. (Made here, not for every request: most take an idle connection.)
    let redials = 1;
    const open = (first: boolean): void => {
      cancelOpen = pool.open(key, dial, (c) => {
        if (settled) c.destroy();
        else start(c);
      }, (e) => {
        if (redials > 0 && !settled && closedCodes.has((e as { code?: string }).code ?? "")) {
          redials--;
          open(false);
          return;
        }
        fail(e, false);
      }, queued && first);
    };
    open(true);
  });
  return { response, abort: () => abort() };
}
