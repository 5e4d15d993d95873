// frames: the HTTP/2 frame codec (RFC 9113 §4, §6) — frame types and flags, the frame-level checks that need
// only a frame's header and payload (stream id 0 or not, fixed lengths, SETTINGS ACK length, padding within
// the payload, a stream depending on itself), and a frame writer that serializes into one growing buffer
// so everything written in one event-loop turn leaves in one socket write (the caller flushes).
// Takes frame headers and payload bytes (reading) or frame fields (writing); gives payload bounds on a
// reused object and bytes in the writer. Must not: throw anything but H2ConnectionError / H2StreamError,
// allocate per frame when reading, or know about stream states (the connection does).
import { FRAME_SIZE_ERROR, H2ConnectionError, H2StreamError, PROTOCOL_ERROR } from "./errors.ts";
import { encodeHeaders, fieldRoom, type ByteSink } from "./hpack-encoder.ts";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const DATA = 0x0, HEADERS = 0x1, PRIORITY = 0x2, RST_STREAM = 0x3, SETTINGS = 0x4, PUSH_PROMISE = 0x5, PING = 0x6, GOAWAY = 0x7, WINDOW_UPDATE = 0x8, CONTINUATION = 0x9;
export const END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY_FLAG = 0x20;
export const FRAME_HEADER = 9;
/** The frame size every peer must accept (SETTINGS_MAX_FRAME_SIZE's initial value and floor). */
export const MIN_MAX_FRAME = 16384;
export const MAX_WINDOW = 0x7fffffff;

export const SETTINGS_HEADER_TABLE_SIZE = 0x1, SETTINGS_ENABLE_PUSH = 0x2, SETTINGS_MAX_CONCURRENT_STREAMS = 0x3, SETTINGS_INITIAL_WINDOW_SIZE = 0x4, SETTINGS_MAX_FRAME_SIZE = 0x5,
  SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

const connErr = (code: number, why: string): never => {
  throw new H2ConnectionError(code, why);
};

/**
 * The checks of §6 on a frame's header alone (type, flags, stream id, length) for frames either side receives (a
 * PUSH_PROMISE too: our client disables push).
 * Unknown types pass (they are ignored, §5.5).
 */
export function checkFrameHeader(type: number, flags: number, id: number, len: number): void {
  switch (type) {
    case DATA:
    case HEADERS:
    case CONTINUATION:
      if (id === 0) connErr(PROTOCOL_ERROR, "frame needs a stream");
      return;
    case PRIORITY:
      if (id === 0) connErr(PROTOCOL_ERROR, "PRIORITY on stream 0");
      if (len !== 5) throw new H2StreamError(id, FRAME_SIZE_ERROR, "PRIORITY length");
      return;
    case RST_STREAM:
      if (id === 0) connErr(PROTOCOL_ERROR, "RST_STREAM on stream 0");
      if (len !== 4) connErr(FRAME_SIZE_ERROR, "RST_STREAM length");
      return;
    case SETTINGS:
      if (id !== 0) connErr(PROTOCOL_ERROR, "SETTINGS on a stream");
      if ((flags & ACK) !== 0 ? len !== 0 : len % 6 !== 0) connErr(FRAME_SIZE_ERROR, "SETTINGS length");
      return;
    case PUSH_PROMISE:
      // Neither side may push: a server never accepts one, and our client sends SETTINGS_ENABLE_PUSH 0.
      connErr(PROTOCOL_ERROR, "PUSH_PROMISE");
      return;
    case PING:
      if (id !== 0) connErr(PROTOCOL_ERROR, "PING on a stream");
      if (len !== 8) connErr(FRAME_SIZE_ERROR, "PING length");
      return;
    case GOAWAY:
      if (id !== 0) connErr(PROTOCOL_ERROR, "GOAWAY on a stream");
      if (len < 8) connErr(FRAME_SIZE_ERROR, "GOAWAY length");
      return;
    case WINDOW_UPDATE:
      if (len !== 4) connErr(FRAME_SIZE_ERROR, "WINDOW_UPDATE length");
      return;
  }
}

/** The payload of a DATA or HEADERS frame without padding and priority fields (reused: read it at once). */
export const body = { start: 0, end: 0, selfDependent: false };

/** Sets `body` to the content of a DATA or HEADERS frame buf[start, end) of stream id. */
export function framePayload(type: number, flags: number, id: number, buf: Buffer, start: number, end: number): void {
  let s = start;
  let e = end;
  if ((flags & PADDED) !== 0) {
    if (s >= e) connErr(FRAME_SIZE_ERROR, "padded frame without a pad length");
    const pad = buf[s++]!;
    if (pad > e - s) connErr(PROTOCOL_ERROR, "padding longer than the payload");
    e -= pad;
  }
  if (type === HEADERS && (flags & PRIORITY_FLAG) !== 0) {
    if (e - s < 5) connErr(FRAME_SIZE_ERROR, "HEADERS priority fields missing");
    const dep = ((buf[s]! & 0x7f) << 24) | (buf[s + 1]! << 16) | (buf[s + 2]! << 8) | buf[s + 3]!;
    body.selfDependent = dep === id; // a stream error, raised once the block is decoded (HPACK stays in step)
    s += 5;
  } else {
    body.selfDependent = false;
  }
  body.start = s;
  body.end = e;
}

