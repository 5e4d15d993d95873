// h2-own-client: test helpers around Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts) — a connection
// over h2c or TLS, and one request through the proxy's attempt object (upstream/h2-own-call.ts, the way the
// proxy sends) collected into status, headers, body and trailers, or the failure kind. Loopback only.
import type { IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import type { Readable } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { H2ClientConn } from "../../pkg/proxy/h2/client-conn.ts";
import { resolveH2ClientLimits, type H2ClientLimits } from "../../pkg/proxy/h2/client-limits.ts";
import { ProxyFailureError } from "../../pkg/proxy/rescue.ts";
import { H2OwnCall } from "../../pkg/proxy/upstream/h2-own-call.ts";
import { feedOwnReads } from "../../pkg/proxy/upstream/h2-own-reads.ts";
import { classify } from "../../pkg/proxy/upstream/upstream.ts";

export function ownConn(port: number, opts: { tls?: { ca: string }; limits?: Partial<H2ClientLimits> } = {}): H2ClientConn {
  const limits = resolveH2ClientLimits(opts.limits);
  if (opts.tls !== undefined) {
    const s = tlsConnect({ host: "127.0.0.1", port, ca: opts.tls.ca, servername: "localhost", ALPNProtocols: ["h2"] });
    const c = new H2ClientConn(s, limits, true);
    feedOwnReads(s, c.feed, "secureConnect");
    return c;
  }
  // Read as the proxy reads (upstream.ts's ownConn): the shared read buffer once connected.
  const s = connect({ host: "127.0.0.1", port, noDelay: true });
  const c = new H2ClientConn(s, limits, true);
  feedOwnReads(s, c.feed, "connect");
  return c;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  /** The body broke off (stream reset after the head). */
  broken: boolean;
}

export interface Sent {
  call: H2OwnCall;
  /** The answer, or the failure kind (upstream_reset, upstream_connect, …). */
  done: Promise<Answer | string>;
}

export function send(conn: H2ClientConn, opts: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: Buffer | Readable; stall?: boolean } = {}): Sent {
  const call = new H2OwnCall(conn, {
    method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
    path: opts.path ?? "/",
    authority: "localhost",
    headers: opts.headers ?? {},
    body: opts.body,
  }, "http", classify);
  const done = call.response.then(
    (res) =>
      new Promise<Answer>((resolve) => {
        const chunks: Buffer[] = [];
        let broken = false;
        res.relayTo!({
          // A stalled reader takes each chunk but asks for no more (the stream's window stays shut).
          data: (c) => (chunks.push(c), opts.stall !== true),
          onDrain: () => {},
          end: (t) => resolve({ status: res.status, headers: res.headers, body: Buffer.concat(chunks), trailers: t, broken }),
          broken: () => {
            broken = true;
            resolve({ status: res.status, headers: res.headers, body: Buffer.concat(chunks), trailers: undefined, broken });
          },
        });
      }),
    (e: unknown) => (e instanceof ProxyFailureError ? e.kind : `unexpected: ${String(e)}`),
  );
  return { call, done };
}

/** A gRPC message frame (uncompressed) around a JSON body, as test/proxy/grpc-fixture.ts's service reads it. */
export const grpcFrame = (v: unknown): Buffer => {
  const m = Buffer.from(JSON.stringify(v));
  const h = Buffer.alloc(5);
  h.writeUInt32BE(m.length, 1);
  return Buffer.concat([h, m]);
};

/** The JSON messages of a gRPC body. */
export function grpcMessages(b: Buffer): unknown[] {
  const out: unknown[] = [];
  for (let p = 0; p + 5 <= b.length;) {
    const n = b.readUInt32BE(p + 1);
    out.push(JSON.parse(b.subarray(p + 5, p + 5 + n).toString()));
    p += 5 + n;
  }
  return out;
}
