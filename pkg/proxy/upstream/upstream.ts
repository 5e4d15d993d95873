// upstream: one attempt to one endpoint over HTTP/1.1 (keep-alive pool) or HTTP/2 (multiplexed
// sessions). An endpoint with an identity (a meshed pod) is reached over mTLS with our mesh certificate,
// verifying the peer's SPIFFE URI SAN equals endpoint.identity instead of a hostname, and the protocol
// inside is chosen as for any endpoint: HTTP/2 for h2c and gRPC clusters (and gRPC requests to a
// cluster of no known protocol), HTTP/1.1 otherwise — a pool of long-lived mTLS connections, ALPN
// ["http/1.1", "weft-http/1.1"], which every Weft inbound sidecar negotiates (docs/proxy.md, "The mesh hop").
// A streamed request body, or a buffered one that kept its body's trailers, ends with the request's
// trailers (request-trailers.ts), or an empty END_STREAM DATA frame when it had none; trailers the framing
// cannot carry (a Content-Length to an HTTP/1.1 upstream, a field refused) are told to `trailersDropped`.
// Takes a target and a request; gives a promise of the response head plus abort() (which settles an
// unanswered attempt with a failure, so no caller waits forever).
// Errors are ProxyFailureError: upstream_connect (never reached the peer), upstream_reset, upstream_tls.
// Must not: leave sockets or streams dangling after abort, or log key material.
import type { IncomingHttpHeaders } from "node:http";
import { connect as h2Connect, constants as h2c, sensitiveHeaders, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { connect as netConnect } from "node:net";
import type { Readable } from "node:stream";
import { connect as tlsConnect, type PeerCertificate, type SecureContext, type TLSSocket } from "node:tls";
import type { ClusterIR, EndpointIR } from "../../ir/types.ts";
import { sansMatchIdentity } from "../../util/spiffe-san.ts";
import { MESH_ALPN_PROTOCOLS, type MeshTlsMaterial } from "../engine-types.ts";
import { endpointKey } from "../endpoint-key.ts";
import { meshSecureContext } from "../mesh-secure-context.ts";
import { requestTrailers, type TrailersDropped } from "../request-trailers.ts";
import { plainDial, type Dialed, type H1Pool } from "./pool-h1.ts";
import type { H2Pool } from "./pool-h2.ts";
import { H2ClientConn } from "../h2/client-conn.ts";
import { defaultH2ClientLimits } from "../h2/client-limits.ts";
import type { H2Client } from "../limits.ts";
import { H2OwnCall } from "./h2-own-call.ts";
import { feedOwnReads } from "./h2-own-reads.ts";
import { failure, ProxyFailureError } from "../rescue.ts";
import { MeshSessions } from "./mesh-sessions.ts";
import { sendH1 } from "./upstream-h1.ts";
import type { Attempt, UpstreamEvents, UpstreamRequest, UpstreamResponse, UpstreamTarget } from "./upstream-types.ts";

export type { Attempt, RelaySink, UpstreamRequest, UpstreamResponse, UpstreamTarget } from "./upstream-types.ts";

const connectCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ENOTFOUND", "EAI_AGAIN"]);
const mismatchCode = "WEFT_SPIFFE_MISMATCH";

/** An upstream error as the failure the stack answers (also for WebSocket tunnels). */
export function classify(err: unknown, connected: boolean): ProxyFailureError {
  if (err instanceof ProxyFailureError) return err;
  const code = (err as { code?: string } | undefined)?.code ?? "";
  // Headers node refuses to send (a filter set an invalid name or value): our fault, not the peer's.
  if (code.startsWith("ERR_INVALID_") || code === "ERR_UNESCAPED_CHARACTERS" || code === "ERR_HTTP2_INVALID_HEADER_VALUE" || code === "ERR_HTTP2_INVALID_CONNECTION_HEADERS") {
    return failure("internal", "request headers cannot be sent upstream");
  }
  if (code === mismatchCode || code.startsWith("ERR_TLS") || code.includes("CERT") || code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return failure("upstream_tls", "upstream identity verification failed");
  }
  if (!connected || connectCodes.has(code)) return failure("upstream_connect", "upstream connect failed");
  return failure("upstream_reset", "upstream connection reset");
}

/** Where a mesh target's connections live in the HTTP/1.1 pool, and how a new one is opened. */
interface MeshDial {
  readonly generation: number;
  readonly key: string;
  readonly dial: () => Dialed;
}

export class Upstream {
  private readonly h1: H1Pool;
  private readonly h2: H2Pool;
  private readonly connectTimeoutMs: number;
  /** Our mesh material's secure context, one per material generation, shared by every mesh connection. */
  private mesh: SecureContext | undefined;
  private meshGeneration = 0;
  private readonly connectedSessions = new WeakSet<ClientHttp2Session>();
  /** Why a session died (TLS/identity failures surface here, not on its streams). */
  private readonly sessionErrors = new WeakMap<ClientHttp2Session, unknown>();
  /** Per plain target, its pool key and dialer (made once per target, not per request). */
  private readonly plainDials = new WeakMap<UpstreamTarget, { readonly key: string; readonly dial: () => Dialed }>();
  /** Per endpoint, its targets as of one mesh generation (whether it is reached over mesh mTLS depends on our material). */
  private readonly targets = new WeakMap<EndpointIR, { readonly generation: number; readonly http1: UpstreamTarget; readonly h2: UpstreamTarget }>();
  /** Per mesh target, its pool key and dialer as of one mesh generation. */
  private readonly meshDials = new WeakMap<UpstreamTarget, MeshDial>();
  /** The last TLS session per mesh pool key, offered by the next connection under it. */
  private readonly meshSessions = new MeshSessions();

  /** Which HTTP/2 client serves h2 targets (limits.h2Client). */
  private readonly h2Client: H2Client;

  /** Told when a request's trailers cannot be passed on, and when an unprocessed stream is sent again (metrics.ts counts them). */
  readonly trailersDropped: TrailersDropped | undefined;
  readonly streamResent: (() => void) | undefined;

  constructor(h1: H1Pool, h2: H2Pool, connectTimeoutMs: number, h2Client: H2Client = "node", events: UpstreamEvents = {}) {
    this.trailersDropped = events.trailersDropped;
    this.streamResent = events.streamResent;
    this.h1 = h1;
    this.h2 = h2;
    this.connectTimeoutMs = connectTimeoutMs;
    this.h2Client = h2Client;
  }

  setMeshTls(m: MeshTlsMaterial | undefined): void {
    this.mesh = m === undefined ? undefined : meshSecureContext(m);
    this.meshGeneration++;
    this.meshSessions.clear();
    this.h2.evict((k) => k.startsWith("tls|"));
    this.h1.evict((k) => k.startsWith("tls|"));
  }

  meshTlsReady(): boolean {
    return this.mesh !== undefined;
  }

  /**
   * Protocol and mesh identity for one endpoint of a cluster: h2 for h2c/grpc clusters (or a gRPC request
   * to a cluster of no known protocol), HTTP/1.1 otherwise; over mesh mTLS when the endpoint has an
   * identity and we have material. The same objects for every request to the endpoint until the mesh
   * material changes (made once, not per request).
   */
  target(cluster: ClusterIR | undefined, ep: EndpointIR, grpc: boolean): UpstreamTarget {
    const proto = cluster?.protocol;
    const h2 = proto === "h2c" || proto === "grpc" || (proto === undefined && grpc);
    let t = this.targets.get(ep);
    if (t === undefined || t.generation !== this.meshGeneration) {
      const mesh = ep.identity !== undefined && this.mesh !== undefined ? { meshIdentity: ep.identity } : {};
      t = {
        generation: this.meshGeneration,
        http1: { address: ep.address, port: ep.port, protocol: "http1", ...mesh },
        h2: { address: ep.address, port: ep.port, protocol: "h2", ...mesh },
      };
      this.targets.set(ep, t);
    }
    return h2 ? t.h2 : t.http1;
  }

  /**
   * A fresh mesh mTLS socket to a meshed endpoint for HTTP/1.1 (the pool's connections, WebSocket
   * tunnels): our certificate, ALPN ["http/1.1", "weft-http/1.1"], peer SPIFFE id verified. undefined
   * without mesh material.
   */
  meshH1Socket(address: string, port: number, identity: string, session?: Buffer): TLSSocket | undefined {
    const mesh = this.mesh;
    if (mesh === undefined) return undefined;
    return tlsConnect({
      host: address,
      port,
      servername: "",
      secureContext: mesh,
      ...(session !== undefined ? { session } : {}),
      ALPNProtocols: ["http/1.1", ...MESH_ALPN_PROTOCOLS.filter((p) => p === "weft-http/1.1")],
      checkServerIdentity: (_host: string, cert: PeerCertificate) => (sansMatchIdentity(cert.subjectaltname, identity) ?
        undefined
        : Object.assign(new Error("peer SPIFFE id does not match the endpoint identity"), { code: mismatchCode })),
    });
  }

  send(target: UpstreamTarget, req: UpstreamRequest): Attempt {
    if (target.protocol === "h2") return this.sendH2(target, req);
    const identity = target.meshIdentity;
    if (identity === undefined) {
      const { key, dial } = this.plainDialOf(target);
      return sendH1(this.h1, key, dial, req, classify, false, this.trailersDropped);
    }
    const { key, dial } = this.meshDialOf(target, identity);
    return sendH1(this.h1, key, dial, req, classify, true, this.trailersDropped);
  }

  /** A mesh target's pool key (identity, endpoint and material generation) and dialer, made once per target and generation. */
  private meshDialOf(target: UpstreamTarget, identity: string): MeshDial {
    const known = this.meshDials.get(target);
    if (known !== undefined && known.generation === this.meshGeneration) return known;
    const { address, port } = target;
    const key = `tls|${this.meshGeneration}|${identity}|${endpointKey(address, port)}`;
    const d: MeshDial = { generation: this.meshGeneration, key, dial: () => this.meshH1Dial(address, port, identity, key) };
    this.meshDials.set(target, d);
    return d;
  }

  private plainDialOf(target: UpstreamTarget): { readonly key: string; readonly dial: () => Dialed } {
    let d = this.plainDials.get(target);
    if (d === undefined) {
      d = plainDial(target.address, target.port);
      this.plainDials.set(target, d);
    }
    return d;
  }

  /**
   * A pooled mesh connection under `key`: the mesh socket, usable once the handshake and the SPIFFE check
   * passed; it offers the key's last TLS session (mesh-sessions.ts).
   */
  private meshH1Dial(address: string, port: number, identity: string, key: string): Dialed {
    const offered = this.meshSessions.offer(key);
    const socket = this.meshH1Socket(address, port, identity, offered);
    if (socket === undefined) throw failure("upstream_tls", "mesh TLS material not set");
    this.meshSessions.track(key, socket, offered);
    socket.setNoDelay(true);
    return { socket, ready: "secureConnect" };
  }

  private session(target: UpstreamTarget): ClientHttp2Session {
    const base = endpointKey(target.address, target.port);
    const mesh = target.meshIdentity !== undefined ? this.mesh : undefined;
    if (target.meshIdentity !== undefined && mesh === undefined) throw failure("upstream_tls", "mesh TLS material not set");
    const key = mesh !== undefined ? `tls|${this.meshGeneration}|${target.meshIdentity}|${base}` : `h2c|${base}`;
    // Nearly always the pooled session: the dial closure is made only when there is none.
    const live = this.h2.live<ClientHttp2Session>(key);
    if (live !== undefined) return live;
    return this.h2.get(key, () => {
      const identity = target.meshIdentity ?? "";
      const holder: { s?: ClientHttp2Session } = {};
      // node's http2.connect forces ALPN ["h2"] on its own TLS sockets, so the mesh socket is made here.
      const s = mesh !== undefined
        ? h2Connect(`https://${base}`, {
          createConnection: () =>
            this.meshH2Socket(mesh, target.address, target.port, identity, (err) => {
              if (holder.s !== undefined) this.sessionErrors.set(holder.s, err);
            }),
        })
        : h2Connect(`http://${base}`, {
          maxSessionMemory: 32,
          createConnection: () => netConnect({ host: target.address, port: target.port, noDelay: true }),
        });
      holder.s = s;
      const t = setTimeout(() => s.destroy(failure("upstream_connect", "upstream connect timeout")), this.connectTimeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        this.connectedSessions.add(s);
      });
      s.once("close", () => clearTimeout(t));
      s.on("error", (e) => {
        if (!this.sessionErrors.has(s)) this.sessionErrors.set(s, e);
      });
      return s;
    }, watchNodeSession);
  }

  /**
   * A mesh mTLS socket for HTTP/2: our certificate, ALPN the inner protocol plus the mesh marker (so the
   * peer's inbound sidecar terminates mTLS, engine-types), the peer's SPIFFE id verified (a mismatch is
   * also reported to onMismatch).
   */
  private meshH2Socket(mesh: SecureContext, address: string, port: number, identity: string, onMismatch?: (err: Error) => void): TLSSocket {
    return tlsConnect({
      host: address,
      port,
      servername: "",
      secureContext: mesh,
      ALPNProtocols: ["h2", ...MESH_ALPN_PROTOCOLS.filter((p) => p === "weft-h2")],
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        if (sansMatchIdentity(cert.subjectaltname, identity)) return undefined;
        const err = Object.assign(new Error("peer SPIFFE id does not match the endpoint identity"), { code: mismatchCode });
        onMismatch?.(err);
        return err;
      },
    });
  }

  /** The own-framing client connection of an h2 target (pooled as node's sessions are); also where an unprocessed stream is re-sent (h2-own-call.ts). */
  ownConn(target: UpstreamTarget): H2ClientConn {
    const base = endpointKey(target.address, target.port);
    const mesh = target.meshIdentity !== undefined ? this.mesh : undefined;
    if (target.meshIdentity !== undefined && mesh === undefined) throw failure("upstream_tls", "mesh TLS material not set");
    const key = mesh !== undefined ? `tls|${this.meshGeneration}|${target.meshIdentity}|${base}` : `h2c|${base}`;
    const live = this.h2.live<H2ClientConn>(key);
    if (live !== undefined) return live;
    return this.h2.get(key, () => {
      const socket = mesh !== undefined
        ? this.meshH2Socket(mesh, target.address, target.port, target.meshIdentity!)
        : netConnect({ host: target.address, port: target.port, noDelay: true });
      // Reads go to the shared read buffer once the socket is up (h2-own-reads.ts).
      const c = new H2ClientConn(socket, defaultH2ClientLimits, true);
      feedOwnReads(socket, c.feed, mesh !== undefined ? "secureConnect" : "connect");
      // The connect timeout covers TCP, TLS and the server's SETTINGS (c.connected): a peer that accepts
      // and never speaks HTTP/2 fails the waiting requests as upstream_connect, as a refused connection does.
      const t = setTimeout(() => {
        if (!c.connected) c.destroy(failure("upstream_connect", "upstream connect timeout"));
      }, this.connectTimeoutMs);
      socket.once("close", () => clearTimeout(t));
      c.onConnected = () => clearTimeout(t);
      return c;
    }, watchOwnConn);
  }

  private sendOwnH2(target: UpstreamTarget, req: UpstreamRequest): Attempt {
    let conn: H2ClientConn;
    try {
      conn = this.ownConn(target);
    } catch (e) {
      const err = classify(e, false);
      return { response: Promise.reject(err), report: (to) => to.fail(err), abort: () => {} };
    }
    return new H2OwnCall(conn, req, target.meshIdentity !== undefined ? "https" : "http", classify, this, target);
  }

  /** Why an h2 attempt on `session` failed: the session's own error (TLS, identity) when it had one. */
  private readonly h2Failure = (session: ClientHttp2Session, e: unknown): ProxyFailureError => classify(this.sessionErrors.get(session) ?? e, this.connectedSessions.has(session));

  private sendH2(target: UpstreamTarget, req: UpstreamRequest): Attempt {
    if (this.h2Client === "own") return this.sendOwnH2(target, req);
    let call: H2Call | undefined;
    const response = new Promise<UpstreamResponse>((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.session(target);
      } catch (e) {
        reject(classify(e, false));
        return;
      }
      const headers = requestFieldList(req, target.meshIdentity !== undefined ? "https" : "http");
      const body = req.body;
      const options = {
        endStream: body === undefined,
        // A streamed body may end with trailers (gRPC's too), a buffered one has them already: the stream waits for them.
        waitForTrailers: body !== undefined && (!Buffer.isBuffer(body) || requestTrailers(body) !== undefined),
      };
      let stream: ClientHttp2Stream;
      try {
        stream = session.request(headers, options);
      } catch (e) {
        // A pooled session that just got GOAWAY or died: drop it and open a fresh one once.
        const code = (e as { code?: string }).code;
        if (code === "ERR_HTTP2_GOAWAY_SESSION" || code === "ERR_HTTP2_INVALID_SESSION") {
          this.h2.evict((k) => k.endsWith(`|${endpointKey(target.address, target.port)}`));
          try {
            session = this.session(target);
            stream = session.request(headers, options);
          } catch (e2) {
            reject(classify(e2, this.connectedSessions.has(session)));
            return;
          }
        } else {
          reject(classify(e, this.connectedSessions.has(session)));
          return;
        }
      }
      call = new H2Call(stream, session, req.body, resolve, reject, this.h2Failure, this.trailersDropped);
      if (options.waitForTrailers) stream.on("wantTrailers", streamWantTrailers);
    });
    return { response, report: (to) => void response.then((r) => to.answer(r), (e: unknown) => to.fail(e)), abort: () => call?.abort() };
  }
}