/** The stream a PRIORITY frame's payload depends on. */
export const priorityDependency = (buf: Buffer, start: number): number => ((buf[start]! & 0x7f) << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!;

export const u32 = (buf: Buffer, at: number): number => ((buf[at]! << 24) >>> 0) + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);

/**
 * Serializes frames into one buffer; `take()` gives everything written since the last take (one chunk
 * for one socket write). A full buffer is set aside and a new one started, so written bytes never move.
 */
export class FrameWriter implements ByteSink {
  buf = Buffer.allocUnsafe(32768);
  pos = 0;
  private start = 0;
  private out: Buffer[] = [];
  /** Bytes written and not yet taken. */
  get pending(): number {
    let n = this.pos - this.start;
    for (let i = 0; i < this.out.length; i++) n += this.out[i]!.length;
    return n;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > this.start) this.out.push(this.buf.subarray(this.start, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(32768, n));
    this.pos = this.start = 0;
  }

  /** The bytes written since the last take, or null when none. */
  take(): Buffer | null {
    let chunk: Buffer;
    if (this.out.length === 0) {
      if (this.pos === this.start) return null;
      chunk = this.buf.subarray(this.start, this.pos);
    } else {
      if (this.pos > this.start) this.out.push(this.buf.subarray(this.start, this.pos));
      chunk = Buffer.concat(this.out);
      this.out = [];
    }
    this.start = this.pos;
    return chunk;
  }

  /** A frame header, with room for its len payload bytes after it. */
  head(len: number, type: number, flags: number, id: number): void {
    this.ensure(FRAME_HEADER + len);
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

  /** Rewrites a frame header at `at` (reserved with skipHead) once its length is known. */
  headAt(at: number, len: number, type: number, flags: number, id: number): void {
    const b = this.buf;
    b[at] = len >>> 16;
    b[at + 1] = (len >>> 8) & 0xff;
    b[at + 2] = len & 0xff;
    b[at + 3] = type;
    b[at + 4] = flags;
    b[at + 5] = id >>> 24;
    b[at + 6] = (id >>> 16) & 0xff;
    b[at + 7] = (id >>> 8) & 0xff;
    b[at + 8] = id & 0xff;
  }

  u32(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  settings(entries: readonly (readonly [number, number])[]): void {
    this.head(entries.length * 6, SETTINGS, 0, 0);
    for (const [k, v] of entries) {
      this.buf[this.pos++] = k >>> 8;
      this.buf[this.pos++] = k & 0xff;
      this.u32(v);
    }
  }

  settingsAck(): void {
    this.head(0, SETTINGS, ACK, 0);
  }

  pingAck(buf: Buffer, start: number): void {
    this.head(8, PING, ACK, 0);
    this.pos += buf.copy(this.buf, this.pos, start, start + 8);
  }

  windowUpdate(id: number, n: number): void {
    this.head(4, WINDOW_UPDATE, 0, id);
    this.u32(n);
  }

  rstStream(id: number, code: number): void {
    this.head(4, RST_STREAM, 0, id);
    this.u32(code);
  }

  goaway(lastId: number, code: number): void {
    this.head(8, GOAWAY, 0, 0);
    this.u32(lastId);
    this.u32(code);
  }

  data(id: number, buf: Buffer, start: number, end: number, endStream: boolean): void {
    this.head(end - start, DATA, endStream ? END_STREAM : 0, id);
    this.pos += buf.copy(this.buf, this.pos, start, end);
  }
}

/**
 * One header block on stream id as HEADERS (+ CONTINUATION frames when it is larger than the peer's
 * maxFrame), END_STREAM when endStream; names in `never` go never-indexed.
 */
export function writeHeaderBlock(w: FrameWriter, id: number, fields: readonly string[], endStream: boolean, maxFrame: number, never?: readonly string[]): void {
  let room = FRAME_HEADER;
  for (let i = 0; i < fields.length; i += 2) room += fieldRoom(fields[i]!, fields[i + 1]!);
  w.ensure(room);
  const at = w.pos;
  w.pos += FRAME_HEADER;
  encodeHeaders(w, fields, false, never);
  const len = w.pos - at - FRAME_HEADER;
  if (len <= maxFrame) {
    w.headAt(at, len, HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id);
    return;
  }
  // Rare: split into HEADERS + CONTINUATION frames.
  const block = Buffer.from(w.buf.subarray(at + FRAME_HEADER, w.pos));
  w.pos = at;
  for (let off = 0; off < block.length;) {
    const n = Math.min(maxFrame, block.length - off);
    const last = off + n === block.length;
    w.head(n, off === 0 ? HEADERS : CONTINUATION, (last ? END_HEADERS : 0) | (off === 0 && endStream ? END_STREAM : 0), id);
    w.pos += block.copy(w.buf, w.pos, off, off + n);
    off += n;
  }
}
