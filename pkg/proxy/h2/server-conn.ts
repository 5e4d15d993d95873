// server-conn: one server-side HTTP/2 connection (RFC 9113) on own framing over a node:net (or TLS) socket —
// the connection preface and first SETTINGS, the stream state machine of §5.1 (idle, open, half-closed,
// closed; odd, increasing peer stream ids; recently closed streams remembered in a fixed ring so a late frame
// gets the right error, one on a stream closed too long ago ignored), SETTINGS (ranges, ACK, a timeout on
// the peer's ACK of ours), PING, GOAWAY (graceful: close() answers the streams already open, and on error),
// RST_STREAM, flow control both ways (windows bounded at 2^31-1, receive windows enforced,
// DATA queued while a send window is shut), request field validation (fields.ts) and content-length vs
// DATA, and the limits of limits.ts (concurrent streams, header list size and fields, CONTINUATION count,
// SETTINGS entries, unanswered ACKs, reset rate, session memory, empty frames).
// Everything written in one event-loop turn leaves in one socket write (flush-queue.ts).
// Takes a socket, limits and a handler; gives streams and the calls to answer on them. Must not: let a
// peer's bytes throw out of a socket callback, hold more than the limits allow, or open streams itself.
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
  SETTINGS_TIMEOUT,
  STREAM_CLOSED,
} from "./errors.ts";
import { checkRequest, checkTrailers, type RequestHead } from "./fields.ts";
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
  priorityDependency,
  RST_STREAM,
  SETTINGS,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  u32,
  WINDOW_UPDATE,
  writeHeaderBlock,
} from "./frames.ts";
import { queueFlush } from "./flush-queue.ts";
import { HpackDecoder } from "./hpack-decoder.ts";
import { defaultH2Limits, type H2Limits } from "./limits.ts";

/** One peer-opened stream. */
export class H2ServerStream {
  readonly id: number;
  readonly conn: H2ServerConn;
  readonly head: RequestHead;
  sendWindow: number;
  recvWindow: number;
  recvUnacked = 0;
  /** Body bytes received, checked against head.contentLength. */
  received = 0;
  remoteEnded = false;
  localEnded = false;
  headersSent = false;
  /** DATA waiting for a send window, its byte count, and whether END_STREAM follows it. */
  pending: Buffer[] | null = null;
  pendingBytes = 0;
  pendingEnd = false;
  /** false: the receive window reopens only as conn.consume(s, n) is called (back-pressure to the peer). */
  autoConsume = true;
  /** For the user. */
  data: unknown = undefined;
  constructor(conn: H2ServerConn, id: number, head: RequestHead, sendWindow: number, recvWindow: number) {
    this.conn = conn;
    this.id = id;
    this.head = head;
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }
}

export interface H2ServerHandler {
  /** A request's header list (validated; fields flat [name, value, …] including the pseudo-fields); `never`: the names the peer sent never-indexed. */
  onRequest(s: H2ServerStream, fields: string[], endStream: boolean, never: string[] | null): void;
  /** DATA payload buf[start, end): valid only during the call. */
  onData(s: H2ServerStream, buf: Buffer, start: number, end: number, endStream: boolean): void;
  /** Trailers (validated), which end the request. */
  onTrailers(s: H2ServerStream, fields: string[]): void;
  /** The stream was reset by the peer, or its connection went away before it ended. */
  onReset(s: H2ServerStream, code: number): void;
  /** DATA queued on s while its send window was shut has all gone out. */
  onWritable?(s: H2ServerStream): void;
}

/**
 * A content-length in trailers, as nghttp2 (node's face) reads it: a second one when the head had one, else
 * it must give the body's length (a stream error otherwise).
 */
function trailerLength(id: number, fields: readonly string[], headLength: number, received: number): void {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== "content-length") continue;
    const v = fields[i + 1]!;
    if (headLength >= 0 || !/^[0-9]{1,15}$/.test(v) || Number(v) !== received) throw new H2StreamError(id, PROTOCOL_ERROR, "content-length in trailers");
    headLength = received;
  }
}

