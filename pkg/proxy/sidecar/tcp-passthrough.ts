// tcp-passthrough: joins a downstream socket to a fresh upstream TCP connection, both ways, with
// half-close (a FIN on one side becomes end() on the other) and error handling (an error or reset on
// either side destroys both). Used for non-HTTP traffic and for unknown destinations.
// Takes: the downstream socket (paused), the bytes already read from it, and where to connect.
// Gives: a promise that settles when both sides are closed, with byte counts.
// Must not: leave either socket open after the other failed, or buffer without back-pressure (pipe).
import { connect, type Socket } from "node:net";

export interface PassthroughTarget {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  /** Close both sides after this long without bytes in either direction (0 = never). */
  readonly idleTimeoutMs: number;
  /** Local address to bind the upstream socket to (e.g. 127.0.0.1 for the inbound app hop). */
  readonly localAddress?: string;
}

export interface PassthroughResult {
  readonly connected: boolean;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly error?: string;
}

export function passthroughTcp(down: Socket, head: Buffer, downEnded: boolean, target: PassthroughTarget): Promise<PassthroughResult> {
  return new Promise((resolve) => {
    const up = connect({
      // Nagle off, as on every upstream socket: bytes go on as the app wrote them, without waiting for an ACK.
      host: target.host,
      port: target.port,
      allowHalfOpen: true,
      noDelay: true,
      ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
    });
    let connected = false;
    let error: string | undefined;
    let closed = 0;
    const connectTimer = setTimeout(() => fail(new Error(`connect timeout after ${target.connectTimeoutMs}ms`)), target.connectTimeoutMs);
    function fail(e: Error): void {
      if (error === undefined) error = e.message;
      clearTimeout(connectTimer);
      if (!up.destroyed) up.destroy();
      if (!down.destroyed) down.resetAndDestroy();
    }
    const onClose = (): void => {
      if (++closed < 2) return;
      resolve({ connected, bytesUp: up.bytesWritten, bytesDown: down.bytesWritten, ...(error === undefined ? {} : { error }) });
    };
    up.on("error", fail);
    down.on("error", fail);
    up.once("close", onClose);
    down.once("close", onClose);
    up.once("connect", () => {
      connected = true;
      clearTimeout(connectTimer);
      if (target.idleTimeoutMs > 0) {
        const idle = (): void => fail(new Error(`idle for ${target.idleTimeoutMs}ms`));
        up.setTimeout(target.idleTimeoutMs, idle);
        down.setTimeout(target.idleTimeoutMs, idle);
      }
      if (head.length > 0) up.write(head);
      if (downEnded) up.end();
      else down.pipe(up);
      up.pipe(down);
    });
  });
}
