// client-conn: one client-side HTTP/2 connection (RFC 9113) on own framing over a given socket (node:net
// for h2c, a TLS socket for the mesh hop — the caller makes it, with its ALPN) — the connection preface
// and our SETTINGS (push disabled), the peer's SETTINGS (ACK; initial window, max frame size, max
// concurrent streams: requests past it wait in a queue), PING answers, GOAWAY (streams above the peer's
// last stream id fail as never processed, the others complete; no new stream goes out), stream ids running
// out (once every id left is spoken for, no new stream: the pool opens a new connection; the queued ones
// still go out), up once the peer's first SETTINGS came (`connected`), flow control both ways (never beyond the peer's
// windows; our windows enforced, reopened as the reader consumes), response HEADERS (+ CONTINUATION), 1xx
// informational answers skipped, DATA, trailers, RST_STREAM both ways, and the limits of client-limits.ts
// against a hostile upstream (header list size and fields, HPACK table size, CONTINUATION, SETTINGS, PING,
// empty-frame floods, session memory: reading pauses while our unwritten output is past it, an unfinished
// header block).
// Takes a socket and limits; gives streams for requests and calls back their handlers. Must not: let a
// peer's bytes throw out of a socket callback, send beyond a window, or leave a stream unsettled when the
// connection ends (every open or queued stream gets onClose).
import type { Socket } from "node:net";
import {
  CANCEL,
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  H2ConnectionError,
  H2StreamError,
  INTERNAL_ERROR,
  NO_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  STREAM_CLOSED,
} from "./errors.ts";
import { checkResponse, checkTrailers } from "./fields.ts";
import { queueFlush } from "./flush-queue.ts";
import {
  ACK,
  body,
  checkFrameHeader,
  CONTINUATION,
  DATA,
  END_HEADERS,
  END_STREAM,
  FRAME_HEADER,
  FrameWriter,
  framePayload,
  GOAWAY,
  HEADERS,
  MAX_WINDOW,
  MIN_MAX_FRAME,
  PING,
  PREFACE,
  PRIORITY,
  RST_STREAM,
  SETTINGS,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  u32,
  WINDOW_UPDATE,
  writeHeaderBlock,
} from "./frames.ts";
import { HpackDecoder } from "./hpack-decoder.ts";
import { defaultH2ClientLimits, type H2ClientLimits } from "./client-limits.ts";

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
export class H2ClientStream {
  id = 0;
  readonly conn: H2ClientConn;
  readonly handler: H2ClientHandler;
  /** The request's header list until it is sent. */
  fields: readonly string[] | null;
  never: readonly string[] | undefined;
  sendWindow = 0;
  recvWindow = 0;
  /** Received DATA bytes not yet given back in a WINDOW_UPDATE. */
  recvUnacked = 0;
  /** While paused, consumed bytes are not given back (the peer stops at the window: back-pressure). */
  paused = false;
  responded = false;
  remoteEnded = false;
  localEnded = false;
  /** DATA waiting for a send window, its byte count, and whether END_STREAM follows it. */
  pending: Buffer[] | null = null;
  pendingBytes = 0;
  pendingEnd = false;
  /** Trailers that end the request once its queued DATA is out. */
  endTrailers: readonly string[] | null = null;
  /** For the user. */
  data: unknown = undefined;
  constructor(conn: H2ClientConn, handler: H2ClientHandler, fields: readonly string[], never: readonly string[] | undefined) {
    this.conn = conn;
    this.handler = handler;
    this.fields = fields;
    this.never = never;
  }
}

const CLOSED_ENDED = 1, CLOSED_BY_PEER_RESET = 2, CLOSED_BY_US = 3;
const CLOSED_MEMORY = 1024;
const LAST_ID = 0x7fffffff;
const EMPTY: Buffer = Buffer.alloc(0);

