// frames (benchmark prototype, NOT production framing): one HTTP/2 connection (RFC 9113) over a node:net
// socket, client or server side — connection preface, SETTINGS and their ACK, HEADERS + CONTINUATION
// through HPACK (hpack.ts), DATA with flow control (send windows honoured, DATA queued while a window is
// shut; receive windows replenished with WINDOW_UPDATE once half is used), RST_STREAM, PING ACK, GOAWAY,
// END_STREAM. Everything written in one event-loop turn leaves in one socket write (setImmediate flush).
// Takes a socket and a handler; gives streams and the calls to answer on them. Exists to measure own
// framing against node:http2 (bench-h2-own-minimal.ts); it must not be used to carry real traffic.
// Omits what a production version needs (and what node:http2 / nghttp2 give today): full stream state
// machine checks (idle/half-closed/closed, frames on closed streams → STREAM_CLOSED, even/odd ids, HEADERS
// after END_STREAM), a MAX_HEADER_LIST_SIZE bound, rapid-reset accounting (RST_STREAM rate, streams reset
// before answered), CONTINUATION flood bound beyond one 64 kB block cap, SETTINGS/PING/empty-frame flood
// limits, WINDOW_UPDATE overflow (2^31-1) and zero-increment errors, padding checks, PRIORITY ignored
// without validation, graceful GOAWAY (last-stream id, drain), timeouts (idle, settings ACK, headers), a
// bound on data queued while the peer's window is shut (here: unbounded, and our receive windows are
// replenished as soon as DATA arrives, so no back-pressure reaches the sender), and h2spec, hostile-input
// tests and fuzzing.
import type { Socket } from "node:net";
import { encodeHeaders, HpackDecoder, type ByteSink } from "./hpack.ts";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
const END_STREAM = 1, ACK = 1, END_HEADERS = 4, PADDED = 8, PRIORITY = 0x20;
export const CANCEL = 8, PROTOCOL_ERROR = 1, REFUSED_STREAM = 7, COMPRESSION_ERROR = 9, FRAME_SIZE_ERROR = 6;

/** Our receive windows (stream and connection) and the most streams a peer may open at once. */
const LOCAL_WINDOW = 1 << 20;
const LOCAL_MAX_STREAMS = 256;
const MAX_FRAME = 16384;
/** A cap on one header block across CONTINUATION frames (a production version needs a list-size bound too). */
const MAX_BLOCK = 65536;

/** One HTTP/2 stream; `peer` is the stream it is relayed to (set by the user). */
export class H2Stream {
  sendWindow: number;
  recvUnacked = 0;
  localEnded = false;
  remoteEnded = false;
  /** DATA waiting for a send window, and whether END_STREAM follows it. */
  pending: Buffer[] | null = null;
  pendingEnd = false;
  peer: H2Stream | null = null;
  readonly conn: H2Conn;
  readonly id: number;
  constructor(conn: H2Conn, id: number) {
    this.conn = conn;
    this.id = id;
    this.sendWindow = conn.peerInitialWindow;
  }
}

export interface H2Handler {
  /** A peer opened a stream (server side). */
  onStream(s: H2Stream, fields: string[], endStream: boolean): void;
  /** HEADERS on an open stream (an answer, or trailers). */
  onHeaders(s: H2Stream, fields: string[], endStream: boolean): void;
  /** DATA payload buf[start, end): valid only during the call. */
  onData(s: H2Stream, buf: Buffer, start: number, end: number, endStream: boolean): void;
  /** The stream was reset by the peer, or its connection went away. */
  onReset(s: H2Stream, code: number): void;
  /** GOAWAY received, or the socket closed: open no more streams here. */
  onGoaway(conn: H2Conn): void;
}

const dirty: H2Conn[] = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

/** One HTTP/2 connection on a socket. */
export class H2Conn implements ByteSink {
  buf = Buffer.allocUnsafe(32768);
  pos = 0;
  private start = 0;
  private out: Buffer[] = [];
  private isDirty = false;

  readonly streams = new Map<number, H2Stream>();
  peerInitialWindow = 65535;
  private peerMaxFrame = 16384;
  private peerMaxStreams = Infinity;
  private sendWindow = 65535;
  private recvUnacked = 0;
  private nextId = 1;
  private lastPeerId = 0;
  private readonly decoder = new HpackDecoder();
  private rest: Buffer | null = null;
  private prefaceLeft: number;
  private block: Buffer[] | null = null; // a header block waiting for CONTINUATION
  private blockLen = 0;
  private blockId = 0;
  private blockEnd = false;
  private blocked = new Set<H2Stream>();
  /** Requests waiting for the peer's MAX_CONCURRENT_STREAMS. */
  private queued: { s: H2Stream; fields: string[]; end: boolean }[] = [];
  private opened = 0;
  closed = false;

