// pool-h1: kept-alive HTTP/1.1 connections to upstream endpoints (h1-upstream-conn), one idle stack per
// key (a plain endpoint "host:port", or a mesh key naming the identity and the mesh material's
// generation too), most recently used first so a burst's extra connections age out. An open connection
// costs memory for as long as it lives (a mesh mTLS one ~100 kB on each side of the hop, OpenSSL's and
// node's buffers included; docs/proxy.md "Memory"), so the pool keeps few: at most maxIdlePerEndpoint
// idle per key; the warmIdlePerEndpoint most recently used ones for idleMs, the older ones (what a
// burst left) for surplusIdleMs; a connection the peer closed is dropped at once. An open() marked
// `queued` (mesh connections: a full mTLS handshake on both sides each) dials only while fewer than
// maxConnectingPerEndpoint connections of its key are being opened; past that it waits for one of them
// to be ready or for a busy connection of the key to come back, whichever is first, so a stall's burst is
// served mostly by connections that free up instead of one new connection per request in flight, while
// a slow app still gets as many connections as it keeps busy (a few handshakes at a time).
// Takes limits (and a clock, for tests); gives acquire (an idle connection, or a new one from the
// caller's dial: plain TCP or mesh mTLS, with a connect timeout), evict(keys), sweep() and close().
// Must not: share a connection between keys or between two exchanges at once, keep idle sockets
// forever, reuse a connection whose key was evicted (its TLS material was replaced), or leave a queued
// open() unanswered.
import { connect, type Socket } from "node:net";
import { endpointKey } from "../endpoint-key.ts";
import { H1UpstreamConn } from "./h1-upstream-conn.ts";

/** A new socket and the event that says it is usable ("secureConnect" for TLS: handshake and peer check done). */
export interface Dialed {
  readonly socket: Socket;
  readonly ready: "connect" | "secureConnect";
}

export interface H1Pool {
  /** An idle connection under `key`, or undefined when a new one must be opened. */
  idle(key: string): H1UpstreamConn | undefined;
  /**
   * A new connection under `key`; `connected` runs once it is usable, `failed` on error or connect
   * timeout. `queued`: may wait for a connection being opened or a busy one to come back first (above).
   * Gives the function that gives up.
   */
  open(key: string, dial: () => Dialed, connected: (c: H1UpstreamConn) => void, failed: (e: Error) => void, queued?: boolean): () => void;
  /** Close the idle connections whose key matches; busy ones close when their exchange ends. */
  evict(predicate: (key: string) => boolean): void;
  /** Close the idle connections past their time (a timer runs it; tests call it). */
  sweep(): void;
  /** Idle connections held now under `key`. */
  idleOf(key: string): number;
  /** Idle connections held now (all keys). */
  idleCount(): number;
  /** Keys with an idle stack held now (empty ones until the next sweep). */
  keysHeld(): number;
  close(): void;
}

/** Plain TCP to address:port, keyed by the endpoint. */
export function plainDial(address: string, port: number): { key: string; dial: () => Dialed } {
  return { key: endpointKey(address, port), dial: () => ({ socket: connect({ host: address, port, noDelay: true }), ready: "connect" }) };
}

export interface H1PoolOptions {
  /** Idle connections kept per key; one released beyond them is closed. Default 64. */
  readonly maxIdlePerEndpoint?: number;
  /** How long a key's warmIdlePerEndpoint most recently used idle connections are kept. Default 30 s. */
  readonly idleMs?: number;
  /** Idle connections per key kept for idleMs; older idle ones are surplus. Default 4. */
  readonly warmIdlePerEndpoint?: number;
  /** How long a surplus idle connection is kept. Default 5 s (never longer than idleMs). */
  readonly surplusIdleMs?: number;
  readonly connectTimeoutMs?: number;
  /** Connections of a key being opened at once for queued opens. Default 4. */
  readonly maxConnectingPerEndpoint?: number;
  readonly now?: () => number;
}

/** A queued open() waiting for a connection of its key. */
interface Waiter {
  /** Hands over a connection that came back, or (undefined) lets the waiter dial its own. */
  readonly take: (c: H1UpstreamConn | undefined) => void;
  readonly fail: (e: Error) => void;
  gaveUp: boolean;
}

