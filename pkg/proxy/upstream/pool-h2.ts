// pool-h2: multiplexed HTTP/2 sessions to upstream endpoints (h2c and grpc clusters, and meshed
// endpoints over mTLS). One live session per key; a session that closes, errors or gets GOAWAY leaves
// the pool and the next request opens a new one. Takes a connect function; gives sessions.
// Must not: hand out a closed or closing session.
import type { ClientHttp2Session } from "node:http2";

export class H2Pool {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  /** The live session of `key`, if there is one. */
  live(key: string): ClientHttp2Session | undefined {
    const s = this.sessions.get(key);
    return s !== undefined && !s.closed && !s.destroyed ? s : undefined;
  }

  get(key: string, connect: () => ClientHttp2Session): ClientHttp2Session {
    const s = this.live(key);
    if (s !== undefined) return s;
    const fresh = connect();
    this.sessions.set(key, fresh);
    const forget = () => {
      if (this.sessions.get(key) === fresh) this.sessions.delete(key);
    };
    fresh.once("close", forget);
    fresh.once("goaway", forget);
    fresh.once("error", forget);
    fresh.on("error", () => {});
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
