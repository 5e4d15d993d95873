// pool-h1: kept-alive HTTP/1.1 connections to upstream endpoints (h1-upstream-conn), one idle stack per
// endpoint (host:port), most recently used first so a burst's extra connections age out. A connection
// that sat idle past idleMs, or that the peer closed, is dropped; at most maxIdlePerEndpoint idle
// connections are kept. Takes limits; gives acquire(endpoint) (an idle connection or a new one with a
// connect timeout) and close(). Must not: share a connection between endpoints or between two exchanges
// at once, or keep idle sockets forever.
import { connect } from "node:net";
import { endpointKey } from "../endpoint-key.ts";
import { H1UpstreamConn } from "./h1-upstream-conn.ts";

export interface H1Pool {
  /** An idle connection to the endpoint, or undefined when a new one must be opened. */
  idle(address: string, port: number): H1UpstreamConn | undefined;
  /** Open a new connection; `connected` runs once it is usable, `failed` on error or connect timeout. */
  open(address: string, port: number, connected: (c: H1UpstreamConn) => void, failed: (e: Error) => void): () => void;
  /** Idle connections held now (all endpoints). */
  idleCount(): number;
  close(): void;
}

export function createH1Pool(opts: { maxIdlePerEndpoint?: number; idleMs?: number; connectTimeoutMs?: number } = {}): H1Pool {
  const maxIdle = opts.maxIdlePerEndpoint ?? 256;
  const idleMs = opts.idleMs ?? 30_000;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  const stacks = new Map<string, H1UpstreamConn[]>();
  const open = new Set<H1UpstreamConn>();
  let idleTotal = 0;
  let closed = false;

  /** Take an idle connection off its endpoint's stack. */
  const unstack = (c: H1UpstreamConn): void => {
    const st = stacks.get(c.key);
    const i = st === undefined ? -1 : st.lastIndexOf(c);
    c.idleSince = 0;
    if (i === -1) return;
    st!.splice(i, 1);
    idleTotal--;
    if (st!.length === 0) stacks.delete(c.key);
  };
  const retire = (c: H1UpstreamConn): void => { open.delete(c); c.destroy(); };

  const release = (c: H1UpstreamConn, reusable: boolean) => {
    if (c.idleSince !== 0) unstack(c);
    if (!reusable || closed) { retire(c); return; }
    let st = stacks.get(c.key);
    if (st === undefined) { st = []; stacks.set(c.key, st); }
    if (st.length >= maxIdle) { retire(c); return; }
    c.idleSince = Date.now();
    st.push(c);
    idleTotal++;
  };

  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const st of [...stacks.values()]) {
      for (const c of st.filter((x) => x.idleSince < cutoff)) { unstack(c); retire(c); }
    }
  }, Math.max(100, Math.min(5_000, Math.floor(idleMs / 2))));
  sweep.unref();

  return {
    idle(address: string, port: number): H1UpstreamConn | undefined {
      const st = stacks.get(endpointKey(address, port));
      while (st !== undefined && st.length > 0) {
        const c = st.pop()!;
        c.idleSince = 0;
        idleTotal--;
        if (st.length === 0) stacks.delete(c.key);
        if (c.alive) return c;
        retire(c);
      }
      return undefined;
    },
    open(address: string, port: number, connected: (c: H1UpstreamConn) => void, failed: (e: Error) => void): () => void {
      const socket = connect({ host: address, port, noDelay: true });
      const conn = new H1UpstreamConn(socket, endpointKey(address, port), release);
      open.add(conn);
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        retire(conn);
        failed(Object.assign(new Error("upstream connect timeout"), { code: "ETIMEDOUT" }));
      }, connectTimeoutMs);
      socket.once("connect", () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        conn.consume();
        connected(conn);
      });
      socket.once("error", (e) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        open.delete(conn);
        failed(e);
      });
      return () => { if (!done) { done = true; clearTimeout(timer); retire(conn); } };
    },
    idleCount: () => idleTotal,
    close(): void {
      closed = true;
      clearInterval(sweep);
      for (const c of open) c.destroy();
      open.clear();
      stacks.clear();
      idleTotal = 0;
    },
  };
}
