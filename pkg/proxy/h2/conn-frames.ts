// conn-frames: the reading side an own-framing HTTP/2 connection shares, server or client — the frame loop
// over socket chunks (the client preface when the side expects one, frame size, a frame split across
// chunks kept until whole), the first frame being SETTINGS, a header block not interrupted, SETTINGS (entry
// count, ranges, ACK), PING answers, WINDOW_UPDATE, HEADERS + CONTINUATION assembled into one block, the
// empty-frame and ACK flood bounds, and a connection error's GOAWAY. Takes socket chunks; gives the sides
// (server-conn.ts, client-conn.ts) whole frames by type through their on* methods. Must not: let a peer's
// bytes throw out of a socket callback, or know which side it is (the sides' methods do).
import type { Socket } from "node:net";
import type { H2ConnLimits } from "./conn-limits.ts";
import { H2ConnFlow } from "./conn-flow.ts";
import { sweepClock } from "./conn-sweep.ts";
import { ENHANCE_YOUR_CALM, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, H2ConnectionError, H2StreamError, INTERNAL_ERROR, NO_ERROR, PROTOCOL_ERROR, STREAM_CLOSED } from "./errors.ts";
import {
  ACK,
  body,
  checkFrameHeader,
  CONTINUATION,
  DATA,
  END_HEADERS,
  END_STREAM,
  FRAME_HEADER,
  framePayload,
  GOAWAY,
  HEADERS,
  MIN_MAX_FRAME,
  PING,
  PREFACE,
  PRIORITY,
  RST_STREAM,
  SETTINGS,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_FRAME_SIZE,
  u32,
  WINDOW_UPDATE,
} from "./frames.ts";
import { HpackDecoder } from "./hpack-decoder.ts";
import type { H2CoreStream } from "./stream-core.ts";

export abstract class H2ConnFrames<S extends H2CoreStream, L extends H2ConnLimits> extends H2ConnFlow<S, L> {
  protected readonly decoder: HpackDecoder;
  /** Bytes of the client connection preface still expected (a server's; 0 for a client). */
  protected prefaceLeft = 0;
  private settingsSeen = false;
  /** A header block waiting for CONTINUATION: its fragments, stream, END_STREAM, self-dependence, count, start. */
  protected block: Buffer[] | null = null;
  private blockId = 0;
  private blockEnd = false;
  private blockSelfDependent = false;
  private continuations = 0;
  protected blockSince = 0;
  /** Frames in a row that carried nothing. */
  protected emptyFrames = 0;
  protected goawaySent = false;
  /** The highest stream id the peer opened (a server's; stays 0 on a client): our GOAWAY's last stream id. */
  protected lastPeerId = 0;
  /**
   * A stream whose opening the side holds back while the rest of this read comes in (server-conn.ts: a request
   * whose body may arrive whole with its head); 0: none. Any frame but that stream's DATA, and the read's end,
   * give it over first (releaseHeld), so frames reach the handler in the order they came.
   */
  protected heldId = 0;
  /** Gives the held stream over (heldId is 0 after). */
  protected releaseHeld(): void {
    this.heldId = 0;
  }
  /** Why the connection ended with an error we raised (its GOAWAY code), for tests and logs. */
  errorCode = -1;

  /**
   * One read's bytes buf[0, n), valid only during the call (nothing of them is kept without a copy): what the
   * socket's "data" events are given to, or, when the creator feeds the reads itself (`fed`), what it calls.
   */
  readonly feed = (buf: Buffer, n: number): void => this.read(buf, n);

  /** `fed`: no "data" listener; the creator passes every read to feed() (front/h2-own-front.ts: user-buffer reads). */
  constructor(socket: Socket, limits: L, fed = false) {
    super(socket, limits);
    this.decoder = new HpackDecoder(limits.headerTableSize, limits.maxHeaderListSize, limits.maxHeaderFields);
    if (!fed) socket.on("data", (chunk: Buffer) => this.read(chunk, chunk.length));
    socket.on("close", () => this.gone());
    socket.on("drain", () => this.drained());
  }

