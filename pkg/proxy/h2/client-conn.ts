// client-conn: one client-side HTTP/2 connection (RFC 9113) on own framing over a given socket (node:net
// for h2c, a TLS socket for the mesh hop — the caller makes it, with its ALPN), the client's part on the
// shared connection core (conn-frames.ts over conn-flow.ts over conn-io.ts: frame loop, SETTINGS/PING,
// windows, writes) — the connection preface and our SETTINGS (push disabled), up once the peer's first
// SETTINGS came (`connected`), the peer's max concurrent streams (requests past it wait in a queue), GOAWAY
// (streams above the peer's last stream id fail as never processed, the others complete; no new stream
// goes out), stream ids running out (once every id left is spoken for, no new stream: the pool opens a new
// connection; the queued ones still go out), stream receive windows reopened as the reader consumes,
// response HEADERS, 1xx informational answers skipped, DATA, trailers, RST_STREAM both ways, against a
// hostile upstream the limits of client-limits.ts (session memory: reading pauses while our unwritten
// output is past it, after each read as well as each write).
// Takes a socket and limits; gives streams for requests and calls back their handlers. Must not: let a
// peer's bytes throw out of a socket callback, send beyond a window, or leave a stream unsettled when the
// connection ends (every open or queued stream gets onClose).
import type { Socket } from "node:net";
import { defaultH2ClientLimits, type H2ClientLimits } from "./client-limits.ts";
import { H2ConnFrames } from "./conn-frames.ts";
import { track, untrack } from "./conn-sweep.ts";
import { CANCEL, H2ConnectionError, H2StreamError, PROTOCOL_ERROR, REFUSED_STREAM, STREAM_CLOSED } from "./errors.ts";
import { checkResponse, checkTrailers } from "./fields.ts";
import { PREFACE, SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_HEADER_LIST_SIZE, writeHeaderBlock } from "./frames.ts";
import { CLOSED_BY_PEER_RESET, CLOSED_BY_US, CLOSED_ENDED, H2CoreStream } from "./stream-core.ts";

/** Why a stream ended before its answer's end. */
export interface H2ClientClose {
  /** RST_STREAM code (the peer's or ours), or the connection's error code. */
  readonly code: number;
  /** The peer never processed the stream (GOAWAY below its id, REFUSED_STREAM): safe to send again. */
  readonly unprocessed: boolean;
  /** The error as node:http2 would name it (ERR_HTTP2_STREAM_ERROR, ERR_HTTP2_GOAWAY_SESSION, …) or the socket's. */
  readonly error: Error;
}

export interface H2ClientHandler {
  /** The final answer's head (1xx informational ones are skipped); fields include ":status". */
  onResponse(s: H2ClientStream, status: number, fields: string[], endStream: boolean, never: string[] | null): void;
  /** DATA payload buf[start, end): valid only during the call. */
  onData(s: H2ClientStream, buf: Buffer, start: number, end: number, endStream: boolean): void;
  /** Trailers (validated), which end the answer. */
  onTrailers(s: H2ClientStream, fields: string[], never: string[] | null): void;
  /** The stream ended before its answer's end: reset (either side), refused, or the connection gone. */
  onClose(s: H2ClientStream, why: H2ClientClose): void;
  /** DATA queued on s while a send window was shut has all gone out. */
  onWritable?(s: H2ClientStream): void;
}

/** One request's stream. id is 0 while it waits for the peer's concurrent-stream limit. */
export class H2ClientStream extends H2CoreStream {
  readonly conn: H2ClientConn;
  readonly handler: H2ClientHandler;
  /** The request's header list until it is sent. */
  fields: readonly string[] | null;
  never: readonly string[] | undefined;
  /** While paused, consumed bytes are not given back (the peer stops at the window: back-pressure). */
  paused = false;
  constructor(conn: H2ClientConn, handler: H2ClientHandler, fields: readonly string[], never: readonly string[] | undefined) {
    super();
    this.conn = conn;
    this.handler = handler;
    this.fields = fields;
    this.never = never;
    this.awaitingHead = true;
  }

  /** The final answer's head came. */
  get responded(): boolean {
    return !this.awaitingHead;
  }
}

const CLOSED_MEMORY = 1024;
const LAST_ID = 0x7fffffff;