export function createH1Pool(opts: H1PoolOptions = {}): H1Pool {
  const maxIdle = opts.maxIdlePerEndpoint ?? 64;
  const idleMs = opts.idleMs ?? 30_000;
  const warm = opts.warmIdlePerEndpoint ?? 4;
  const surplusMs = Math.min(idleMs, opts.surplusIdleMs ?? 5_000);
  const now = opts.now ?? Date.now;
  const maxConnecting = opts.maxConnectingPerEndpoint ?? 4;
  /** Connections being opened, per key; queued opens waiting, per key. */
  const connecting = new Map<string, number>();
  const waiters = new Map<string, Waiter[]>();
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  /**
   * Idle connections per key. A key's stack stays when its last connection is taken (the sweep removes
   * empty ones): at low concurrency every request empties it and every answer refills it, and a new
   * array and map entry each time showed in the allocation per request.
   */
  const stacks = new Map<string, H1UpstreamConn[]>();
  const open = new Set<H1UpstreamConn>();
  /** Busy connections whose key was evicted: retired when released. */
  const doomed = new WeakSet<H1UpstreamConn>();
  let idleTotal = 0;
  let closed = false;

  /** Take an idle connection off its key's stack. */
  const unstack = (c: H1UpstreamConn): void => {
    const st = stacks.get(c.key);
    const i = st === undefined ? -1 : st.lastIndexOf(c);
    c.idleSince = 0;
    if (i === -1) return;
    st!.splice(i, 1);
    idleTotal--;
  };
  const retire = (c: H1UpstreamConn): void => {
    open.delete(c);
    c.destroy();
  };

  const nextWaiter = (key: string): Waiter | undefined => {
    const q = waiters.get(key);
    const w = q?.shift();
    if (q !== undefined && q.length === 0) waiters.delete(key);
    return w;
  };
  /** Let waiters of `key` dial while fewer than maxConnecting connections of it are being opened. */
  const pump = (key: string): void => {
    while ((connecting.get(key) ?? 0) < maxConnecting) {
      const w = nextWaiter(key);
      if (w === undefined) return;
      w.take(undefined);
    }
  };

  const release = (c: H1UpstreamConn, reusable: boolean) => {
    if (c.idleSince !== 0) unstack(c);
    if (!reusable || closed || doomed.has(c)) {
      retire(c);
      return;
    }
    const w = nextWaiter(c.key);
    if (w !== undefined) {
      // Straight to the first waiter, once the exchange that released it has unwound (we are inside its parser callback).
      process.nextTick(() => {
        if (w.gaveUp) release(c, c.alive);
        else if (c.alive) w.take(c);
        else {
          retire(c);
          w.take(undefined);
        }
      });
      return;
    }
    let st = stacks.get(c.key);
    if (st === undefined) {
      st = [];
      stacks.set(c.key, st);
    }
    if (st.length >= maxIdle) {
      retire(c);
      return;
    }
    c.idleSince = now();
    st.push(c);
    idleTotal++;
  };

  const sweep = (): void => {
    const t = now();
    for (const [key, st] of [...stacks]) {
      // A key with no idle connection left goes here, not when its last one is taken (see `stacks`).
      if (st.length === 0) {
        stacks.delete(key);
        continue;
      }
      // The stack's bottom is the least recently used: all but the top `warm` are surplus.
      const surplus = st.length - warm;
      for (const c of st.filter((x, i) => t - x.idleSince > (i < surplus ? surplusMs : idleMs))) {
        unstack(c);
        retire(c);
      }
    }
  };
  const sweeper = setInterval(sweep, Math.max(100, Math.min(5_000, Math.floor(surplusMs / 2))));
  sweeper.unref();

  /** Dial a new connection now (counted as being opened until it is ready or fails). */
  const dialNow = (key: string, dial: () => Dialed, connected: (c: H1UpstreamConn) => void, failed: (e: Error) => void): () => void => {
    let d: Dialed;
    try {
      d = dial();
    } catch (e) {
      failed(e instanceof Error ? e : new Error(String(e)));
      return () => {};
    }
    const socket = d.socket;
    const conn = new H1UpstreamConn(socket, key, release);
    open.add(conn);
    connecting.set(key, (connecting.get(key) ?? 0) + 1);
    let done = false;
    /** Ready, failed or given up: no longer being opened; a waiter may dial in its place. */
    const over = (): void => {
      done = true;
      clearTimeout(timer);
      const n = (connecting.get(key) ?? 1) - 1;
      if (n === 0) connecting.delete(key);
      else connecting.set(key, n);
    };
    const timer = setTimeout(() => {
      if (done) return;
      over();
      retire(conn);
      failed(Object.assign(new Error("upstream connect timeout"), { code: "ETIMEDOUT" }));
      pump(key);
    }, connectTimeoutMs);
    socket.once(d.ready, () => {
      if (done) return;
      over();
      conn.consume();
      connected(conn);
      pump(key);
    });
    socket.once("error", (e) => {
      if (done) return;
      over();
      open.delete(conn);
      failed(e);
      pump(key);
    });
    return () => {
      if (done) return;
      over();
      retire(conn);
      pump(key);
    };
  };

  return {
    idle(key: string): H1UpstreamConn | undefined {
      const st = stacks.get(key);
      while (st !== undefined && st.length > 0) {
        const c = st.pop()!;
        c.idleSince = 0;
        idleTotal--;
        if (c.alive) return c;
        retire(c);
      }
      return undefined;
    },
    open(key: string, dial: () => Dialed, connected: (c: H1UpstreamConn) => void, failed: (e: Error) => void, queued = false): () => void {
      if (!queued || closed || (connecting.get(key) ?? 0) < maxConnecting) return dialNow(key, dial, connected, failed);
      let cancel: () => void = () => {};
      const w: Waiter = {
        take: (c) => {
          if (c !== undefined) connected(c);
          else cancel = dialNow(key, dial, connected, failed);
        },
        fail: failed,
        gaveUp: false,
      };
      const q = waiters.get(key) ?? [];
      q.push(w);
      waiters.set(key, q);
      cancel = () => {
        w.gaveUp = true;
        const at = q.indexOf(w);
        if (at === -1) return;
        q.splice(at, 1);
        if (q.length === 0 && waiters.get(key) === q) waiters.delete(key);
      };
      return () => cancel();
    },
    evict(predicate: (key: string) => boolean): void {
      for (const c of [...open]) {
        if (!predicate(c.key)) continue;
        if (c.idleSince !== 0) {
          unstack(c);
          retire(c);
        } else doomed.add(c);
      }
    },
    sweep,
    idleOf: (key) => stacks.get(key)?.length ?? 0,
    keysHeld: () => stacks.size,
    idleCount: () => idleTotal,
    close(): void {
      closed = true;
      clearInterval(sweeper);
      for (const c of open) c.destroy();
      open.clear();
      stacks.clear();
      idleTotal = 0;
      const gone = [...waiters.values()].flat();
      waiters.clear();
      for (const w of gone) w.fail(Object.assign(new Error("upstream connection pool closed"), { code: "ECONNABORTED" }));
    },
  };
}