function watchNodeSession(s: ClientHttp2Session, forget: () => void): void {
  s.once("close", forget);
  s.once("goaway", forget);
  s.once("error", forget);
  s.on("error", () => {});
}

/** An own-client connection leaves the pool when it stops taking streams (closing, GOAWAY, ids used up). */
export function watchOwnConn(c: H2ClientConn, forget: () => void): void {
  c.onDraining = forget;
}

/**
 * An h2 request's fields as one name/value list, pseudo-fields first. node copies a header object into a
 * null-prototype (dictionary) object of its own before it builds the field list, and our object was a
 * copy already; a list it takes as it is. Fields node lists as never-indexed stay so (hygiene.ts).
 */
function requestFieldList(req: UpstreamRequest, scheme: "http" | "https"): string[] {
  const list: string[] = [":method", req.method, ":path", req.path, ":authority", req.authority, ":scheme", scheme];
  const h = req.headers;
  for (const name in h) {
    const v = h[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) { for (const one of v) list.push(name, one); }
    else list.push(name, String(v));
  }
  const never = (h as Record<symbol, unknown>)[sensitiveHeaders];
  if (never !== undefined) (list as unknown as Record<symbol, unknown>)[sensitiveHeaders] = never;
  return list;
}

/**
 * What an upstream h2 stream's listeners act on: its attempt, until the stream closes. The listeners are
 * shared functions (`this` is the stream), not closures per stream: node keeps a stream's native handle,
 * and with it the stream and whatever its listeners hold, until a full GC (a scavenge counts the handle as
 * a root), so a closed stream must no longer reach the attempt, the request or the exchange above it.
 */