function named(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Header-block timeouts by the shared coarse sweep (conn-sweep.ts). */
export class H2ClientConn extends H2ConnFrames<H2ClientStream, H2ClientLimits> {
  /** Streams waiting for the peer's concurrent-stream limit, in order. */
  private readonly queued: H2ClientStream[] = [];
  private nextId = 1;
  /** As node's peerMaxConcurrentStreams: 100 until the peer's first SETTINGS says otherwise (no limit when it names none). */
  private peerMaxStreams = 100;
  private peerSettled = false;
  private readonly closedIds = new Int32Array(CLOSED_MEMORY);
  private readonly closedHow = new Uint8Array(CLOSED_MEMORY);
  /** GOAWAY received (its last stream id), or -1. */
  private peerLastId = -1;
  /**
   * The connection is up: the peer's first SETTINGS came (after the TCP connect and any TLS handshake).
   * A failure before it is a connect failure (classify()); the caller bounds the wait (connect timeout).
   */
  connected = false;
  /** No more streams: closed, closing, GOAWAY seen or ids used up. The pool drops it. */
  draining = false;
  /** The first error that ended the connection (socket, TLS, or the GOAWAY code we sent / received). */
  error: Error | undefined;
  /** Called once when the connection is up (connected turns true). */
  onConnected: (() => void) | undefined;
  /** Called once when the connection stops taking new streams (the pool forgets it). */
  onDraining: (() => void) | undefined;

  /** `fed`: the creator passes every read to feed() itself (no "data" listener; conn-frames.ts; upstream/h2-own-reads.ts). */
  constructor(socket: Socket, limits: H2ClientLimits = defaultH2ClientLimits, fed = false) {
    super(socket, limits, fed);
    // Past session memory, reading pauses after each read too (see conn-io.ts).
    this.pauseAfterRead = true;
    this.w.ensure(PREFACE.length);
    this.w.pos += PREFACE.copy(this.w.buf, this.w.pos);
    this.opening([
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, limits.initialWindowSize],
      [SETTINGS_MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
    ]);
    socket.on("error", (e: Error) => {
      this.error ??= e;
    });
    track(this);
  }

  /** Takes no new streams (the pool's view). */
  get closed(): boolean {
    return this.draining || this.destroyed;
  }

  // --- requests ---

  /**
   * A new stream for a request's header list (pseudo-fields first); endStream when there is no body. Sent at
   * once, or queued while the peer's concurrent-stream limit is reached. On a draining connection the
   * stream is closed as unprocessed (its handler hears it in a microtask).
   */
  request(fields: readonly string[], endStream: boolean, handler: H2ClientHandler, never?: readonly string[]): H2ClientStream {
    const s = new H2ClientStream(this, handler, fields, never);
    s.localEnded = endStream;
    if (this.draining || this.destroyed) {
      queueMicrotask(() => handler.onClose(s, { code: REFUSED_STREAM, unprocessed: true, error: named("connection is closing", "ERR_HTTP2_GOAWAY_SESSION") }));
      return s;
    }
    if (this.streams.size >= this.peerMaxStreams || this.queued.length > 0) this.queued.push(s);
    else this.open(s);
    // Every id left is taken (by the open streams and the queued ones, which get theirs in turn): no new
    // stream on this connection; the pool opens a new one for the next request.
    if (this.nextId + 2 * this.queued.length > LAST_ID) this.stopNew();
    return s;
  }

  /** Tests: the next stream id (odd, not below the next one), to reach the top of the id space without 2^30 requests. */
  skipIdsTo(id: number): void {
    if ((id & 1) === 1 && id >= this.nextId && id <= LAST_ID) this.nextId = id;
  }

  private open(s: H2ClientStream): void {
    const id = this.nextId;
    this.nextId += 2;
    s.id = id;
    s.sendWindow = this.peerInitialWindow;
    s.recvWindow = this.limits.initialWindowSize;
    this.streams.set(id, s);
    writeHeaderBlock(this.w, id, s.fields!, s.localEnded && s.pending === null, this.peerMaxFrame, s.never);
    s.fields = null;
    s.never = undefined;
    if (s.pending !== null) this.drain(s);
    this.markDirty();
  }

  /** Queued streams open as room comes, also while draining (ids run out, close()): each had its id set aside in request(). */
  private openQueued(): void {
    while (this.queued.length > 0 && this.streams.size < this.peerMaxStreams && !this.destroyed) this.open(this.queued.shift()!);
  }

  /** Ends s's request with trailers (regular fields, validated by the caller), after any DATA still waiting for a window. */
  endWithTrailers(s: H2ClientStream, fields: readonly string[]): void {
    if (this.destroyed || s.localEnded || s.pendingEnd || (s.id !== 0 && this.streams.get(s.id) !== s)) return;
    if (s.id !== 0 && s.pending === null) {
      writeHeaderBlock(this.w, s.id, fields, true, this.peerMaxFrame);
      this.endLocal(s);
      this.markDirty();
      return;
    }
    s.endTrailers = fields;
    s.pendingEnd = true;
    s.pending ??= [];
    if (s.id !== 0) this.drain(s);
  }

  /** The reader took n bytes of s's DATA: its receive window reopens by them (once half of it is used), unless paused. */
  consume(s: H2ClientStream, n: number): void {
    s.recvUnacked += n;
    if (s.paused || s.remoteEnded || this.destroyed || this.streams.get(s.id) !== s) return;
    if (s.recvUnacked >= this.limits.initialWindowSize / 2) this.giveBack(s);
  }

  private giveBack(s: H2ClientStream): void {
    if (s.recvUnacked <= 0) return;
    this.w.windowUpdate(s.id, s.recvUnacked);
    s.recvWindow += s.recvUnacked;
    s.recvUnacked = 0;
    this.markDirty();
  }

  /** The reader fell behind: no WINDOW_UPDATE for s until resume (the peer stops at the window). */
  pause(s: H2ClientStream): void {
    s.paused = true;
  }

  resume(s: H2ClientStream): void {
    if (!s.paused) return;
    s.paused = false;
    if (!s.remoteEnded && !this.destroyed && this.streams.get(s.id) === s) this.giveBack(s);
  }

  /** RST_STREAM on s (CANCEL unless told): the request is given up. No callback follows. */
  cancel(s: H2ClientStream, code = CANCEL): void {
    if (s.id === 0) {
      const i = this.queued.indexOf(s);
      if (i >= 0) this.queued.splice(i, 1);
      this.dropPending(s);
      return;
    }
    if (this.destroyed || this.streams.get(s.id) !== s) return;
    this.w.rstStream(s.id, code);
    this.closeStream(s, CLOSED_BY_US);
    this.markDirty();
  }

  // --- stream ends ---

  /** s leaves the open streams (remembered as closed `how`); false when it had left already. */
  private detach(s: H2ClientStream, how: number): boolean {
    if (!this.streams.delete(s.id)) return false;
    const slot = (s.id >>> 1) % CLOSED_MEMORY;
    this.closedIds[slot] = s.id;
    this.closedHow[slot] = how;
    this.dropPending(s);
    return true;
  }

  protected writable(s: H2ClientStream): void {
    s.handler.onWritable?.(s);
  }

  protected closeStream(s: H2ClientStream, how: number): void {
    if (!this.detach(s, how)) return;
    this.openQueued();
    if (this.streams.size === 0 && this.draining && this.queued.length === 0) this.end();
  }

  private closedAs(id: number): number | undefined {
    const slot = (id >>> 1) % CLOSED_MEMORY;
    return this.closedIds[slot] === id ? this.closedHow[slot] : undefined;
  }

  /** No new streams from now on: the pool forgets this connection; it closes once its streams are done. */
  private stopNew(): void {
    if (this.draining) return;
    this.draining = true;
    const cb = this.onDraining;
    this.onDraining = undefined;
    cb?.();
  }

  /**
   * Graceful close: the open streams (and queued ones) finish, then GOAWAY and the socket ends (our GOAWAY
   * goes last: queued streams still open after close()).
   */
  close(): void {
    this.stopNew();
    if (this.destroyed) return;
    if (this.streams.size === 0 && this.queued.length === 0) this.end();
  }

  /** Ends the connection now: every open or queued stream closes with `error` (or a reset). */
  destroy(error?: Error): void {
    if (error !== undefined) this.error ??= error;
    this.stopNew();
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket.destroy();
    this.gone();
  }

  protected override failing(_code: number, why: string): void {
    this.error ??= named(`upstream HTTP/2 protocol error: ${why}`, "ERR_HTTP2_SESSION_ERROR");
    this.stopNew();
  }

  protected streamError(id: number, code: number, why: string): void {
    const s = this.streams.get(id);
    this.w.rstStream(id, code);
    this.markDirty();
    if (s === undefined) return;
    this.closeStream(s, CLOSED_BY_US);
    s.handler.onClose(s, { code, unprocessed: false, error: named(`upstream HTTP/2 stream error: ${why}`, "ERR_HTTP2_STREAM_ERROR") });
  }

  protected gone(): void {
    untrack(this);
    this.destroyed = true;
    this.stopNew();
    if (this.streams.size === 0 && this.queued.length === 0) return;
    const open = [...this.streams.values()];
    const queued = this.queued.splice(0);
    this.streams.clear();
    this.blocked.clear();
    this.pendingBytes = 0;
    const error = this.error ?? named("upstream HTTP/2 connection closed", "ERR_HTTP2_STREAM_CANCEL");
    const code = this.errorCode >= 0 ? this.errorCode : CANCEL;
    for (const s of open) s.handler.onClose(s, { code, unprocessed: false, error });
    // Queued streams never reached the peer.
    for (const s of queued) s.handler.onClose(s, { code, unprocessed: true, error });
  }

  checkTimeouts(now: number): void {
    if (this.destroyed) {
      untrack(this);
      return;
    }
    this.blockTimedOut(now);
  }

  // --- reading ---

  protected lateFrame(): void {
    this.empty();
  }

  protected override settingsBegin(): void {
    if (!this.peerSettled) {
      this.peerSettled = true;
      this.peerMaxStreams = Infinity;
      this.connected = true;
      const up = this.onConnected;
      this.onConnected = undefined;
      up?.();
    }
  }

  protected peerSetting(key: number, v: number): void {
    switch (key) {
      case SETTINGS_ENABLE_PUSH:
        if (v !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, "server sent ENABLE_PUSH other than 0");
        break;
      case SETTINGS_MAX_CONCURRENT_STREAMS:
        this.peerMaxStreams = v;
        break;
      default:
        break; // HEADER_TABLE_SIZE: our encoder keeps no table; MAX_HEADER_LIST_SIZE: advisory; unknown: ignored
    }
  }

  protected override settingsEnd(): void {
    this.openQueued();
  }

  protected onGoaway(lastId: number, code: number): void {
    this.emptyFrames = 0;
    if (this.peerLastId >= 0 && lastId > this.peerLastId) throw new H2ConnectionError(PROTOCOL_ERROR, "GOAWAY raised its last stream id");
    this.peerLastId = lastId;
    this.stopNew();
    const error = named(`upstream sent GOAWAY (${code})`, "ERR_HTTP2_GOAWAY_SESSION");
    // Streams above the peer's last id were never processed; queued ones never left.
    const refused: H2ClientStream[] = [];
    for (const s of this.streams.values()) if (s.id > lastId) refused.push(s);
    refused.push(...this.queued.splice(0));
    for (const s of refused) {
      if (s.id !== 0) this.detach(s, CLOSED_BY_US);
      else this.dropPending(s);
    }
    for (const s of refused) s.handler.onClose(s, { code: REFUSED_STREAM, unprocessed: true, error });
    if (this.streams.size === 0 && !this.destroyed) this.end();
  }

  /** Streams we have not opened (and every even id: push is off). */
  protected isIdle(id: number): boolean {
    return (id & 1) === 0 || id >= this.nextId;
  }

  protected onReset(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "RST_STREAM on an idle stream");
      return this.lateFrame();
    }
    this.emptyFrames = 0;
    this.closeStream(s, CLOSED_BY_PEER_RESET);
    const unprocessed = code === REFUSED_STREAM;
    s.handler.onClose(s, { code, unprocessed, error: named(`upstream reset the stream (${code})`, unprocessed ? "ERR_HTTP2_STREAM_REFUSED" : "ERR_HTTP2_STREAM_ERROR") });
  }

  /** A frame on stream id that is not open: the error §5.1 gives it, or none (ignored, counted as empty). */
  protected notOpen(id: number, what: string): void {
    if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on an idle stream`);
    const how = this.closedAs(id);
    if (how === CLOSED_ENDED) throw new H2ConnectionError(STREAM_CLOSED, `${what} on a closed stream`);
    this.empty(); // reset by us (frames in flight), by the peer, or long closed
  }

  protected onData(s: H2ClientStream, buf: Buffer, st: number, e: number, endStream: boolean, len: number): void {
    if (endStream) {
      s.remoteEnded = true;
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
    }
    s.handler.onData(s, buf, st, e, endStream);
    // Given back as read; a reader that falls behind pauses the stream (no WINDOW_UPDATE until it resumes).
    if (!endStream) this.consume(s, len);
  }

  protected onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean, _selfDependent: boolean): void {
    // Decoded whatever becomes of the stream: the dynamic table must stay in step with the peer's encoder.
    const fields = this.decoder.decode(buf, start, end);
    const tooLarge = this.decoder.tooLarge;
    const never = this.decoder.neverIndexed;
    const s = this.streams.get(id);
    if (s === undefined) return this.notOpen(id, "HEADERS");
    if (s.remoteEnded) throw new H2StreamError(id, STREAM_CLOSED, "HEADERS after END_STREAM");
    if (tooLarge) throw new H2StreamError(id, PROTOCOL_ERROR, "response header list too large");
    if (!s.awaitingHead) {
      if (!endStream) throw new H2StreamError(id, PROTOCOL_ERROR, "trailers without END_STREAM");
      checkTrailers(id, fields);
      this.emptyFrames = 0;
      s.remoteEnded = true;
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
      s.handler.onTrailers(s, fields, never);
      return;
    }
    const status = checkResponse(id, fields);
    if (status < 200) {
      // 1xx informational: skipped (as node:http2's "response" event does); counted so a flood of them ends.
      if (endStream || status === 101) throw new H2StreamError(id, PROTOCOL_ERROR, "invalid informational response");
      return this.empty();
    }
    this.emptyFrames = 0;
    s.awaitingHead = false;
    if (endStream) {
      s.remoteEnded = true;
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
    }
    s.handler.onResponse(s, status, fields, endStream, never);
  }
}
