// read-first-bytes: reads a fresh connection's first bytes until a judge decides what they are, the
// timeout passes (server-first protocols send nothing; bytes that arrived in time but wait behind a
// blocked event loop still count), the byte cap is hit, or the client ends. The one
// reader behind HTTP/2-preface detection in the engine and the sidecars' capture decisions.
// Takes: a stream in its initial (paused) state, bytes already read from it, a judge, a timeout and a cap.
// Gives (to `done`, synchronously when the bytes already read decide): the bytes read (`head`, to be
// replayed), the verdict and why reading stopped; the stream is left paused.
// Must not: consume bytes it does not return, keep listeners on the stream afterwards, or throw.
import type { Duplex } from "node:stream";

export type StopReason = "decided" | "timeout" | "limit" | "end" | "error";

export interface FirstBytes<T> {
  readonly head: Buffer;
  readonly verdict: T | undefined;
  readonly stop: StopReason;
  /** The client half-closed (FIN) while we were reading: replaying `head` must be followed by end(). */
  readonly ended: boolean;
}

export function readFirstBytesThen<T>(
  socket: Duplex,
  initial: Buffer | undefined,
  judge: (head: Buffer) => T | undefined,
  timeoutMs: number,
  maxBytes: number,
  done: (r: FirstBytes<T>) => void,
): void {
  let head: Buffer = initial ?? Buffer.alloc(0);
  if (head.length > 0) {
    const v = judge(head);
    if (v !== undefined) return done({ head, verdict: v, stop: "decided", ended: false });
    if (head.length >= maxBytes) return done({ head, verdict: undefined, stop: "limit", ended: false });
  }
  let ended = false;
  let finished = false;
  const finish = (stop: StopReason, verdict: T | undefined): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("error", onError);
    socket.off("close", onClose);
    socket.pause();
    done({ head, verdict, stop, ended });
  };
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const verdict = judge(head);
    if (verdict !== undefined) finish("decided", verdict);
    else if (head.length >= maxBytes) finish("limit", undefined);
  };
  const onEnd = (): void => {
    ended = true;
    finish("end", judge(head));
  };
  const onError = (): void => finish("error", undefined);
  const onClose = (): void => finish("error", undefined);
  // The window closes only after the reads already pending are taken: a loop turn runs its timers before
  // it polls sockets, so after a stall longer than the window (a long compile or GC pause, a starved CPU)
  // the timer would fire ahead of bytes that arrived in time, and an HTTP connection would be passed
  // through as opaque TCP. setImmediate runs after this turn's poll has delivered them.
  const timer = setTimeout(() => setImmediate(() => finish("timeout", undefined)), timeoutMs);
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.resume();
}

/** readFirstBytesThen as a promise, for callers that await. */
export function readFirstBytes<T>(socket: Duplex, judge: (head: Buffer) => T | undefined, timeoutMs: number, maxBytes: number): Promise<FirstBytes<T>> {
  return new Promise((resolve) => readFirstBytesThen(socket, undefined, judge, timeoutMs, maxBytes, resolve));
}