/**
 * How a closed stream closed: a late frame on it is answered accordingly. NEVER_OPENED: an id below the
 * last one the peer used that it skipped (closed at once, §5.1.1); FORGOTTEN: its ring slot went to a
 * later stream, so how it closed is not known any more.
 */
const CLOSED_ENDED = 1, CLOSED_BY_PEER_RESET = 2, CLOSED_BY_US = 3, NEVER_OPENED = 4, FORGOTTEN = 5;
/** Closed streams remembered, in a ring by id (slot (id >> 1) % CLOSED_MEMORY, ids only growing in a slot). */
const CLOSED_MEMORY = 1024;

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Timeouts by one coarse sweep (every SWEEP_MS) over the live connections, not a timer per connection or
 * stream: a connection notes the sweep's clock when it goes idle or starts a header block (a number
 * store per request), and the sweep ends the ones past their limits.
 */
const SWEEP_MS = 250;
const live = new Set<H2ServerConn>();
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
function track(c: H2ServerConn): void {
  live.add(c);
  if (sweepTimer === undefined) {
    sweepClock = performance.now();
    sweepTimer = setInterval(sweep, SWEEP_MS);
    sweepTimer.unref();
  }
}

export class H2ServerConn {
  readonly socket: Socket;
  readonly limits: H2Limits;
  readonly streams = new Map<number, H2ServerStream>();
  private readonly h: H2ServerHandler;
  private readonly w = new FrameWriter();
  private isDirty = false;
  private readonly decoder: HpackDecoder;

  // Peer settings.
  private peerInitialWindow = 65535;
  private peerMaxFrame = MIN_MAX_FRAME;
  private peerMaxHeaderList = Infinity;
  private sendWindow = 65535;
  // Our receive side.
  private recvWindow: number;
  private recvUnacked = 0;
  private lastPeerId = 0;
  /** Ring of recently closed stream ids and how each closed (slot: (id >> 1) % CLOSED_MEMORY): no allocation. */
  private readonly closedIds = new Int32Array(CLOSED_MEMORY);
  private readonly closedHow = new Uint8Array(CLOSED_MEMORY);
  // Reading.
  private rest: Buffer | null = null;
  private prefaceLeft = PREFACE.length;
  private settingsSeen = false;
  private block: Buffer[] | null = null; // a header block waiting for CONTINUATION
  private blockBytes = 0;
  private blockId = 0;
  private blockEnd = false;
  private blockSelfDependent = false;
  private continuations = 0;
  // Limits' counters.
  private acksQueued = 0;
  private resetTokens: number;
  private resetStamp = performance.now();
  private emptyFrames = 0;
  private rejected = 0;
  private invalid = 0;
  private blocked = new Set<H2ServerStream>();
  private pendingBytes = 0;
  private readPaused = false;
  // Closing.
  private goawaySent = false;
  /** The sweep's clock when the last stream closed (or the connection opened), and when a header block began. */
  private idleSince = sweepClock;
  private blockSince = 0;
  /** Our SETTINGS not acknowledged yet (sent when the connection opened, at idleSince's first value). */
  private settingsUnacked = true;
  private settingsSince = sweepClock;
  closed = false;
  /** Why the connection ended with an error (its GOAWAY code), for tests and logs. */
  errorCode = -1;

