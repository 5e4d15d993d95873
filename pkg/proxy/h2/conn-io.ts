// conn-io: the socket side of an own-framing HTTP/2 connection, server or client — frames queued in one
// FrameWriter and written in one socket write per event-loop turn (flush-queue.ts), reading paused while the
// peer does not read what we write (past maxSessionMemory) and resumed on drain, unanswered ACKs reset once
// the socket drains, and memory(): the bytes the connection holds. Takes a socket and limits; gives the base
// class the connections build on. Must not: parse frames or know stream states (conn-frames.ts, the sides).
import type { Socket } from "node:net";
import type { H2ConnLimits } from "./conn-limits.ts";
import { queueFlush } from "./flush-queue.ts";
import { FrameWriter } from "./frames.ts";
import type { H2CoreStream } from "./stream-core.ts";

export abstract class H2ConnIo<S extends H2CoreStream, L extends H2ConnLimits> {
  readonly socket: Socket;
  readonly limits: L;
  readonly streams = new Map<number, S>();
  protected readonly w = new FrameWriter();
  private isDirty = false;
  /** Ended: nothing more is written, read or answered. */
  destroyed = false;
  /** PING / SETTINGS ACKs queued since the socket last drained. */
  protected acksQueued = 0;
  private readPaused = false;
  /** Past maxSessionMemory, pause reading after each read as well as after each write (the client does). */
  protected pauseAfterRead = false;
  /** DATA waiting for send windows, a frame not complete yet, a header block being received: held bytes. */
  protected pendingBytes = 0;
  protected rest: Buffer | null = null;
  protected blockBytes = 0;

  constructor(socket: Socket, limits: L) {
    this.socket = socket;
    this.limits = limits;
  }

  protected markDirty(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    queueFlush(this);
  }

  /** Writes everything queued since the last flush in one socket write. */
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
   * unwritten output we stop reading what it sends until it does — after each write, and with
   * pauseAfterRead after each read as well, so a flood read in one turn stops before its answers are
   * flushed. Only output counts: DATA waiting for the peer's windows must not stop us reading its
   * WINDOW_UPDATEs.
   */
  protected pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.socket.resume();
  }

  protected drained(): void {
    this.acksQueued = 0;
    this.resumeReading();
  }

  /** Bytes this connection holds: unwritten output, DATA waiting for windows, a header block in progress. */
  memory(): number {
    return this.socket.writableLength + this.w.pending + this.pendingBytes + this.blockBytes + (this.rest?.length ?? 0);
  }
}