function named(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Header-block timeouts by one coarse sweep over the live connections (as server-conn.ts), not a timer each. */
const SWEEP_MS = 250;
const live = new Set<H2ClientConn>();
let sweepTimer: NodeJS.Timeout | undefined;
let sweepClock = performance.now();
function sweep(): void {
  sweepClock = performance.now();
  for (const c of live) c.checkTimeouts(sweepClock);
  if (live.size === 0 && sweepTimer !== undefined) {
    clearInterval(sweepTimer);
    sweepTimer = undefined;
  }
}
function track(c: H2ClientConn): void {
  live.add(c);
  if (sweepTimer === undefined) {
    sweepClock = performance.now();
    sweepTimer = setInterval(sweep, SWEEP_MS);
    sweepTimer.unref();
  }
}

export class H2ClientConn {
  readonly socket: Socket;
  readonly limits: H2ClientLimits;
  readonly streams = new Map<number, H2ClientStream>();
  /** Streams waiting for the peer's concurrent-stream limit, in order. */
  private readonly queued: H2ClientStream[] = [];
  private readonly w = new FrameWriter();
  private isDirty = false;
  private readonly decoder: HpackDecoder;
  private nextId = 1;

  // Peer settings.
  private peerInitialWindow = 65535;
  private peerMaxFrame = MIN_MAX_FRAME;
  /** As node's peerMaxConcurrentStreams: 100 until the peer's first SETTINGS says otherwise (no limit when it names none). */
  private peerMaxStreams = 100;
  private sendWindow = 65535;
  // Our receive side.
  private recvWindow: number;
  private recvUnacked = 0;
  private readonly closedIds = new Int32Array(CLOSED_MEMORY);
  private readonly closedHow = new Uint8Array(CLOSED_MEMORY);
  // Reading.
  private rest: Buffer | null = null;
  private settingsSeen = false;
  private peerSettled = false;
  private block: Buffer[] | null = null;
  private blockBytes = 0;
  private blockId = 0;
  private blockEnd = false;
  private continuations = 0;
  private blockSince = 0;
  // Limits' counters.
  private acksQueued = 0;
  private emptyFrames = 0;
  private blocked = new Set<H2ClientStream>();
  private pendingBytes = 0;
  private readPaused = false;
  // Closing.
  /** GOAWAY received (its last stream id), or -1. */
  private peerLastId = -1;
  private goawaySent = false;
  /**
   * The connection is up: the peer's first SETTINGS came (after the TCP connect and any TLS handshake).
   * A failure before it is a connect failure (classify()); the caller bounds the wait (connect timeout).
   */
  connected = false;
  /** No more streams: closed, closing, GOAWAY seen or ids used up. The pool drops it. */
  draining = false;
  destroyed = false;
  /** The first error that ended the connection (socket, TLS, or the GOAWAY code we sent / received). */
  error: Error | undefined;
  /** Why the connection ended with an error we raised (its GOAWAY code), for tests and logs. */
  errorCode = -1;
  /** Called once when the connection is up (connected turns true). */
  onConnected: (() => void) | undefined;
  /** Called once when the connection stops taking new streams (the pool forgets it). */
  onDraining: (() => void) | undefined;

  constructor(socket: Socket, limits: H2ClientLimits = defaultH2ClientLimits) {
    this.socket = socket;
    this.limits = limits;
    this.decoder = new HpackDecoder(limits.headerTableSize, limits.maxHeaderListSize, limits.maxHeaderFields);
    this.recvWindow = Math.max(65535, limits.connectionWindowSize);
    this.w.ensure(PREFACE.length);
    this.w.pos += PREFACE.copy(this.w.buf, this.w.pos);
    this.w.settings([
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, limits.initialWindowSize],
      [SETTINGS_MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
    ]);
    if (this.recvWindow > 65535) this.w.windowUpdate(0, this.recvWindow - 65535);
    this.markDirty();
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("error", (e: Error) => {
      this.error ??= e;
    });
    socket.on("close", () => this.gone());
    socket.on("drain", () => this.drained());
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

  /**
   * DATA buf[start, end) on s, within the send windows (copied and queued while they are shut, or while the
   * stream waits to open). Gives false when the connection holds more than its session memory: wait for
   * onWritable.
   */
  write(s: H2ClientStream, buf: Buffer, start: number, end: number, endStream: boolean): boolean {
    if (this.destroyed || s.localEnded || (s.id !== 0 && this.streams.get(s.id) !== s)) return false;
    const n = end - start;
    if (s.id !== 0 && s.pending === null && n <= s.sendWindow && n <= this.sendWindow && n <= this.peerMaxFrame) {
      this.w.data(s.id, buf, start, end, endStream);
      s.sendWindow -= n;
      this.sendWindow -= n;
      if (endStream) this.endLocal(s);
      this.markDirty();
      return true;
    }
    (s.pending ??= []).push(n === 0 ? EMPTY : Buffer.from(buf.subarray(start, end)));
    s.pendingBytes += n;
    this.pendingBytes += n;
    if (endStream) s.pendingEnd = true;
    if (s.id !== 0) this.drain(s);
    return this.memory() <= this.limits.maxSessionMemory;
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

  private drain(s: H2ClientStream): void {
    const q = s.pending!;
    while (q.length > 0) {
      const chunk = q[0]!;
      const room = Math.min(s.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (room <= 0 && chunk.length > 0) {
        this.blocked.add(s);
        this.markDirty();
        return;
      }
      const n = Math.max(0, Math.min(room, chunk.length));
      const last = n === chunk.length && q.length === 1;
      this.w.data(s.id, chunk, 0, n, last && s.pendingEnd && s.endTrailers === null);
      s.sendWindow -= n;
      this.sendWindow -= n;
      s.pendingBytes -= n;
      this.pendingBytes -= n;
      if (n === chunk.length) q.shift();
      else q[0] = chunk.subarray(n);
    }
    s.pending = null;
    const wasBlocked = this.blocked.delete(s);
    if (s.endTrailers !== null) {
      writeHeaderBlock(this.w, s.id, s.endTrailers, true, this.peerMaxFrame);
      s.endTrailers = null;
    }
    if (s.pendingEnd) this.endLocal(s);
    this.markDirty();
    if (wasBlocked) s.handler.onWritable?.(s);
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

  // --- writing ---

  private markDirty(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    queueFlush(this);
  }

  flush(): void {
    this.isDirty = false;
    if (this.destroyed) return;
    const chunk = this.w.take();
    if (chunk === null) return;
    const taken = this.socket.write(chunk);
    if (this.socket.writableLength === 0) this.acksQueued = 0;
    if (this.socket.writableLength > this.limits.maxSessionMemory) this.pauseReading();
    else if (taken) this.resumeReading(); // no "drain" follows a write the socket took
  }

  /**
   * The peer does not read what we write (answers to its frames pile up): past maxSessionMemory of
   * unwritten output we stop reading what it sends until it does — checked after each read as well as
   * after each write, so a flood read in one turn stops before its answers are flushed. Only output
   * counts: DATA waiting for the peer's windows must not stop us reading its WINDOW_UPDATEs.
   */
  private pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.socket.resume();
  }

  private drained(): void {
    this.acksQueued = 0;
    this.resumeReading();
  }

  /** Bytes this connection holds: unwritten output, DATA waiting for windows, a header block in progress. */
  memory(): number {
    return this.socket.writableLength + this.w.pending + this.pendingBytes + this.blockBytes + (this.rest?.length ?? 0);
  }

  // --- stream ends ---

  private endLocal(s: H2ClientStream): void {
    s.localEnded = true;
    if (s.remoteEnded) this.closeStream(s, CLOSED_ENDED);
  }

  private dropPending(s: H2ClientStream): void {
    if (s.pending !== null) {
      this.pendingBytes -= s.pendingBytes;
      s.pending = null;
      s.pendingBytes = 0;
    }
    this.blocked.delete(s);
    s.endTrailers = null;
  }

  /** s leaves the open streams (remembered as closed `how`); false when it had left already. */
  private detach(s: H2ClientStream, how: number): boolean {
    if (!this.streams.delete(s.id)) return false;
    const slot = (s.id >>> 1) % CLOSED_MEMORY;
    this.closedIds[slot] = s.id;
    this.closedHow[slot] = how;
    this.dropPending(s);
    return true;
  }

  private closeStream(s: H2ClientStream, how: number): void {
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

  private end(): void {
    if (!this.goawaySent && !this.destroyed) {
      this.goawaySent = true;
      this.w.goaway(0, NO_ERROR);
    }
    this.flush();
    this.destroyed = true;
    this.socket.end();
    this.gone();
  }

  /** A connection error we raise: GOAWAY with `code`, then the socket closes once written. */
  private fail(code: number, why: string): void {
    if (this.destroyed) return;
    this.errorCode = code;
    this.error ??= named(`upstream HTTP/2 protocol error: ${why}`, "ERR_HTTP2_SESSION_ERROR");
    this.stopNew();
    this.w.goaway(0, code);
    this.goawaySent = true;
    this.end();
  }

  private streamError(id: number, code: number, why: string): void {
    const s = this.streams.get(id);
    this.w.rstStream(id, code);
    this.markDirty();
    if (s === undefined) return;
    this.closeStream(s, CLOSED_BY_US);
    s.handler.onClose(s, { code, unprocessed: false, error: named(`upstream HTTP/2 stream error: ${why}`, "ERR_HTTP2_STREAM_ERROR") });
  }

  private gone(): void {
    live.delete(this);
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
      live.delete(this);
      return;
    }
    if (this.block !== null && now - this.blockSince > this.limits.headersTimeoutMs) this.fail(PROTOCOL_ERROR, "header block unfinished");
  }

  // --- reading ---

  private read(chunk: Buffer): void {
    if (this.destroyed) return;
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let p = 0;
    while (buf.length - p >= FRAME_HEADER && !this.destroyed) {
      const len = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
      if (len > MIN_MAX_FRAME) return this.fail(FRAME_SIZE_ERROR, "frame larger than our SETTINGS_MAX_FRAME_SIZE");
      if (buf.length - p - FRAME_HEADER < len) break;
      const id = ((buf[p + 5]! & 0x7f) << 24) | (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!;
      const start = p + FRAME_HEADER;
      p = start + len;
      try {
        this.frame(buf[start - 6]!, buf[start - 5]!, id, buf, start, p);
      } catch (e) {
        if (e instanceof H2StreamError) this.streamError(e.id, e.code, e.message);
        else if (e instanceof H2ConnectionError) return this.fail(e.code, e.message);
        else return this.fail(INTERNAL_ERROR, "internal error");
      }
    }
    if (p < buf.length && !this.destroyed) this.rest = Buffer.from(buf.subarray(p));
    if (this.socket.writableLength + this.w.pending > this.limits.maxSessionMemory) this.pauseReading();
  }

  private frame(type: number, flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (!this.settingsSeen) {
      if (type !== SETTINGS || (flags & ACK) !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, "first frame is not SETTINGS");
      this.settingsSeen = true;
    }
    if (this.block !== null && type !== CONTINUATION) throw new H2ConnectionError(PROTOCOL_ERROR, "header block interrupted");
    checkFrameHeader(type, flags, id, end - start);
    switch (type) {
      case DATA:
        return this.onData(flags, id, buf, start, end);
      case HEADERS:
        return this.onHeaders(flags, id, buf, start, end);
      case CONTINUATION:
        return this.onContinuation(flags, id, buf, start, end);
      case PRIORITY:
        return this.empty();
      case RST_STREAM:
        return this.onReset(id, u32(buf, start));
      case SETTINGS:
        return this.onSettings(flags, buf, start, end);
      case PING:
        if ((flags & ACK) !== 0) return this.empty();
        this.ack();
        this.w.pingAck(buf, start);
        return;
      case GOAWAY:
        return this.onGoaway(u32(buf, start) & 0x7fffffff, u32(buf, start + 4));
      case WINDOW_UPDATE:
        return this.onWindowUpdate(id, u32(buf, start) & 0x7fffffff);
      default:
        return this.empty();
    }
  }

  private empty(): void {
    if (++this.emptyFrames > this.limits.maxEmptyFrames) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "empty frame flood");
  }

  private ack(): void {
    if (++this.acksQueued > this.limits.maxOutboundAcks) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "ACK flood");
    this.markDirty();
  }

  private onSettings(flags: number, buf: Buffer, start: number, end: number): void {
    if ((flags & ACK) !== 0) return this.empty();
    if ((end - start) / 6 > this.limits.maxSettingsEntries) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "too many settings");
    if (!this.peerSettled) {
      this.peerSettled = true;
      this.peerMaxStreams = Infinity;
      this.connected = true;
      const up = this.onConnected;
      this.onConnected = undefined;
      up?.();
    }
    let grown = false;
    for (let p = start; p < end; p += 6) {
      const key = (buf[p]! << 8) | buf[p + 1]!;
      const v = u32(buf, p + 2);
      switch (key) {
        case SETTINGS_ENABLE_PUSH:
          if (v !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, "server sent ENABLE_PUSH other than 0");
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE: {
          if (v > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE too large");
          const delta = v - this.peerInitialWindow;
          this.peerInitialWindow = v;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "stream window overflow");
          }
          grown ||= delta > 0;
          break;
        }
        case SETTINGS_MAX_FRAME_SIZE:
          if (v < MIN_MAX_FRAME || v > 0xffffff) throw new H2ConnectionError(PROTOCOL_ERROR, "MAX_FRAME_SIZE out of range");
          this.peerMaxFrame = v;
          break;
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = v;
          break;
        default:
          break; // HEADER_TABLE_SIZE: our encoder keeps no table; MAX_HEADER_LIST_SIZE: advisory; unknown: ignored
      }
    }
    this.ack();
    this.w.settingsAck();
    if (grown && this.blocked.size > 0) { for (const s of [...this.blocked]) if (s.pending !== null) this.drain(s); }
    this.openQueued();
  }

  private onGoaway(lastId: number, code: number): void {
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

  private onWindowUpdate(id: number, inc: number): void {
    if (id === 0) {
      if (inc === 0) throw new H2ConnectionError(PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.sendWindow += inc;
      if (this.sendWindow > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "connection window overflow");
      if (this.blocked.size > 0) { for (const s of [...this.blocked]) if (s.pending !== null) this.drain(s); }
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
      return this.empty();
    }
    if (inc === 0) throw new H2StreamError(id, PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window overflow");
    if (s.pending !== null) this.drain(s);
  }

  /** Streams we have not opened (and every even id: push is off). */
  private isIdle(id: number): boolean {
    return (id & 1) === 0 || id >= this.nextId;
  }

  private onReset(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "RST_STREAM on an idle stream");
      return this.empty();
    }
    this.emptyFrames = 0;
    this.closeStream(s, CLOSED_BY_PEER_RESET);
    const unprocessed = code === REFUSED_STREAM;
    s.handler.onClose(s, { code, unprocessed, error: named(`upstream reset the stream (${code})`, unprocessed ? "ERR_HTTP2_STREAM_REFUSED" : "ERR_HTTP2_STREAM_ERROR") });
  }

  /** A frame on stream id that is not open: the error §5.1 gives it, or none (ignored, counted as empty). */
  private notOpen(id: number, what: string): void {
    if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on an idle stream`);
    const how = this.closedAs(id);
    if (how === CLOSED_ENDED) throw new H2ConnectionError(STREAM_CLOSED, `${what} on a closed stream`);
    this.empty(); // reset by us (frames in flight), by the peer, or long closed
  }

  private onData(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len > this.recvWindow) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "connection window exceeded");
    this.recvWindow -= len;
    this.recvUnacked += len;
    if (this.recvUnacked >= this.limits.connectionWindowSize / 2) {
      this.w.windowUpdate(0, this.recvUnacked);
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
      this.markDirty();
    }
    const s = this.streams.get(id);
    if (s === undefined) return this.notOpen(id, "DATA");
    if (s.remoteEnded) throw new H2StreamError(id, STREAM_CLOSED, "DATA after END_STREAM");
    if (!s.responded) throw new H2StreamError(id, PROTOCOL_ERROR, "DATA before the response HEADERS");
    if (len > s.recvWindow) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window exceeded");
    s.recvWindow -= len;
    framePayload(DATA, flags, id, buf, start, end);
    const st = body.start;
    const e = body.end;
    const endStream = (flags & END_STREAM) !== 0;
    if (e === st && !endStream) this.empty();
    else this.emptyFrames = 0;
    if (endStream) {
      s.remoteEnded = true;
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
    }
    s.handler.onData(s, buf, st, e, endStream);
    // Given back as read; a reader that falls behind pauses the stream (no WINDOW_UPDATE until it resumes).
    if (!endStream) this.consume(s, len);
  }

  private onHeaders(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    framePayload(HEADERS, flags, id, buf, start, end);
    const endStream = (flags & END_STREAM) !== 0;
    if ((flags & END_HEADERS) !== 0) return this.onHeaderBlock(id, buf, body.start, body.end, endStream);
    this.block = [Buffer.from(buf.subarray(body.start, body.end))];
    this.blockBytes = body.end - body.start;
    this.blockId = id;
    this.blockEnd = endStream;
    this.blockSince = sweepClock;
    this.continuations = 0;
  }

  private onContinuation(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (this.block === null || id !== this.blockId) throw new H2ConnectionError(PROTOCOL_ERROR, "CONTINUATION without its HEADERS");
    if (++this.continuations > this.limits.maxContinuations) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "CONTINUATION flood");
    this.blockBytes += end - start;
    this.block.push(Buffer.from(buf.subarray(start, end)));
    if ((flags & END_HEADERS) === 0) return;
    const whole = Buffer.concat(this.block);
    this.block = null;
    this.blockBytes = 0;
    this.onHeaderBlock(id, whole, 0, whole.length, this.blockEnd);
  }

  private onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean): void {
    // Decoded whatever becomes of the stream: the dynamic table must stay in step with the peer's encoder.
    const fields = this.decoder.decode(buf, start, end);
    const tooLarge = this.decoder.tooLarge;
    const never = this.decoder.neverIndexed;
    const s = this.streams.get(id);
    if (s === undefined) return this.notOpen(id, "HEADERS");
    if (s.remoteEnded) throw new H2StreamError(id, STREAM_CLOSED, "HEADERS after END_STREAM");
    if (tooLarge) throw new H2StreamError(id, PROTOCOL_ERROR, "response header list too large");
    if (s.responded) {
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
    s.responded = true;
    if (endStream) {
      s.remoteEnded = true;
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
    }
    s.handler.onResponse(s, status, fields, endStream, never);
  }
}