  constructor(socket: Socket, handler: H2ServerHandler, limits: H2Limits = defaultH2Limits) {
    this.socket = socket;
    this.h = handler;
    this.limits = limits;
    this.decoder = new HpackDecoder(limits.headerTableSize, limits.maxHeaderListSize, limits.maxHeaderFields);
    this.recvWindow = limits.connectionWindowSize;
    this.resetTokens = limits.resetBurst;
    socket.setNoDelay?.(true);
    this.w.settings([
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
      [SETTINGS_INITIAL_WINDOW_SIZE, limits.initialWindowSize],
      [SETTINGS_MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
      ...(limits.headerTableSize !== 4096 ? [[SETTINGS_HEADER_TABLE_SIZE, limits.headerTableSize] as const] : []),
    ]);
    if (limits.connectionWindowSize > 65535) this.w.windowUpdate(0, limits.connectionWindowSize - 65535);
    else this.recvWindow = 65535;
    this.markDirty();
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("error", () => {});
    socket.on("close", () => this.gone());
    socket.on("drain", () => this.drained());
    // After track(): the sweep's clock is current (it stands still while no connection is live).
    track(this);
    this.idleSince = this.settingsSince = sweepClock;
  }

  // --- writing ---

  private markDirty(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    queueFlush(this);
  }

  /** Writes everything queued since the last flush in one socket write. */
  flush(): void {
    this.isDirty = false;
    if (this.closed) return;
    const chunk = this.w.take();
    if (chunk === null) return;
    this.socket.write(chunk);
    if (this.socket.writableLength === 0) this.acksQueued = 0;
    else if (this.socket.writableLength > this.limits.maxSessionMemory && !this.readPaused) {
      // The peer does not read what we write: stop reading what it sends until it does.
      this.readPaused = true;
      this.socket.pause();
    }
  }

  private drained(): void {
    this.acksQueued = 0;
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  /** Bytes this connection holds: unwritten output, DATA waiting for windows, a header block in progress. */
  memory(): number {
    return this.socket.writableLength + this.w.pending + this.pendingBytes + this.blockBytes + (this.rest?.length ?? 0);
  }

  private headerBlock(id: number, fields: readonly string[], endStream: boolean, never?: readonly string[]): void {
    writeHeaderBlock(this.w, id, fields, endStream, this.peerMaxFrame, never);
  }

  /** The answer's header list (":status" first); endStream when there is no body; names in `never` go never-indexed. */
  respond(s: H2ServerStream, fields: readonly string[], endStream: boolean, never?: readonly string[]): void {
    if (this.closed || s.localEnded || s.headersSent || this.streams.get(s.id) !== s) return;
    s.headersSent = true;
    this.headerBlock(s.id, fields, endStream, never);
    if (endStream) this.endLocal(s);
    this.markDirty();
  }

  /** Trailers, which end the answer (after any DATA still waiting for a window); names in `never` go never-indexed. */
  trailers(s: H2ServerStream, fields: readonly string[], never?: readonly string[]): void {
    if (this.closed || s.localEnded || this.streams.get(s.id) !== s) return;
    if (s.pending !== null) {
      // Trailers go after the queued DATA: kept as the queue's end.
      this.queueTrailers.set(s, fields);
      this.queueNever.set(s, never);
      return;
    }
    this.headerBlock(s.id, fields, true, never);
    this.endLocal(s);
    this.markDirty();
  }
  private readonly queueTrailers = new Map<H2ServerStream, readonly string[]>();
  private readonly queueNever = new Map<H2ServerStream, readonly string[] | undefined>();

  /**
   * DATA buf[start, end) on s, within the send windows (copied and queued while they are shut). Gives
   * false when the connection holds more than its session memory: the caller should wait.
   */
  write(s: H2ServerStream, buf: Buffer, start: number, end: number, endStream: boolean): boolean {
    if (this.closed || s.localEnded || this.streams.get(s.id) !== s) return false;
    const n = end - start;
    if (s.pending === null && n <= s.sendWindow && n <= this.sendWindow && n <= this.peerMaxFrame) {
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
    this.drain(s);
    return this.memory() <= this.limits.maxSessionMemory;
  }

  private drain(s: H2ServerStream): void {
    const q = s.pending!;
    while (q.length > 0) {
      const chunk = q[0]!;
      const room = Math.min(s.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (room <= 0 && chunk.length > 0) {
        this.blocked.add(s);
        this.markDirty();
        return;
      }
      const n = Math.max(0, Math.min(room, chunk.length)); // a window the peer shrank below 0 sends nothing
      const last = n === chunk.length && q.length === 1;
      this.w.data(s.id, chunk, 0, n, last && s.pendingEnd && !this.queueTrailers.has(s));
      s.sendWindow -= n;
      this.sendWindow -= n;
      s.pendingBytes -= n;
      this.pendingBytes -= n;
      if (n === chunk.length) q.shift();
      else q[0] = chunk.subarray(n);
    }
    s.pending = null;
    const wasBlocked = this.blocked.delete(s);
    const t = this.queueTrailers.get(s);
    if (t !== undefined) {
      this.queueTrailers.delete(s);
      const never = this.queueNever.get(s);
      this.queueNever.delete(s);
      this.headerBlock(s.id, t, true, never);
      this.endLocal(s);
    } else if (s.pendingEnd) this.endLocal(s);
    this.markDirty();
    if (wasBlocked) this.h.onWritable?.(s);
  }

  /** n bytes of s's DATA were used up: its receive window reopens by them (once half of it is used). */
  consume(s: H2ServerStream, n: number): void {
    if (this.closed || s.remoteEnded || n <= 0 || this.streams.get(s.id) !== s) return;
    s.recvUnacked += n;
    if (s.recvUnacked >= this.limits.initialWindowSize / 2) {
      this.w.windowUpdate(s.id, s.recvUnacked);
      s.recvWindow += s.recvUnacked;
      s.recvUnacked = 0;
      this.markDirty();
    }
  }

  /** RST_STREAM on s (no-op once the stream is gone). */
  reset(s: H2ServerStream, code: number): void {
    if (this.closed || this.streams.get(s.id) !== s) return;
    this.w.rstStream(s.id, code);
    this.close(s, CLOSED_BY_US);
    this.markDirty();
  }

  private endLocal(s: H2ServerStream): void {
    s.localEnded = true;
    if (s.remoteEnded) this.close(s, CLOSED_ENDED);
  }

  private close(s: H2ServerStream, how: number): void {
    if (!this.streams.delete(s.id)) return;
    this.remember(s.id, how);
    if (s.pending !== null) {
      this.pendingBytes -= s.pendingBytes;
      s.pending = null;
      s.pendingBytes = 0;
    }
    this.blocked.delete(s);
    this.queueTrailers.delete(s);
    this.queueNever.delete(s);
    if (this.streams.size === 0) {
      this.idleSince = sweepClock;
      if (this.goawaySent) this.end();
    }
  }

  /**
   * A slot only ever takes a higher id: a long-lived stream that closes after a later one of its slot is
   * not remembered (it reads as FORGOTTEN), and an id above the one its slot holds was never opened.
   */
  private remember(id: number, how: number): void {
    const slot = (id >>> 1) % CLOSED_MEMORY;
    if (id < this.closedIds[slot]!) return;
    this.closedIds[slot] = id;
    this.closedHow[slot] = how;
  }

  /** How stream id (not idle, not open) closed: one of the CLOSED_* kinds, NEVER_OPENED or FORGOTTEN. */
  private closedAs(id: number): number {
    const slot = (id >>> 1) % CLOSED_MEMORY;
    const held = this.closedIds[slot]!;
    return held === id ? this.closedHow[slot]! : held > id ? FORGOTTEN : NEVER_OPENED;
  }

  /** Graceful GOAWAY: no new stream is accepted, the open ones are answered, then the socket closes. */
  shutdown(): void {
    if (this.closed || this.goawaySent) return;
    this.goawaySent = true;
    this.w.goaway(this.lastPeerId, NO_ERROR);
    this.markDirty();
    if (this.streams.size === 0) this.end();
  }

  private end(): void {
    this.flush();
    this.closed = true;
    this.socket.end();
    this.gone();
  }

  /** GOAWAY with an error code, then the socket closes once written. */
  private fail(code: number): void {
    if (this.closed) return;
    this.errorCode = code;
    this.w.goaway(this.lastPeerId, code);
    this.goawaySent = true;
    this.end();
  }

  private streamError(id: number, code: number): void {
    if (code === REFUSED_STREAM || code === ENHANCE_YOUR_CALM ? ++this.rejected > this.limits.maxRejectedStreams : ++this.invalid > this.limits.maxInvalidFrames) {
      return this.fail(ENHANCE_YOUR_CALM);
    }
    const s = this.streams.get(id);
    this.w.rstStream(id, code);
    this.markDirty();
    if (s !== undefined) {
      this.close(s, CLOSED_BY_US);
      this.h.onReset(s, code);
    } else this.remember(id, CLOSED_BY_US);
  }

  // --- reading ---

  private read(chunk: Buffer): void {
    if (this.closed) return;
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let p = 0;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, buf.length);
      const at = PREFACE.length - this.prefaceLeft;
      if (buf.compare(PREFACE, at, at + n, 0, n) !== 0) return this.fail(PROTOCOL_ERROR);
      this.prefaceLeft -= n;
      p = n;
    }
    while (buf.length - p >= FRAME_HEADER && !this.closed) {
      const len = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
      if (len > MIN_MAX_FRAME) return this.fail(FRAME_SIZE_ERROR);
      if (buf.length - p - FRAME_HEADER < len) break;
      const id = ((buf[p + 5]! & 0x7f) << 24) | (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!;
      const start = p + FRAME_HEADER;
      p = start + len;
      try {
        this.frame(buf[start - 6]!, buf[start - 5]!, id, buf, start, p);
      } catch (e) {
        if (e instanceof H2StreamError) this.streamError(e.id, e.code);
        else if (e instanceof H2ConnectionError) return this.fail(e.code);
        else return this.fail(INTERNAL_ERROR);
      }
    }
    if (p < buf.length && !this.closed) this.rest = Buffer.from(buf.subarray(p));
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
        this.empty();
        if (priorityDependency(buf, start) === id) throw new H2StreamError(id, PROTOCOL_ERROR, "stream depends on itself");
        return;
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
        // The peer opens no more streams: finish the open ones, then close.
        if (!this.goawaySent) this.shutdown();
        return;
      case WINDOW_UPDATE:
        return this.onWindowUpdate(id, u32(buf, start) & 0x7fffffff);
      default:
        return this.empty(); // unknown frame types are ignored (§5.5)
    }
  }

  /** A frame that carries nothing: too many in a row is a flood. */
  private empty(): void {
    if (++this.emptyFrames > this.limits.maxEmptyFrames) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "empty frame flood");
  }

  /** A PING or SETTINGS ACK queued: too many the peer does not read is a flood. */
  private ack(): void {
    if (++this.acksQueued > this.limits.maxOutboundAcks) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "ACK flood");
    this.markDirty();
  }