const callOf = Symbol("weft.h2Call");
type CalledStream = ClientHttp2Stream & { [callOf]?: H2Call | undefined };

class H2Call {
  settled = false;
  trailers: IncomingHttpHeaders | undefined;
  private readonly stream: CalledStream;
  private readonly session: ClientHttp2Session;
  readonly body: Buffer | Readable | undefined;
  private readonly resolve: (r: UpstreamResponse) => void;
  private readonly reject: (e: ProxyFailureError) => void;
  private readonly why: (session: ClientHttp2Session, e: unknown) => ProxyFailureError;
  readonly dropped: TrailersDropped | undefined;

  constructor(
    stream: CalledStream,
    session: ClientHttp2Session,
    body: Buffer | Readable | undefined,
    resolve: (r: UpstreamResponse) => void,
    reject: (e: ProxyFailureError) => void,
    why: (session: ClientHttp2Session, e: unknown) => ProxyFailureError,
    dropped: TrailersDropped | undefined,
  ) {
    this.dropped = dropped;
    this.stream = stream;
    this.session = session;
    this.body = body;
    this.resolve = resolve;
    this.reject = reject;
    this.why = why;
    stream[callOf] = this;
    stream.on("trailers", streamTrailers);
    // "response" and "close" come once per stream: on(), not once() (a wrapper per listener, held to the stream's end).
    stream.on("response", streamResponse);
    stream.on("error", streamError);
    stream.on("close", streamClose);
    if (Buffer.isBuffer(body)) stream.end(body);
    else if (body !== undefined) body.pipe(stream);
  }

