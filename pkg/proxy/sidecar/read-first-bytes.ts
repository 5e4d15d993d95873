// read-first-bytes: reads a captured socket's first bytes until a judge decides what they are, the
// peek timeout passes (server-first protocols send nothing), the byte cap is hit, or the client ends.
// Takes: a socket in its initial (paused) state, a judge, a timeout and a cap. Gives: the bytes read
// (`head`, to be replayed), the verdict and why reading stopped; the socket is left paused.
// Must not: consume bytes it does not return, keep listeners on the socket afterwards, or throw.
import type { Socket } from "node:net";

export type StopReason = "decided" | "timeout" | "limit" | "end" | "error";

export interface FirstBytes<T> {
  readonly head: Buffer;
  readonly verdict: T | undefined;
  readonly stop: StopReason;
  /** The client half-closed (FIN) while we were reading: replaying `head` must be followed by end(). */
  readonly ended: boolean;
}

export function readFirstBytes<T>(
  socket: Socket, judge: (head: Buffer) => T | undefined, timeoutMs: number, maxBytes: number,
): Promise<FirstBytes<T>> {
  return new Promise((resolve) => {
    let head: Buffer = Buffer.alloc(0);
    let ended = false;
    let done = false;
    const finish = (stop: StopReason, verdict: T | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.pause();
      resolve({ head, verdict, stop, ended });
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
    const timer = setTimeout(() => finish("timeout", undefined), timeoutMs);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.resume();
  });
}
