// server-conn: one server-side HTTP/2 connection (RFC 9113) on own framing over a node:net (or TLS) socket,
// the server's part on the shared connection core (conn-frames.ts over conn-flow.ts over conn-io.ts: frame
// loop, SETTINGS/PING, windows, writes) — the connection preface and first SETTINGS, the stream state
// machine of §5.1 (idle, open, half-closed, closed; odd, increasing peer stream ids; recently closed
// streams remembered in a fixed ring so a late frame gets the right error, one on a stream closed too long
// ago ignored), a timeout on the peer's ACK of our SETTINGS, GOAWAY (graceful: close() answers the streams
// already open), RST_STREAM, receive windows that reopen as a stream's data is consumed, request field
// validation (fields.ts) and content-length vs DATA, and the server's limits of limits.ts (concurrent
// streams, reset rate, rejected and invalid streams, idle and SETTINGS timeouts). For a handler with
// onWholeRequest, a request with a body is held back while the rest of its read comes in, so one whose body
// ends there (a gRPC unary call) reaches it whole in one call: no body stream, no DATA callbacks.
// Takes a socket, limits and a handler; gives streams and the calls to answer on them. Must not: let a
// peer's bytes throw out of a socket callback, hold more than the limits allow, or open streams itself.
import type { Socket } from "node:net";
import { H2ConnFrames } from "./conn-frames.ts";
import { sweepClock, track, untrack } from "./conn-sweep.ts";
import {
  CANCEL,
  ENHANCE_YOUR_CALM,
  H2ConnectionError,
  H2StreamError,
  NO_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  SETTINGS_TIMEOUT,
  STREAM_CLOSED,
} from "./errors.ts";
import { checkRequest, checkTrailers, type RequestHead } from "./fields.ts";
import {
  PREFACE,
  priorityDependency,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  writeHeaderBlock,
} from "./frames.ts";
import { defaultH2Limits, type H2Limits } from "./limits.ts";
import { CLOSED_BY_PEER_RESET, CLOSED_BY_US, CLOSED_ENDED, H2CoreStream } from "./stream-core.ts";

