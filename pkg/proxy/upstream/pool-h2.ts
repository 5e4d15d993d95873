// pool-h2: multiplexed HTTP/2 sessions to upstream endpoints (h2c and grpc clusters, and meshed
// endpoints over mTLS) — node:http2 client sessions, or own-framing client connections (limits.h2Client).
// One live session per key; a session that closes, errors or gets GOAWAY leaves the pool (the caller's
// watch function says when) and the next request opens a new one. Takes a connect function; gives
// sessions. Must not: hand out a closed or closing session.

/** What the pool needs of a session: node's ClientHttp2Session and the own H2ClientConn both have it. */
export interface PooledH2 {
  readonly closed: boolean;
  readonly destroyed: boolean;
  close(): void;
  destroy(): void;
}

export class H2Pool {
  private readonly sessions = new Map<string, PooledH2>();

  /** The live session of `key`, if there is one (of the kind the caller put under it). */
  live<S extends PooledH2>(key: string): S | undefined {
    const s = this.sessions.get(key);
    return s !== undefined && !s.closed && !s.destroyed ? s as S : undefined;
  }

  /** The live session of `key`, or a new one from connect(); watch(s, forget) calls forget when s must leave the pool. */
  get<S extends PooledH2>(key: string, connect: () => S, watch: (s: S, forget: () => void) => void): S {
    const s = this.live<S>(key);
    if (s !== undefined) return s;
    const fresh = connect();
    this.sessions.set(key, fresh);
    watch(fresh, () => {
      if (this.sessions.get(key) === fresh) this.sessions.delete(key);
    });
    return fresh;
  }

  /** Drop (gracefully close) every session whose key matches: mesh TLS rotated, or GOAWAY seen. */
  evict(predicate: (key: string) => boolean): void {
    for (const [k, s] of this.sessions)
      if (predicate(k)) {
        this.sessions.delete(k);
        if (!s.closed && !s.destroyed) s.close();
      }
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  destroy(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }
}
