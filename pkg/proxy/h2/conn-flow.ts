// conn-flow: flow control of an own-framing HTTP/2 connection, server or client (RFC 9113 §5.2, §6.9) —
// DATA sent within the stream's and the connection's send windows and the peer's frame size, or copied and
// queued (with the trailers that end it) until WINDOW_UPDATE or a larger INITIAL_WINDOW_SIZE lets it out;
// windows bounded at 2^31-1; the connection's receive window enforced and reopened at half. Takes the
// peer's window frames and settings; gives write() and the windows' state. Must not: send beyond a
// window, or hold a stream's queue once it closed (the sides' closeStream drop it).
import type { Socket } from "node:net";
import type { H2ConnLimits } from "./conn-limits.ts";
import { H2ConnIo } from "./conn-io.ts";
import { FLOW_CONTROL_ERROR, H2ConnectionError, H2StreamError, PROTOCOL_ERROR } from "./errors.ts";
import { MAX_WINDOW, MIN_MAX_FRAME, writeHeaderBlock } from "./frames.ts";
import { CLOSED_ENDED, type H2CoreStream } from "./stream-core.ts";

const EMPTY: Buffer = Buffer.alloc(0);

export abstract class H2ConnFlow<S extends H2CoreStream, L extends H2ConnLimits> extends H2ConnIo<S, L> {
  // Peer settings and our send side.
  protected peerInitialWindow = 65535;
  protected peerMaxFrame = MIN_MAX_FRAME;
  protected sendWindow = 65535;
  /** Streams with DATA waiting for a window. */
  protected readonly blocked = new Set<S>();
  // Our receive side.
  protected recvWindow: number;
  protected recvUnacked = 0;

  constructor(socket: Socket, limits: L) {
    super(socket, limits);
    this.recvWindow = Math.max(65535, limits.connectionWindowSize);
  }

  /** Our opening SETTINGS and the connection window beyond 65,535 (written after anything already queued). */
  protected opening(settings: readonly (readonly [number, number])[]): void {
    this.w.settings(settings);
    if (this.recvWindow > 65535) this.w.windowUpdate(0, this.recvWindow - 65535);
    this.markDirty();
  }

  /** s's end: both ends done closes it. */
  protected abstract closeStream(s: S, how: number): void;
  /** DATA queued on s while a send window was shut has all gone out. */
  protected abstract writable(s: S): void;
  /** Stream id was never opened (a frame on it is a connection error). */
  protected abstract isIdle(id: number): boolean;
  /** A WINDOW_UPDATE or RST_STREAM on a stream closed already. */
  protected abstract lateFrame(): void;

  /**
   * DATA buf[start, end) on s, within the send windows (copied and queued while they are shut, or while a
   * client stream waits to open). Gives false when the connection holds more than its session memory: the
   * caller should wait (onWritable).
   */
  write(s: S, buf: Buffer, start: number, end: number, endStream: boolean): boolean {
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

  /** s's queued DATA as far as the windows let it, then its trailers or END_STREAM once all is out. */
  protected drain(s: S): void {
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
      writeHeaderBlock(this.w, s.id, s.endTrailers, true, this.peerMaxFrame, s.endNever);
      s.endTrailers = null;
      s.endNever = undefined;
      this.endLocal(s);
    } else if (s.pendingEnd) this.endLocal(s);
    this.markDirty();
    if (wasBlocked) this.writable(s);
  }

  /** Every stream blocked on a window tries again (a window grew). */
  protected unblock(): void {
    if (this.blocked.size > 0) { for (const s of [...this.blocked]) if (s.pending !== null) this.drain(s); }
  }

  protected endLocal(s: S): void {
    s.localEnded = true;
    if (s.remoteEnded) this.closeStream(s, CLOSED_ENDED);
  }

  /** s's queued DATA and trailers are dropped (it closed). */
  protected dropPending(s: S): void {
    if (s.pending !== null) {
      this.pendingBytes -= s.pendingBytes;
      s.pending = null;
      s.pendingBytes = 0;
    }
    this.blocked.delete(s);
    s.endTrailers = null;
    s.endNever = undefined;
  }

  /** len bytes of DATA (padding included, §6.9.1) against the connection's receive window, reopened at half. */
  protected received(len: number): void {
    if (len > this.recvWindow) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "connection window exceeded");
    this.recvWindow -= len;
    this.recvUnacked += len;
    if (this.recvUnacked >= this.limits.connectionWindowSize / 2) {
      this.w.windowUpdate(0, this.recvUnacked);
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
      this.markDirty();
    }
  }

  /** The peer's SETTINGS_INITIAL_WINDOW_SIZE: every open stream's send window moves by the change. Gives whether it grew. */
  protected peerWindowSetting(v: number): boolean {
    if (v > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE too large");
    const delta = v - this.peerInitialWindow;
    this.peerInitialWindow = v;
    for (const s of this.streams.values()) {
      s.sendWindow += delta;
      if (s.sendWindow > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "stream window overflow");
    }
    return delta > 0;
  }

  protected onWindowUpdate(id: number, inc: number): void {
    if (id === 0) {
      if (inc === 0) throw new H2ConnectionError(PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.sendWindow += inc;
      if (this.sendWindow > MAX_WINDOW) throw new H2ConnectionError(FLOW_CONTROL_ERROR, "connection window overflow");
      this.unblock();
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2ConnectionError(PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
      return this.lateFrame(); // closed: may cross our end of it
    }
    if (inc === 0) throw new H2StreamError(id, PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) throw new H2StreamError(id, FLOW_CONTROL_ERROR, "stream window overflow");
    if (s.pending !== null) this.drain(s);
  }
}