  /** A stream the peer reset, or one we refused: past the token bucket is a rapid-reset attack. */
  private resetCounted(): void {
    const now = performance.now();
    this.resetTokens = Math.min(this.limits.resetBurst, this.resetTokens + ((now - this.resetStamp) / 1000) * this.limits.resetsPerSecond);
    this.resetStamp = now;
    if (this.resetTokens < 1) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "stream reset flood");
    this.resetTokens -= 1;
  }

  private onSettings(flags: number, buf: Buffer, start: number, end: number): void {
    if ((flags & ACK) !== 0) {
      if (this.settingsUnacked) this.settingsUnacked = false;
      else this.empty();
      return;
    }
    if ((end - start) / 6 > this.limits.maxSettingsEntries) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "too many settings");
    let grown = false;
    for (let p = start; p < end; p += 6) {
      const key = (buf[p]! << 8) | buf[p + 1]!;
      const v = u32(buf, p + 2);
      switch (key) {
        case SETTINGS_ENABLE_PUSH:
          if (v > 1) throw new H2ConnectionError(PROTOCOL_ERROR, "ENABLE_PUSH not 0 or 1");
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
        case SETTINGS_MAX_HEADER_LIST_SIZE:
          this.peerMaxHeaderList = v;
          break;
        default:
          break; // HEADER_TABLE_SIZE: our encoder keeps no table; MAX_CONCURRENT_STREAMS: we push nothing; unknown: ignored
      }
    }
    this.ack();
    this.w.settingsAck();
    // DATA a larger window lets out goes after the ACK (the peer reads them in that order).
    if (grown && this.blocked.size > 0) { for (const s of [...this.blocked]) if (s.pending !== null) this.drain(s); }
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
      return; // closed: may cross our end of it
    }
    if (inc === 0) throw new H2StreamError(id, PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window overflow");
    if (s.pending !== null) this.drain(s);
  }

  private isIdle(id: number): boolean {
    return (id & 1) === 0 ? true : id > this.lastPeerId;
  }

  private onReset(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "RST_STREAM on an idle stream");
      return;
    }
    this.close(s, CLOSED_BY_PEER_RESET);
    this.h.onReset(s, code);
    this.resetCounted();
  }

  /**
   * A frame on stream id that is not open: the error §5.1 gives it (DATA / HEADERS), or none (ignored).
   * A stream closed too long ago to be remembered is given the benefit of the doubt, as nghttp2 does: the
   * frame may have crossed our RST_STREAM (§5.1: it may be ignored).
   */
  private notOpen(id: number, what: string): void {
    if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on an idle stream`);
    const how = this.closedAs(id);
    if (how === NEVER_OPENED) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on a stream never opened`);
    if (how === CLOSED_BY_US || how === FORGOTTEN) return; // frames in flight when we reset it
    if (how === CLOSED_BY_PEER_RESET) throw new H2StreamError(id, STREAM_CLOSED, `${what} after RST_STREAM`);
    throw new H2ConnectionError(STREAM_CLOSED, `${what} on a closed stream`);
  }

  private onData(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    const len = end - start;
    // Flow control counts the whole payload, padding included (§6.9.1).
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
    if (len > s.recvWindow) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window exceeded");
    s.recvWindow -= len;
    framePayload(DATA, flags, id, buf, start, end);
    const st = body.start;
    const e = body.end;
    const endStream = (flags & END_STREAM) !== 0;
    if (e === st && !endStream) this.empty();
    else this.emptyFrames = 0;
    s.received += e - st;
    const cl = s.head.contentLength;
    if (cl >= 0 && (s.received > cl || (endStream && s.received !== cl))) throw new H2StreamError(id, PROTOCOL_ERROR, "content-length mismatch");
    if (endStream) s.remoteEnded = true;
    else this.consume(s, s.autoConsume ? len : len - (e - st)); // padding is consumed at once
    this.h.onData(s, buf, st, e, endStream);
    if (endStream && s.localEnded) this.close(s, CLOSED_ENDED);
  }

  private onHeaders(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    framePayload(HEADERS, flags, id, buf, start, end);
    this.emptyFrames = 0;
    const endStream = (flags & END_STREAM) !== 0;
    if ((flags & END_HEADERS) !== 0) return this.onHeaderBlock(id, buf, body.start, body.end, endStream, body.selfDependent);
    this.block = [Buffer.from(buf.subarray(body.start, body.end))];
    this.blockBytes = body.end - body.start;
    this.blockId = id;
    this.blockEnd = endStream;
    this.blockSince = sweepClock;
    this.blockSelfDependent = body.selfDependent;
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
    this.onHeaderBlock(id, whole, 0, whole.length, this.blockEnd, this.blockSelfDependent);
  }

  private onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean, selfDependent: boolean): void {
    // Decoded whatever becomes of the stream: the dynamic table must stay in step with the peer's encoder.
    const fields = this.decoder.decode(buf, start, end);
    const tooLarge = this.decoder.tooLarge;
    const never = this.decoder.neverIndexed;
    if (selfDependent) throw new H2StreamError(id, PROTOCOL_ERROR, "stream depends on itself");
    const s = this.streams.get(id);
    if (s !== undefined) {
      // Trailers: the last frame of the request.
      if (s.remoteEnded) throw new H2StreamError(id, STREAM_CLOSED, "HEADERS after END_STREAM");
      if (!endStream) throw new H2StreamError(id, PROTOCOL_ERROR, "trailers without END_STREAM");
      if (tooLarge) throw new H2StreamError(id, PROTOCOL_ERROR, "trailers too large");
      checkTrailers(id, fields);
      if (s.head.contentLength >= 0 && s.received !== s.head.contentLength) throw new H2StreamError(id, PROTOCOL_ERROR, "content-length mismatch");
      trailerLength(id, fields, s.head.contentLength, s.received);
      s.remoteEnded = true;
      this.h.onTrailers(s, fields);
      if (s.localEnded) this.close(s, CLOSED_ENDED);
      return;
    }
    if (!this.isIdle(id)) return this.notOpen(id, "HEADERS");
    if ((id & 1) === 0) throw new H2ConnectionError(PROTOCOL_ERROR, "even stream id from a client");
    this.lastPeerId = id;
    if (this.goawaySent) return this.remember(id, CLOSED_BY_US); // after GOAWAY: not processed (§6.8)
    if (this.streams.size >= this.limits.maxConcurrentStreams) {
      this.resetCounted();
      throw new H2StreamError(id, REFUSED_STREAM, "too many streams");
    }
    if (this.memory() > this.limits.maxSessionMemory) {
      this.resetCounted();
      throw new H2StreamError(id, ENHANCE_YOUR_CALM, "session memory");
    }
    if (tooLarge) {
      // As node:http2: 431, and the rest of the request is not read.
      this.resetCounted();
      if (++this.rejected > this.limits.maxRejectedStreams) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "too many rejected streams");
      this.headerBlock(id, [":status", "431"], true);
      if (!endStream) this.w.rstStream(id, NO_ERROR);
      this.remember(id, CLOSED_BY_US);
      this.markDirty();
      return;
    }
    const head = checkRequest(id, fields);
    if (endStream && head.contentLength > 0) throw new H2StreamError(id, PROTOCOL_ERROR, "content-length mismatch");
    const fresh = new H2ServerStream(this, id, head, this.peerInitialWindow, this.limits.initialWindowSize);
    this.streams.set(id, fresh);
    fresh.remoteEnded = endStream;
    this.h.onRequest(fresh, fields, endStream, never);
  }

  /**
   * Called by the sweep: an idle connection is closed gracefully; an unfinished header block (slowloris)
   * or our SETTINGS left unacknowledged (§6.5.3) end it with an error.
   */
  checkTimeouts(now: number): void {
    if (this.closed) {
      live.delete(this);
      return;
    }
    if (this.block !== null && now - this.blockSince > this.limits.headersTimeoutMs) return this.fail(PROTOCOL_ERROR);
    if (this.settingsUnacked && now - this.settingsSince > this.limits.settingsTimeoutMs) return this.fail(SETTINGS_TIMEOUT);
    if (this.streams.size === 0 && !this.goawaySent && now - this.idleSince > this.limits.idleTimeoutMs) this.shutdown();
  }

  /** The socket closed: every open stream is reset for the handler. */
  private gone(): void {
    live.delete(this);
    if (this.streams.size === 0 && this.closed) return;
    this.closed = true;
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    this.queueTrailers.clear();
    this.queueNever.clear();
    this.pendingBytes = 0;
    for (const s of open) this.h.onReset(s, CANCEL);
  }

  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE (Infinity unless it set one). */
  get peerHeaderListLimit(): number {
    return this.peerMaxHeaderList;
  }
}
