// pool-h1-undici: one undici.Pool per upstream endpoint (HTTP/1.1 keep-alive, no pipelining), made on
// first use and dropped once it has no connection and no request left. Takes limits; gives the pool for an
// endpoint and close(). Must not: share connections between endpoints, keep idle sockets past idleMs,
// or retry anything itself (forward.ts owns retries; undici's own retry stays off).
import { Pool } from "undici";
import { endpointKey } from "./endpoint-stats.ts";

export interface UndiciPools {
  poolFor(address: string, port: number): Pool;
  close(): void;
}

export function createUndiciPools(opts: { maxSocketsPerEndpoint: number; idleMs: number; connectTimeoutMs: number }): UndiciPools {
  const pools = new Map<string, Pool>();
  let closed = false;
  return {
    poolFor(address: string, port: number): Pool {
      const key = endpointKey(address, port);
      const found = pools.get(key);
      if (found !== undefined && !found.closed && !found.destroyed) return found;
      const pool = new Pool(`http://${key}`, {
        connections: opts.maxSocketsPerEndpoint,
        pipelining: 1,
        keepAliveTimeout: opts.idleMs,
        keepAliveMaxTimeout: opts.idleMs,
        connectTimeout: opts.connectTimeoutMs,
        headersTimeout: 0,
        bodyTimeout: 0,
        maxHeaderSize: 64 * 1024,
        connect: { noDelay: true },
      });
      pools.set(key, pool);
      // An endpoint that went away must not leave its pool behind: drop it when it has gone quiet.
      const dropWhenQuiet = () => {
        const s = pool.stats;
        if (s.connected === 0 && s.pending === 0 && s.running === 0 && !closed && pools.get(key) === pool) {
          pools.delete(key);
          pool.close().catch(() => {});
        }
      };
      pool.on("disconnect", dropWhenQuiet);
      pool.on("connectionError", dropWhenQuiet);
      return pool;
    },
    close(): void {
      closed = true;
      for (const p of pools.values()) p.destroy().catch(() => {});
      pools.clear();
    },
  };
}
