// client: tiny loopback clients for the proxy tests (h1 via fetch-free node:http, h2c via node:http2, raw
// sockets) returning status, headers and body.
import { request, Agent, type OutgoingHttpHeaders, type IncomingHttpHeaders } from "node:http";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect } from "node:net";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  trailers?: IncomingHttpHeaders;
}

const agent = new Agent({ keepAlive: false });

export function h1(port: number, path: string, opts: { method?: string; headers?: OutgoingHttpHeaders; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers ?? {}, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), trailers: res.trailers }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export function h2session(port: number): ClientHttp2Session {
  const s = h2connect(`http://127.0.0.1:${port}`);
  s.on("error", () => {});
  return s;
}

export function h2(session: ClientHttp2Session, path: string, opts: { method?: string; headers?: OutgoingHttpHeaders; body?: string; authority?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const st = session.request({ ":path": path, ":method": opts.method ?? "GET", ...(opts.authority ? { ":authority": opts.authority } : {}), ...opts.headers }, {
      endStream: opts.body === undefined,
    });
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    st.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h;
    });
    st.on("trailers", (t) => {
      trailers = t;
    });
    st.on("data", (c: Buffer) => chunks.push(c));
    st.on("end", () => resolve({ status, headers, body: Buffer.concat(chunks).toString(), ...(trailers ? { trailers } : {}) }));
    st.on("error", reject);
    if (opts.body !== undefined) st.end(opts.body);
  });
}

/** Send raw bytes, collect everything until the peer closes or `ms` passes. */
export function raw(port: number, data: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    }, ms);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    s.on("error", () => {});
    s.write(data);
  });
}

/** Like raw(), but also says whether the peer closed the connection within `ms`. */
export function rawUntilClose(port: number, data: string | Buffer, ms = 3000, endAfterWrite = false): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = netConnect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(chunks).toString("latin1"), closed: false });
    }, ms);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", () => {
      clearTimeout(t);
      resolve({ data: Buffer.concat(chunks).toString("latin1"), closed: true });
    });
    s.on("error", () => {});
    s.write(data);
    if (endAfterWrite) s.end();
  });
}

/** `bytes` cut at `cuts` (positions modulo the length; repeats and 0 ignored), in order. */
export function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % Math.max(1, bytes.length)))].filter((c) => c > 0).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.subarray(at, p));
    at = p;
  }
  return pieces;
}

/**
 * Send `bytes` cut at `cuts` (cutAt) as separate writes `gapMs` apart; collect what comes back until the
 * peer closes or `ms` passes (then `closed` is false).
 */
export function sendInPieces(port: number, bytes: Buffer, cuts: readonly number[], ms = 5000, gapMs = 3): Promise<{ data: Buffer; closed: boolean }> {
  const pieces = cutAt(bytes, cuts);
  return new Promise((resolve) => {
    const s = netConnect(port, "127.0.0.1");
    s.setNoDelay(true);
    const got: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(got), closed: false });
    }, ms);
    s.on("data", (d: Buffer) => got.push(d));
    s.on("close", () => {
      clearTimeout(t);
      resolve({ data: Buffer.concat(got), closed: true });
    });
    s.on("error", () => {});
    let i = 0;
    const next = () => {
      if (i < pieces.length && !s.destroyed) {
        s.write(pieces[i++]!);
        setTimeout(next, gapMs);
      }
    };
    next();
  });
}
