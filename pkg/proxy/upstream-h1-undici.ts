// upstream-h1-undici: one HTTP/1.1 attempt through an undici.Pool (pool-h1-undici), with the same
// contract as the node:http path in upstream.ts: a promise of the response head (status, headers, a
// streamed Readable body, trailers) plus abort(). The request body streams in (Buffer or Readable, via a
// PassThrough so an upstream failure never destroys the downstream request), the response streams out
// with backpressure (pause/resume of undici's controller). Expect is stripped by hygiene and 100-continue
// is answered downstream by node, so undici never sees it. Timeouts are forward.ts's (undici's own are off).
// A request on a kept-alive connection the peer closed before answering is sent once more when its body is
// replayable and its method idempotent (RFC 9110 §9.2.2). Errors go through the caller's classify().
// Must not: leave a request running after abort(), or retry a body it cannot replay.
import type { IncomingHttpHeaders } from "node:http";
import { PassThrough, Readable } from "node:stream";
import type { Dispatcher, Pool } from "undici";
import type { Attempt, UpstreamRequest, UpstreamResponse } from "./upstream.ts";

const idempotent = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const staleCodes = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

/** Response body: a Readable fed by undici; reading resumes the paused connection. */
class UpstreamBody extends Readable {
  controller: Dispatcher.DispatchController | undefined;
  override _read(): void {
    if (this.controller?.paused === true) this.controller.resume();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.readableEnded && this.controller !== undefined && !this.controller.aborted) this.controller.abort(err ?? new Error("response body destroyed"));
    cb(err);
  }
}

export function sendH1Undici(pool: Pool, req: UpstreamRequest, classify: (e: unknown, connected: boolean) => Error, mayReplayStale = true): Attempt {
  let abort: () => void = () => {};
  const response = new Promise<UpstreamResponse>((resolve, reject) => {
    let connected = false;
    let settled = false;
    let aborted = false;
    let controller: Dispatcher.DispatchController | undefined;
    let body: UpstreamBody | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    let reqBody: Buffer | PassThrough | undefined;
    const streamed = req.body !== undefined && !Buffer.isBuffer(req.body) ? req.body : undefined;
    if (streamed !== undefined) {
      const pt = new PassThrough();
      streamed.pipe(pt);
      reqBody = pt;
    } else reqBody = req.body as Buffer | undefined;
    const headers: Record<string, string | string[]> = {};
    for (const k in req.headers) {
      const v = req.headers[k];
      if (v !== undefined) headers[k] = typeof v === "number" ? String(v) : v;
    }
    headers.host = req.authority;
    const detach = () => { if (streamed !== undefined && reqBody instanceof PassThrough) { streamed.unpipe(reqBody); reqBody.destroy(); } };
    abort = () => {
      aborted = true;
      settled = true;
      detach();
      if (controller !== undefined && !controller.aborted) controller.abort(new Error("aborted"));
      body?.destroy();
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        connected = true;
        if (aborted) c.abort(new Error("aborted"));
      },
      onResponseStart(c, statusCode, h) {
        if (statusCode < 200) return;
        controller = c;
        body = new UpstreamBody();
        body.controller = c;
        settled = true;
        resolve({ status: statusCode, headers: h as IncomingHttpHeaders, body, endStream: false, trailers: () => trailers });
      },
      onResponseData(c, chunk) {
        if (body !== undefined && !body.push(chunk)) c.pause();
      },
      onResponseEnd(_c, t) {
        trailers = t as IncomingHttpHeaders;
        body?.push(null);
      },
      onResponseError(_c, err) {
        if (body !== undefined) { body.destroy(err); return; }
        if (settled) return;
        settled = true;
        detach();
        const code = (err as { code?: string }).code ?? "";
        if (mayReplayStale && connected && staleCodes.has(code) && streamed === undefined && idempotent.has(req.method)) {
          const again = sendH1Undici(pool, req, classify, false);
          abort = again.abort;
          again.response.then(resolve, reject);
          return;
        }
        reject(classify(err, connected));
      },
    };
    try {
      pool.dispatch({ path: req.path, method: req.method, headers, body: reqBody ?? null, headersTimeout: 0, bodyTimeout: 0 }, handler);
    } catch (e) {
      settled = true;
      detach();
      reject(classify(e, false));
    }
  });
  return { response, abort: () => abort() };
}