  readonly socket: Socket;
  readonly server: boolean;
  private readonly h: H2Handler;
  constructor(socket: Socket, server: boolean, h: H2Handler) {
    this.socket = socket;
    this.server = server;
    this.h = h;
    this.prefaceLeft = server ? PREFACE.length : 0;
    socket.setNoDelay(true);
    if (!server) {
      this.ensure(PREFACE.length);
      this.pos += PREFACE.copy(this.buf, this.pos);
    }
    // SETTINGS: ENABLE_PUSH 0, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE; then the connection window.
    this.head(18, SETTINGS, 0, 0);
    this.setting(2, 0);
    this.setting(3, LOCAL_MAX_STREAMS);
    this.setting(4, LOCAL_WINDOW);
    this.windowUpdate(0, LOCAL_WINDOW - 65535);
    this.markDirty();
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("error", () => {});
    socket.on("close", () => this.gone());
  }

  // --- writing ---

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > this.start) this.out.push(this.buf.subarray(this.start, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(32768, n));
    this.pos = this.start = 0;
  }

  private head(len: number, type: number, flags: number, id: number): void {
    this.ensure(9 + len);
    const b = this.buf;
    let p = this.pos;
    b[p++] = len >>> 16;
    b[p++] = (len >>> 8) & 0xff;
    b[p++] = len & 0xff;
    b[p++] = type;
    b[p++] = flags;
    b[p++] = id >>> 24;
    b[p++] = (id >>> 16) & 0xff;
    b[p++] = (id >>> 8) & 0xff;
    b[p++] = id & 0xff;
    this.pos = p;
  }

  private u32(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  private setting(id: number, v: number): void {
    this.buf[this.pos++] = 0;
    this.buf[this.pos++] = id;
    this.u32(v);
  }

  private windowUpdate(id: number, n: number): void {
    this.head(4, WINDOW_UPDATE, 0, id);
    this.u32(n);
  }

  private markDirty(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    dirty.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  /** Writes everything queued since the last flush in one socket write. */
  flush(): void {
    this.isDirty = false;
    if (this.closed) return;
    let chunk: Buffer;
    if (this.out.length === 0) {
      if (this.pos === this.start) return;
      chunk = this.buf.subarray(this.start, this.pos);
    } else {
      if (this.pos > this.start) this.out.push(this.buf.subarray(this.start, this.pos));
      chunk = Buffer.concat(this.out);
      this.out = [];
    }
    this.start = this.pos;
    this.socket.write(chunk);
  }

  /** A header block as HEADERS (+ CONTINUATION when larger than the peer's frame size). */
  private headerBlock(id: number, fields: readonly string[], endStream: boolean): void {
    // Room for the whole block first, so that encodeHeaders never moves to a new buffer mid-block.
    let room = 9;
    for (let i = 0; i < fields.length; i++) room += fields[i]!.length + 12;
    this.ensure(room);
    const at = this.pos;
    this.pos += 9;
    encodeHeaders(this, fields);
    const len = this.pos - at - 9;
    if (len > this.peerMaxFrame) {
      // Rare: split into HEADERS + CONTINUATION frames.
      const block = Buffer.from(this.buf.subarray(at + 9, this.pos));
      this.pos = at;
      for (let off = 0; off < block.length;) {
        const n = Math.min(this.peerMaxFrame, block.length - off);
        const last = off + n === block.length;
        this.head(n, off === 0 ? HEADERS : CONTINUATION, (last ? END_HEADERS : 0) | (off === 0 && endStream ? END_STREAM : 0), id);
        this.pos += block.copy(this.buf, this.pos, off, off + n);
        off += n;
      }
      return;
    }
    const b = this.buf;
    b[at] = len >>> 16;
    b[at + 1] = (len >>> 8) & 0xff;
    b[at + 2] = len & 0xff;
    b[at + 3] = HEADERS;
    b[at + 4] = END_HEADERS | (endStream ? END_STREAM : 0);
    b[at + 5] = id >>> 24;
    b[at + 6] = (id >>> 16) & 0xff;
    b[at + 7] = (id >>> 8) & 0xff;
    b[at + 8] = id & 0xff;
  }

  // --- sending on streams ---

  /** Opens a client stream with a request's header list. */
  request(fields: string[], endStream: boolean): H2Stream {
    const s = new H2Stream(this, this.nextId);
    this.nextId += 2;
    if (this.opened >= this.peerMaxStreams) {
      this.queued.push({ s, fields, end: endStream });
      return s;
    }
    this.open(s, fields, endStream);
    return s;
  }

  private open(s: H2Stream, fields: string[], endStream: boolean): void {
    this.opened++;
    this.streams.set(s.id, s);
    this.sendHeaders(s, fields, endStream);
    if (s.pending !== null) this.drain(s);
  }

  sendHeaders(s: H2Stream, fields: readonly string[], endStream: boolean): void {
    if (this.closed || s.localEnded) return;
    if (!this.streams.has(s.id)) return; // a request still queued: trailers on it are dropped (prototype)
    this.headerBlock(s.id, fields, endStream);
    if (endStream) this.endLocal(s);
    this.markDirty();
  }

  /** DATA buf[start, end) on s, within the send windows (queued while they are shut). */
  sendData(s: H2Stream, buf: Buffer, start: number, end: number, endStream: boolean): void {
    if (this.closed || s.localEnded) return;
    const n = end - start;
    if (s.pending === null && this.streams.has(s.id) && n <= s.sendWindow && n <= this.sendWindow && n <= this.peerMaxFrame) {
      this.head(n, DATA, endStream ? END_STREAM : 0, s.id);
      this.pos += buf.copy(this.buf, this.pos, start, end);
      s.sendWindow -= n;
      this.sendWindow -= n;
      if (endStream) this.endLocal(s);
      this.markDirty();
      return;
    }
    (s.pending ??= []).push(Buffer.from(buf.subarray(start, end)));
    if (endStream) s.pendingEnd = true;
    if (this.streams.has(s.id)) this.drain(s);
  }

  private drain(s: H2Stream): void {
    const q = s.pending!;
    while (q.length > 0) {
      const chunk = q[0]!;
      const room = Math.min(s.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (room <= 0 && chunk.length > 0) {
        this.blocked.add(s);
        this.markDirty();
        return;
      }
      const n = Math.min(room, chunk.length);
      const last = n === chunk.length && q.length === 1;
      this.head(n, DATA, last && s.pendingEnd ? END_STREAM : 0, s.id);
      this.pos += chunk.copy(this.buf, this.pos, 0, n);
      s.sendWindow -= n;
      this.sendWindow -= n;
      if (n === chunk.length) q.shift();
      else q[0] = chunk.subarray(n);
    }
    s.pending = null;
    this.blocked.delete(s);
    if (s.pendingEnd) this.endLocal(s);
    this.markDirty();
  }

  /** RST_STREAM on s (no-op once the stream is gone). */
  reset(s: H2Stream, code: number): void {
    if (this.closed || !this.streams.has(s.id)) return;
    this.head(4, RST_STREAM, 0, s.id);
    this.u32(code);
    this.close(s);
    this.markDirty();
  }

  private endLocal(s: H2Stream): void {
    s.localEnded = true;
    if (s.remoteEnded) this.close(s);
  }

  private endRemote(s: H2Stream): void {
    s.remoteEnded = true;
    if (s.localEnded) this.close(s);
  }

  private close(s: H2Stream): void {
    if (!this.streams.delete(s.id)) return;
    this.blocked.delete(s);
    this.opened--;
    const q = this.queued.shift();
    if (q !== undefined) this.open(q.s, q.fields, q.end);
  }

  /** GOAWAY with an error code, then the socket closes once written. */
  goaway(code: number): void {
    if (this.closed) return;
    this.head(8, GOAWAY, 0, 0);
    this.u32(this.lastPeerId);
    this.u32(code);
    this.flush();
    this.closed = true;
    this.socket.end();
    this.gone();
  }

  // --- reading ---

  private read(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let p = 0;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, buf.length);
      const at = PREFACE.length - this.prefaceLeft;
      if (buf.compare(PREFACE, at, at + n, 0, n) !== 0) return this.goaway(PROTOCOL_ERROR);
      this.prefaceLeft -= n;
      p = n;
    }
    try {
      while (buf.length - p >= 9 && !this.closed) {
        const len = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
        if (len > MAX_FRAME) return this.goaway(FRAME_SIZE_ERROR);
        if (buf.length - p - 9 < len) break;
        const id = ((buf[p + 5]! & 0x7f) << 24) | (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!;
        this.frame(buf[p + 3]!, buf[p + 4]!, id, buf, p + 9, p + 9 + len);
        p += 9 + len;
      }
    } catch {
      return this.goaway(COMPRESSION_ERROR);
    }
    if (p < buf.length && !this.closed) this.rest = buf.subarray(p);
  }

  private frame(type: number, flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (this.block !== null && type !== CONTINUATION) return this.goaway(PROTOCOL_ERROR);
    switch (type) {
      case DATA:
        return this.onData(flags, id, buf, start, end);
      case HEADERS: {
        if (id === 0) return this.goaway(PROTOCOL_ERROR);
        let s = start;
        let e = end;
        if ((flags & PADDED) !== 0) e -= buf[s++]!;
        if ((flags & PRIORITY) !== 0) s += 5;
        if (s > e) return this.goaway(PROTOCOL_ERROR);
        if ((flags & END_HEADERS) !== 0) return this.onHeaderBlock(id, buf, s, e, (flags & END_STREAM) !== 0);
        this.block = [Buffer.from(buf.subarray(s, e))];
        this.blockLen = e - s;
        this.blockId = id;
        this.blockEnd = (flags & END_STREAM) !== 0;
        return;
      }
      case CONTINUATION: {
        if (this.block === null || id !== this.blockId) return this.goaway(PROTOCOL_ERROR);
        this.blockLen += end - start;
        if (this.blockLen > MAX_BLOCK) return this.goaway(PROTOCOL_ERROR);
        this.block.push(Buffer.from(buf.subarray(start, end)));
        if ((flags & END_HEADERS) === 0) return;
        const whole = Buffer.concat(this.block);
        this.block = null;
        return this.onHeaderBlock(id, whole, 0, whole.length, this.blockEnd);
      }
      case RST_STREAM: {
        const s = this.streams.get(id);
        if (s === undefined) return;
        this.close(s);
        this.h.onReset(s, buf.readUInt32BE(start));
        return;
      }
      case SETTINGS:
        if ((flags & ACK) !== 0) return;
        if ((end - start) % 6 !== 0 || id !== 0) return this.goaway(FRAME_SIZE_ERROR);
        for (let p = start; p < end; p += 6) this.setSetting(buf.readUInt16BE(p), buf.readUInt32BE(p + 2));
        this.head(0, SETTINGS, ACK, 0);
        this.markDirty();
        return;
      case PING:
        if ((flags & ACK) !== 0) return;
        if (end - start !== 8) return this.goaway(FRAME_SIZE_ERROR);
        this.head(8, PING, ACK, 0);
        this.pos += buf.copy(this.buf, this.pos, start, end);
        this.markDirty();
        return;
      case GOAWAY:
        this.h.onGoaway(this);
        return;
      case WINDOW_UPDATE: {
        const inc = buf.readUInt32BE(start) & 0x7fffffff;
        if (id === 0) {
          this.sendWindow += inc;
          for (const s of [...this.blocked]) this.drain(s);
          return;
        }
        const s = this.streams.get(id);
        if (s === undefined) return;
        s.sendWindow += inc;
        if (s.pending !== null) this.drain(s);
        return;
      }
      case PUSH_PROMISE:
        return this.goaway(PROTOCOL_ERROR);
      default:
        return; // PRIORITY and unknown frame types are ignored
    }
  }

  private setSetting(key: number, v: number): void {
    if (key === 3) this.peerMaxStreams = v;
    else if (key === 4) {
      const delta = v - this.peerInitialWindow;
      this.peerInitialWindow = v;
      for (const s of this.streams.values()) {
        s.sendWindow += delta;
        if (s.pending !== null && delta > 0) this.drain(s);
      }
    } else if (key === 5) this.peerMaxFrame = v;
  }

  private onHeaderBlock(id: number, buf: Buffer, start: number, end: number, endStream: boolean): void {
    const fields = this.decoder.decode(buf, start, end);
    const s = this.streams.get(id);
    if (s !== undefined) {
      this.h.onHeaders(s, fields, endStream);
      if (endStream) this.endRemote(s);
      return;
    }
    if (!this.server || (id & 1) === 0 || id <= this.lastPeerId) return; // trailers of a reset stream, etc.
    this.lastPeerId = id;
    const fresh = new H2Stream(this, id);
    if (this.opened >= LOCAL_MAX_STREAMS) {
      this.head(4, RST_STREAM, 0, id);
      this.u32(REFUSED_STREAM);
      this.markDirty();
      return;
    }
    this.opened++;
    this.streams.set(id, fresh);
    if (endStream) fresh.remoteEnded = true;
    this.h.onStream(fresh, fields, endStream);
  }

  private onData(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    const len = end - start;
    this.recvUnacked += len;
    if (this.recvUnacked >= LOCAL_WINDOW / 2) {
      this.windowUpdate(0, this.recvUnacked);
      this.recvUnacked = 0;
      this.markDirty();
    }
    const s = this.streams.get(id);
    if (s === undefined) return;
    let st = start;
    let e = end;
    if ((flags & PADDED) !== 0) e -= buf[st++]!;
    const endStream = (flags & END_STREAM) !== 0;
    if (!endStream) {
      s.recvUnacked += len;
      if (s.recvUnacked >= LOCAL_WINDOW / 2) {
        this.windowUpdate(id, s.recvUnacked);
        s.recvUnacked = 0;
        this.markDirty();
      }
    }
    this.h.onData(s, buf, st, e, endStream);
    if (endStream) this.endRemote(s);
  }

  private gone(): void {
    this.closed = true;
    this.h.onGoaway(this);
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const s of open) this.h.onReset(s, CANCEL);
    for (const q of this.queued) this.h.onReset(q.s, CANCEL);
    this.queued = [];
  }
}