  /** DATA buf[start, end) (padding stripped) on open stream s, past dataStream's checks; len: the whole payload (for the windows). */
  protected abstract onData(s: S, buf: Buffer, start: number, end: number, endStream: boolean, len: number): void;
  /** A whole header block (HEADERS, or HEADERS + CONTINUATION) for stream id, payload buf[start, end). */
  protected abstract onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean, selfDependent: boolean): void;
  protected abstract onReset(id: number, code: number): void;
  protected abstract onGoaway(lastId: number, code: number): void;
  /** A SETTINGS entry the shared part does not apply (INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE it does). */
  protected abstract peerSetting(key: number, v: number): void;
  /** A frame on stream id that is not open: the error §5.1 gives it, or none (ignored). */
  protected abstract notOpen(id: number, what: string): void;
  /** A stream error raised while reading: RST_STREAM and the stream's end. */
  protected abstract streamError(id: number, code: number, why: string): void;
  /** The socket closed (or we ended it): every open stream ends for its handler. */
  protected abstract gone(): void;

  /** A PRIORITY frame (already counted as empty). */
  protected onPriority(_id: number, _buf: Buffer, _start: number): void {}
  /** The peer's SETTINGS ACK. */
  protected settingsAcked(): void {
    this.empty();
  }
  /** Before and after a SETTINGS frame's entries are applied (before our ACK is queued: after it). */
  protected settingsBegin(): void {}
  protected settingsEnd(): void {}
  /** A connection error is about to end the connection (before its GOAWAY). */
  protected failing(_code: number, _why: string): void {}

  private read(chunk: Buffer, size: number): void {
    if (this.destroyed) return;
    let buf = chunk;
    let bufEnd = size;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk.subarray(0, size)]);
      bufEnd = buf.length;
      this.rest = null;
    }
    let p = 0;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, bufEnd);
      const at = PREFACE.length - this.prefaceLeft;
      if (buf.compare(PREFACE, at, at + n, 0, n) !== 0) return this.fail(PROTOCOL_ERROR, "connection preface");
      this.prefaceLeft -= n;
      p = n;
    }
    while (bufEnd - p >= FRAME_HEADER && !this.destroyed) {
      const len = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
      if (len > MIN_MAX_FRAME) return this.fail(FRAME_SIZE_ERROR, "frame larger than our SETTINGS_MAX_FRAME_SIZE");
      if (bufEnd - p - FRAME_HEADER < len) break;
      const id = ((buf[p + 5]! & 0x7f) << 24) | (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!;
      const start = p + FRAME_HEADER;
      p = start + len;
      const type = buf[start - 6]!;
      // A stream held back is given over before any frame but its own DATA.
      if (this.heldId !== 0 && (type !== DATA || id !== this.heldId) && (this.release() || this.destroyed)) return;
      try {
        this.frame(type, buf[start - 5]!, id, buf, start, p);
      } catch (e) {
        if (this.caught(e)) return;
      }
    }
    if (this.heldId !== 0 && !this.destroyed && this.release()) return;
    if (p < bufEnd && !this.destroyed) this.rest = Buffer.from(buf.subarray(p, bufEnd));
    if (this.pauseAfterRead && this.socket.writableLength + this.w.pending > this.limits.maxSessionMemory) this.pauseReading();
  }

  /** releaseHeld(), what it raises caught as a frame's errors are (true: stop reading). */
  private release(): boolean {
    try {
      this.releaseHeld();
      return false;
    } catch (e) {
      return this.caught(e);
    }
  }

  /** An error raised while reading: a stream error resets its stream; anything else ends the connection (true: stop reading). */
  private caught(e: unknown): boolean {
    if (e instanceof H2StreamError) {
      this.streamError(e.id, e.code, e.message);
      return false;
    }
    if (e instanceof H2ConnectionError) this.fail(e.code, e.message);
    else this.fail(INTERNAL_ERROR, "internal error");
    return true;
  }

  private frame(type: number, flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (!this.settingsSeen) {
      if (type !== SETTINGS || (flags & ACK) !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, "first frame is not SETTINGS");
      this.settingsSeen = true;
    }
    if (this.block !== null && type !== CONTINUATION) throw new H2ConnectionError(PROTOCOL_ERROR, "header block interrupted");
    checkFrameHeader(type, flags, id, end - start);
    switch (type) {
      case DATA: {
        const s = this.dataStream(flags, id, buf, start, end);
        if (s !== undefined) this.onData(s, buf, body.start, body.end, (flags & END_STREAM) !== 0, end - start);
        return;
      }
      case HEADERS:
        return this.onHeaders(flags, id, buf, start, end);
      case CONTINUATION:
        return this.onContinuation(flags, id, buf, start, end);
      case PRIORITY:
        this.empty();
        return this.onPriority(id, buf, start);
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
        return this.empty(); // unknown frame types are ignored (§5.5)
    }
  }

  /**
   * A DATA frame's checks either side makes: the connection's receive window (the whole payload, padding
   * included, §6.9.1), the stream open, not ended by the peer, past its head, within its receive window, the
   * padding (body holds the data's bounds), an empty one counted. Gives the stream, or undefined when the
   * frame is on a stream no longer open and ignored.
   */
  private dataStream(flags: number, id: number, buf: Buffer, start: number, end: number): S | undefined {
    const len = end - start;
    this.received(len);
    const s = this.streams.get(id);
    if (s === undefined) {
      this.notOpen(id, "DATA");
      return undefined;
    }
    if (s.remoteEnded) throw new H2StreamError(id, STREAM_CLOSED, "DATA after END_STREAM");
    if (s.awaitingHead) throw new H2StreamError(id, PROTOCOL_ERROR, "DATA before the response HEADERS");
    if (len > s.recvWindow) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window exceeded");
    s.recvWindow -= len;
    framePayload(DATA, flags, id, buf, start, end);
    if (body.end === body.start && (flags & END_STREAM) === 0) this.empty();
    else this.emptyFrames = 0;
    return s;
  }

  /** A frame that carries nothing: too many in a row is a flood. */
  protected empty(): void {
    if (++this.emptyFrames > this.limits.maxEmptyFrames) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "empty frame flood");
  }

  /** A PING or SETTINGS ACK queued: too many the peer does not read is a flood. */
  private ack(): void {
    if (++this.acksQueued > this.limits.maxOutboundAcks) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "ACK flood");
    this.markDirty();
  }

  private onSettings(flags: number, buf: Buffer, start: number, end: number): void {
    if ((flags & ACK) !== 0) return this.settingsAcked();
    if ((end - start) / 6 > this.limits.maxSettingsEntries) throw new H2ConnectionError(ENHANCE_YOUR_CALM, "too many settings");
    this.settingsBegin();
    let grown = false;
    for (let p = start; p < end; p += 6) {
      const key = (buf[p]! << 8) | buf[p + 1]!;
      const v = u32(buf, p + 2);
      switch (key) {
        case SETTINGS_INITIAL_WINDOW_SIZE:
          if (this.peerWindowSetting(v)) grown = true;
          break;
        case SETTINGS_MAX_FRAME_SIZE:
          if (v < MIN_MAX_FRAME || v > 0xffffff) throw new H2ConnectionError(PROTOCOL_ERROR, "MAX_FRAME_SIZE out of range");
          this.peerMaxFrame = v;
          break;
        default:
          this.peerSetting(key, v);
      }
    }
    this.ack();
    this.w.settingsAck();
    // DATA a larger window lets out goes after the ACK (the peer reads them in that order).
    if (grown) this.unblock();
    this.settingsEnd();
  }

  private onHeaders(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    framePayload(HEADERS, flags, id, buf, start, end);
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

  /** A header block unfinished past headersTimeoutMs at the sweep's `now` (slowloris) ends the connection. */
  protected blockTimedOut(now: number): boolean {
    if (this.block === null || now - this.blockSince <= this.limits.headersTimeoutMs) return false;
    this.fail(PROTOCOL_ERROR, "header block unfinished");
    return true;
  }

  /** Our GOAWAY (NO_ERROR unless one went already), what is queued flushed, then the socket ends. */
  protected end(): void {
    if (!this.goawaySent && !this.destroyed) {
      this.goawaySent = true;
      this.w.goaway(this.lastPeerId, NO_ERROR);
    }
    this.flush();
    this.destroyed = true;
    this.socket.end();
    this.gone();
  }

  /** A connection error we raise: GOAWAY with `code`, then the socket closes once written. */
  protected fail(code: number, why: string): void {
    if (this.destroyed) return;
    this.errorCode = code;
    this.failing(code, why);
    this.w.goaway(this.lastPeerId, code);
    this.goawaySent = true;
    this.end();
  }
}