  answered(h: IncomingHttpHeaders, flags: number): void {
    this.settled = true;
    this.resolve({
      status: Number(h[":status"] ?? 502),
      headers: h,
      body: this.stream,
      endStream: (flags & h2c.NGHTTP2_FLAG_END_STREAM) !== 0,
      trailers: () => this.trailers,
    });
  }

  fail(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.body !== undefined && !Buffer.isBuffer(this.body)) this.body.unpipe(this.stream);
    // The session's own error (TLS, identity) is emitted after its streams die: wait one turn.
    setImmediate(() => this.reject(this.why(this.session, e)));
  }

  abort(): void {
    const unanswered = !this.settled;
    this.settled = true;
    if (!this.stream.destroyed) this.stream.close(h2c.NGHTTP2_CANCEL);
    if (unanswered) this.reject(failure("upstream_reset", "upstream attempt aborted"));
  }
}

function streamTrailers(this: CalledStream, t: IncomingHttpHeaders): void {
  const call = this[callOf];
  if (call !== undefined) call.trailers = t;
}

function streamResponse(this: CalledStream, h: IncomingHttpHeaders, flags: number): void {
  this[callOf]?.answered(h, flags);
}

/** The streamed body ended: its request's trailers, or none (node then ends the stream with an empty DATA frame). */
function streamWantTrailers(this: CalledStream): void {
  const call = this[callOf];
  const body = call?.body;
  const t = body !== undefined ? requestTrailers(body) : undefined;
  try {
    this.sendTrailers(t ?? {});
  } catch {
    // A field node refuses: the stream still ends, without trailers (or it closed meanwhile).
    if (t !== undefined && !this.destroyed) call?.dropped?.("request", "invalid_field");
    try {
      this.sendTrailers({});
    } catch {
      // The stream closed meanwhile: nothing to end.
    }
  }
}

function streamError(this: CalledStream, e: unknown): void {
  this[callOf]?.fail(e);
}

/** Every stream closes (once); only one that closes unanswered needs the (stack-capturing) Error. */
function streamClose(this: CalledStream): void {
  const call = this[callOf];
  this[callOf] = undefined;
  if (call !== undefined && !call.settled) call.fail(Object.assign(new Error(`stream closed (${this.rstCode})`), { code: "ERR_HTTP2_STREAM_CLOSED" }));
}