/** One peer-opened stream. */
export class H2ServerStream extends H2CoreStream {
  readonly conn: H2ServerConn;
  readonly head: RequestHead;
  /** Body bytes received, checked against head.contentLength. */
  received = 0;
  headersSent = false;
  /** false: the receive window reopens only as conn.consume(s, n) is called (back-pressure to the peer). */
  autoConsume = true;
  constructor(conn: H2ServerConn, id: number, head: RequestHead, sendWindow: number, recvWindow: number) {
    super();
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
  /**
   * Optional: a request whose body came whole in the same read as its head (HEADERS, then DATA up to
   * END_STREAM; a gRPC unary call's usual arrival), in one call: `body` is the handler's own copy, no onData
   * follows and the request is over (no trailers). With this method a request with a body reaches the handler
   * once the read it arrived in is taken in (or a frame that is not its DATA comes first); one whose body
   * did not end in that read comes as onRequest, its DATA so far as one onData. Without it: onRequest at
   * the HEADERS, as they come.
   */
  onWholeRequest?(s: H2ServerStream, fields: string[], never: string[] | null, body: Buffer): void;
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
 * How a closed stream closed, beyond stream-core.ts' kinds: a late frame on it is answered accordingly.
 * NEVER_OPENED: an id below the last one the peer used that it skipped (closed at once, §5.1.1); FORGOTTEN:
 * its ring slot went to a later stream, so how it closed is not known any more.
 */
const NEVER_OPENED = 4, FORGOTTEN = 5;
const EMPTY_BODY: Buffer = Buffer.alloc(0);
/** Closed streams remembered, in a ring by id (slot (id >> 1) % CLOSED_MEMORY, ids only growing in a slot). */
const CLOSED_MEMORY = 1024;

/** Timeouts (idle, header block, SETTINGS ACK) by the shared coarse sweep (conn-sweep.ts). */
export class H2ServerConn extends H2ConnFrames<H2ServerStream, H2Limits> {
  private readonly h: H2ServerHandler;
  // Peer settings beyond the shared ones.
  private peerMaxHeaderList = Infinity;
  /** Ring of recently closed stream ids and how each closed (slot: (id >> 1) % CLOSED_MEMORY): no allocation. */
  private readonly closedIds = new Int32Array(CLOSED_MEMORY);
  private readonly closedHow = new Uint8Array(CLOSED_MEMORY);
  // Limits' counters.
  private resetTokens: number;
  private resetStamp = performance.now();
  private rejected = 0;
  private invalid = 0;
  /** The sweep's clock when the last stream closed (or the connection opened). */
  private idleSince = sweepClock;
  /** The request held back (heldId, conn-frames.ts; onWholeRequest): its stream, fields, never-indexed names, and its DATA so far (a copy). */
  private heldStream: H2ServerStream | null = null;
  private heldFields: string[] | null = null;
  private heldNever: string[] | null = null;
  private heldBody: Buffer | null = null;
  /** Our SETTINGS not acknowledged yet (sent when the connection opened, at idleSince's first value). */
  private settingsUnacked = true;
  private settingsSince = sweepClock;

  /** `fed`: the creator passes every read to feed() itself (no "data" listener; conn-frames.ts). */
  constructor(socket: Socket, handler: H2ServerHandler, limits: H2Limits = defaultH2Limits, fed = false) {
    super(socket, limits, fed);
    this.h = handler;
    this.prefaceLeft = PREFACE.length;
    this.resetTokens = limits.resetBurst;
    socket.setNoDelay?.(true);
    this.opening([
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
      [SETTINGS_INITIAL_WINDOW_SIZE, limits.initialWindowSize],
      [SETTINGS_MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
      ...(limits.headerTableSize !== 4096 ? [[SETTINGS_HEADER_TABLE_SIZE, limits.headerTableSize] as const] : []),
    ]);
    socket.on("error", () => {});
    // After track(): the sweep's clock is current (it stands still while no connection is live).
    track(this);
    this.idleSince = this.settingsSince = sweepClock;
  }

  /** Ended (the socket closed or is closing): nothing more is answered. */
  get closed(): boolean {
    return this.destroyed;
  }

  // --- writing ---

  private headerBlock(id: number, fields: readonly string[], endStream: boolean, never?: readonly string[]): void {
    writeHeaderBlock(this.w, id, fields, endStream, this.peerMaxFrame, never);
  }

  /** The answer's header list (":status" first); endStream when there is no body; names in `never` go never-indexed. */
  respond(s: H2ServerStream, fields: readonly string[], endStream: boolean, never?: readonly string[]): void {
    if (this.destroyed || s.localEnded || s.headersSent || this.streams.get(s.id) !== s) return;
    s.headersSent = true;
    this.headerBlock(s.id, fields, endStream, never);
    if (endStream) this.endLocal(s);
    this.markDirty();
  }

  /** Trailers, which end the answer (after any DATA still waiting for a window); names in `never` go never-indexed. */
  trailers(s: H2ServerStream, fields: readonly string[], never?: readonly string[]): void {
    if (this.destroyed || s.localEnded || this.streams.get(s.id) !== s) return;
    if (s.pending !== null) {
      // Trailers go after the queued DATA: kept as the queue's end.
      s.endTrailers = fields;
      s.endNever = never;
      return;
    }
    this.headerBlock(s.id, fields, true, never);
    this.endLocal(s);
    this.markDirty();
  }

  /** n bytes of s's DATA were used up: its receive window reopens by them (once half of it is used). */
  consume(s: H2ServerStream, n: number): void {
    if (this.destroyed || s.remoteEnded || n <= 0 || this.streams.get(s.id) !== s) return;
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
    if (this.destroyed || this.streams.get(s.id) !== s) return;
    this.w.rstStream(s.id, code);
    this.closeStream(s, CLOSED_BY_US);
    this.markDirty();
  }

  protected closeStream(s: H2ServerStream, how: number): void {
    if (!this.streams.delete(s.id)) return;
    this.remember(s.id, how);
    this.dropPending(s);
    if (this.streams.size === 0) {
      this.idleSince = sweepClock;
      if (this.goawaySent) this.end();
    }
  }

  protected writable(s: H2ServerStream): void {
    this.h.onWritable?.(s);
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
    if (this.destroyed || this.goawaySent) return;
    this.goawaySent = true;
    this.w.goaway(this.lastPeerId, NO_ERROR);
    this.markDirty();
    if (this.streams.size === 0) this.end();
  }

  protected streamError(id: number, code: number, _why: string): void {
    if (code === REFUSED_STREAM || code === ENHANCE_YOUR_CALM ? ++this.rejected > this.limits.maxRejectedStreams : ++this.invalid > this.limits.maxInvalidFrames) {
      return this.fail(ENHANCE_YOUR_CALM, "too many stream errors");
    }
    const s = this.streams.get(id);
    this.w.rstStream(id, code);
    this.markDirty();
    if (s !== undefined) {
      this.closeStream(s, CLOSED_BY_US);
      this.h.onReset(s, code);
    } else this.remember(id, CLOSED_BY_US);
  }

  // --- reading ---

  protected override onPriority(id: number, buf: Buffer, start: number): void {
    if (priorityDependency(buf, start) === id) throw new H2StreamError(id, PROTOCOL_ERROR, "stream depends on itself");
  }

  /** The peer opens no more streams: finish the open ones, then close. */
  protected onGoaway(_lastId: number, _code: number): void {
    if (!this.goawaySent) this.shutdown();
  }

  protected lateFrame(): void {}

  /** A stream the peer reset, or one we refused: past the token bucket is a rapid-reset attack. */
  private resetCounted(): void {
    const now = performance.now();
    this.resetTokens = Math.min(this.limits.resetBurst, this.resetTokens + ((now - this.resetStamp) / 1000) * this.limits.resetsPerSecond);
    this.resetStamp = now;
    if (this.resetTokens < 1) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "stream reset flood");
    this.resetTokens -= 1;
  }

  protected override settingsAcked(): void {
    if (this.settingsUnacked) this.settingsUnacked = false;
    else this.empty();
  }

  protected peerSetting(key: number, v: number): void {
    switch (key) {
      case SETTINGS_ENABLE_PUSH:
        if (v > 1) throw new H2ConnectionError(PROTOCOL_ERROR, "ENABLE_PUSH not 0 or 1");
        break;
      case SETTINGS_MAX_HEADER_LIST_SIZE:
        this.peerMaxHeaderList = v;
        break;
      default:
        break; // HEADER_TABLE_SIZE: our encoder keeps no table; MAX_CONCURRENT_STREAMS: we push nothing; unknown: ignored
    }
  }

  protected isIdle(id: number): boolean {
    return (id & 1) === 0 ? true : id > this.lastPeerId;
  }

  protected onReset(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "RST_STREAM on an idle stream");
      return this.lateFrame();
    }
    this.closeStream(s, CLOSED_BY_PEER_RESET);
    this.h.onReset(s, code);
    this.resetCounted();
  }

