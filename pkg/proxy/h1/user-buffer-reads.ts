// user-buffer-reads: a socket's reads land in one reused buffer, handed to a callback as (buffer, length):
// one JS call per read, no Buffer object per read, no "data" event. `net.connect({ onread })` offers this for
// dialled sockets only; an ACCEPTED socket (net.Server, tls.Server) gets the same path here: node keeps the
// option in symbol-keyed slots of net.Socket (kBuffer, kBufferCb; lib/net.js fills them in the constructor,
// lib/internal/stream_base_commons.js `onStreamRead` calls kBufferCb(nread, buffer) instead of pushing a new
// Buffer into the Readable), and the native handle reads into the buffer it is given (`useUserBuffer`; TCP and
// TLS handles alike, TLS hands over its cleartext). The slots are found by their descriptions when this module
// loads, which throws if a node version renamed them (test/proxy/user-buffer-reads.test.ts pins them).
// All readers share ONE buffer (reads are delivered one at a time on the event loop thread, each callback runs
// to its end before the next read is taken): DATA SAFETY — a read's bytes are valid only during its callback;
// whatever outlives it (a chunk queued or written later, bytes held while paused) must be copied out first.
// EOF and errors still arrive as the stream's "end" / "error" / "close". Bytes the stream buffered before
// attach() (a protocol-detection peek) are drained through the callback, as copies, before any new read.
// Takes a socket and a callback; gives pause()/resume()/paused and release() (later reads go back to the
// stream's "data" events, each copied out of the buffer: an upgrade hand-off). attach() gives undefined for a
// stream without a native handle (the caller reads "data" events then).
// Must not: hold a read's bytes past its callback, or be attached to a socket whose reads someone else takes.
import { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";

function slot(name: string): symbol {
  const s = Object.getOwnPropertySymbols(new NetSocket()).find((x) => x.description === name);
  if (s === undefined) throw new Error(`node's net.Socket has no ${name} slot: user-buffer reads are unavailable in this node version`);
  return s;
}
const kBuffer = slot("kBuffer");
const kBufferCb = slot("kBufferCb");
const kBufferGen = slot("kBufferGen");

/** Bytes per read (node's own default read size). */
export const READ_BUFFER_BYTES = 65_536;
/** The one buffer every user-buffer read lands in. */
const shared = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/** A read's bytes are buf[0, n), valid only during the call. Returns false to stop reading (backpressure). */
export type OnRead = (buf: Buffer, n: number) => boolean | void;

interface Handle {
  reading?: boolean;
  isStreamBase?: boolean;
  _consumed?: boolean;
  readStart(): number;
  readStop(): number;
  useUserBuffer?: (b: Uint8Array) => void;
}

interface Slotted {
  [k: symbol]: unknown;
  _handle: Handle | null;
  destroyed: boolean;
  push(b: Buffer | null): boolean;
}

/** Which socket's read callback is running (a nested read would overwrite its bytes: never expected). */
let current: Slotted | undefined;

/** After release(): each read copied into the stream as before attach ("data" events, backpressure by push). */
function pushCopy(this: Slotted, n: number, buf: Buffer): boolean {
  return this.push(Buffer.from(buf.subarray(0, n)));
}

export class UserBufferReads {
  private readonly sock: Slotted;
  private readonly handle: Handle;

  private constructor(sock: Slotted, handle: Handle) {
    this.sock = sock;
    this.handle = handle;
  }

  /**
   * From now on `socket`'s reads go to `onRead`; bytes the stream already buffered go first (synchronously,
   * from here). Undefined when the socket has no native stream handle (nothing changed: read "data" then).
   */
  static attach(socket: Duplex, onRead: OnRead): UserBufferReads | undefined {
    const s = socket as unknown as Slotted;
    const h = s._handle;
    if (h === null || h === undefined || h.isStreamBase !== true || h._consumed === true || s[kBuffer] !== null || s[kBufferGen] !== null) return undefined;
    if (typeof h.useUserBuffer !== "function") throw new Error("node's stream handle has no useUserBuffer: user-buffer reads are unavailable in this node version");
    s[kBuffer] = shared;
    s[kBufferCb] = (n: number, buf: Buffer): boolean => {
      const outer = current;
      if (outer !== undefined) {
        // A read delivered inside another's callback would have overwritten that one's bytes: refuse both.
        socket.destroy(new Error("nested user-buffer read"));
        (outer as unknown as Duplex).destroy(new Error("nested user-buffer read"));
        return false;
      }
      current = s;
      try {
        return onRead(buf, n) !== false;
      } finally {
        current = undefined;
      }
    };
    h.useUserBuffer(shared);
    const r = new UserBufferReads(s, h);
    // Bytes read before we took over (the stream's buffer) go first, each a Buffer the stream owned.
    for (let b = socket.read() as Buffer | null; b !== null; b = socket.read() as Buffer | null) {
      if (onRead(b, b.length) === false) r.pause();
      if (s.destroyed) break;
    }
    return r;
  }

  /** Reading is stopped (pause() or a callback's false, not yet resume()). */
  get paused(): boolean {
    return this.handle.reading !== true;
  }

  pause(): void {
    const h = this.handle;
    if (h.reading === false) return;
    h.reading = false;
    h.readStop();
  }

  resume(): void {
    const h = this.handle;
    if (h.reading === true || this.sock.destroyed || this.sock[kBufferCb] === pushCopy) return;
    h.reading = true;
    h.readStart();
  }

  /** Later reads go back to the stream ("data" events, stream backpressure), each copied out of the buffer. */
  release(): void {
    if (this.sock[kBufferCb] === pushCopy) return;
    this.sock[kBufferCb] = pushCopy;
  }
}
