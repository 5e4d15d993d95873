// h1-front: the downstream HTTP/1.x front: one H1Connection (h1-connection) per socket, tracked so one
// sweep per front can apply the slowloris, body-idle and idle bounds, idle connections can be closed on
// drain and everything closed at the end.
// Takes limits and handlers; gives serve(socket, bytesAlreadyRead, tag), closeIdle(), closeAll(), draining.
// Must not: parse anything itself.
import type { Duplex } from "node:stream";
import { H1Connection, type H1Handlers, type H1Owner } from "./h1-connection.ts";
import type { Limits } from "../limits.ts";

export type { H1Handlers } from "./h1-connection.ts";

export class H1Front implements H1Owner {
  readonly limits: Limits;
  readonly handlers: H1Handlers;
  draining = false;
  private readonly conns = new Set<H1Connection>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(limits: Limits, handlers: H1Handlers) {
    this.limits = limits;
    this.handlers = handlers;
  }

  /** Serve HTTP/1.x on `socket`; `bytes` were already read from it (protocol detection). */
  serve(socket: Duplex, bytes: Buffer, tag: unknown): void {
    const c = new H1Connection(this, socket, tag);
    this.conns.add(c);
    if (this.sweep === undefined) {
      const l = this.limits;
      const every = Math.max(50, Math.min(1000, Math.floor(Math.min(l.headersTimeoutMs, l.idleTimeoutMs, l.requestTimeoutMs, l.bodyIdleTimeoutMs) / 2)));
      this.sweep = setInterval(() => {
        const now = Date.now();
        for (const k of this.conns) k.check(now, l);
      }, every);
      this.sweep.unref();
    }
    c.start(bytes);
  }

  /** Returns true when the connection was still tracked. */
  forget(c: H1Connection): boolean {
    return this.conns.delete(c);
  }

  closeIdle(): void {
    for (const c of this.conns) if (c.idle()) c.close();
  }

  closeAll(): void {
    for (const c of this.conns) c.destroy();
    if (this.sweep !== undefined) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }
}