  /**
   * A frame on stream id that is not open: the error §5.1 gives it (DATA / HEADERS), or none (ignored).
   * A stream closed too long ago to be remembered is given the benefit of the doubt, as nghttp2 does: the
   * frame may have crossed our RST_STREAM (§5.1: it may be ignored).
   */
  protected notOpen(id: number, what: string): void {
    if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on an idle stream`);
    const how = this.closedAs(id);
    if (how === NEVER_OPENED) throw new H2ConnectionError(PROTOCOL_ERROR, `${what} on a stream never opened`);
    if (how === CLOSED_BY_US || how === FORGOTTEN) return; // frames in flight when we reset it
    if (how === CLOSED_BY_PEER_RESET) throw new H2StreamError(id, STREAM_CLOSED, `${what} after RST_STREAM`);
    throw new H2ConnectionError(STREAM_CLOSED, `${what} on a closed stream`);
  }

  protected onData(s: H2ServerStream, buf: Buffer, st: number, e: number, endStream: boolean, len: number): void {
    const id = s.id;
    s.received += e - st;
    const cl = s.head.contentLength;
    if (cl >= 0 && (s.received > cl || (endStream && s.received !== cl))) throw new H2StreamError(id, PROTOCOL_ERROR, "content-length mismatch");
    if (s === this.heldStream) {
      // Held with its request: its window reopens once the handler has it (releaseHeld), padding at once.
      if (endStream) s.remoteEnded = true;
      else this.consume(s, len - (e - st));
      if (e > st) this.hold(buf, st, e);
      return;
    }
    if (endStream) s.remoteEnded = true;
    else this.consume(s, s.autoConsume ? len : len - (e - st)); // padding is consumed at once
    this.h.onData(s, buf, st, e, endStream);
    if (endStream && s.localEnded) this.closeStream(s, CLOSED_ENDED);
  }

  /** DATA bytes of the held request, copied (the read's buffer is not ours past the read). */
  private hold(buf: Buffer, st: number, e: number): void {
    const prior = this.heldBody;
    const c = Buffer.allocUnsafe((prior?.length ?? 0) + e - st);
    let at = 0;
    if (prior !== null) at = prior.copy(c, 0);
    buf.copy(c, at, st, e);
    this.heldBody = c;
  }

  /**
   * The held request goes to the handler: whole (onWholeRequest) when its body ended in the read, else as
   * onRequest and its DATA so far; nothing when the stream was reset or the connection ended meanwhile.
   */
  protected override releaseHeld(): void {
    const s = this.heldStream!;
    const fields = this.heldFields!;
    const never = this.heldNever;
    const body = this.heldBody;
    this.dropHeld();
    if (this.destroyed || this.streams.get(s.id) !== s) return;
    if (s.remoteEnded) return this.h.onWholeRequest!(s, fields, never, body ?? EMPTY_BODY);
    this.h.onRequest(s, fields, false, never);
    if (body === null || this.destroyed || this.streams.get(s.id) !== s) return;
    if (s.autoConsume) this.consume(s, body.length);
    this.h.onData(s, body, 0, body.length, false);
  }

  protected onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean, selfDependent: boolean): void {
    this.emptyFrames = 0;
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
      if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
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
    if (!endStream && this.h.onWholeRequest !== undefined) {
      // Held while the rest of this read comes in: its body may be here whole (releaseHeld).
      this.heldId = id;
      this.heldStream = fresh;
      this.heldFields = fields;
      this.heldNever = never;
      return;
    }
    this.h.onRequest(fresh, fields, endStream, never);
  }

  /**
   * Called by the sweep: an idle connection is closed gracefully; an unfinished header block (slowloris)
   * or our SETTINGS left unacknowledged (§6.5.3) end it with an error.
   */
  checkTimeouts(now: number): void {
    if (this.destroyed) {
      untrack(this);
      return;
    }
    if (this.blockTimedOut(now)) return;
    if (this.settingsUnacked && now - this.settingsSince > this.limits.settingsTimeoutMs) return this.fail(SETTINGS_TIMEOUT, "SETTINGS not acknowledged");
    if (this.streams.size === 0 && !this.goawaySent && now - this.idleSince > this.limits.idleTimeoutMs) this.shutdown();
  }

  /** Forgets the held request (releaseHeld hands it on first; gone() only drops it). */
  private dropHeld(): void {
    this.heldId = 0;
    this.heldStream =
      this.heldFields =
      this.heldNever =
      this.heldBody =
        null;
  }

  /** The socket closed: every open stream is reset for the handler. */
  protected gone(): void {
    untrack(this);
    this.dropHeld();
    if (this.streams.size === 0 && this.destroyed) return;
    this.destroyed = true;
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    this.pendingBytes = 0;
    for (const s of open) this.h.onReset(s, CANCEL);
  }

  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE (Infinity unless it set one). */
  get peerHeaderListLimit(): number {
    return this.peerMaxHeaderList;
  }
}
