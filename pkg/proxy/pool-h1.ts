// pool-h1: keep-alive HTTP/1.1 connections to upstream endpoints, one pool per endpoint (host:port).
// Two clients behind one interface: undici (default; an undici.Pool per endpoint, measured cheaper per
// request, see docs/proxy.md Benchmark) and node's http.Agent (WEFT_H1_CLIENT=node, kept for A/B
// benchmarks). Takes limits; gives the agent, the undici pools and a close().
// Must not: share sockets between endpoints or keep idle sockets (or idle pools) forever.
import { Agent } from "node:http";
import { createUndiciPools, type UndiciPools } from "./pool-h1-undici.ts";

export interface H1Pool {
  readonly agent: Agent;
  /** undefined when the node:http client is selected. */
  readonly undici: UndiciPools | undefined;
  close(): void;
}

export function createH1Pool(opts: { maxSocketsPerEndpoint?: number; idleMs?: number; connectTimeoutMs?: number; client?: "undici" | "node" } = {}): H1Pool {
  const maxSockets = opts.maxSocketsPerEndpoint ?? 512;
  const idleMs = opts.idleMs ?? 30_000;
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: 128, timeout: idleMs, scheduling: "lifo" });
  const client = opts.client ?? (process.env.WEFT_H1_CLIENT === "node" ? "node" : "undici");
  const undici = client === "undici" ? createUndiciPools({ maxSocketsPerEndpoint: maxSockets, idleMs, connectTimeoutMs: opts.connectTimeoutMs ?? 5_000 }) : undefined;
  return { agent, undici, close: () => { agent.destroy(); undici?.close(); } };
}
