// pool-h1: keep-alive HTTP/1.1 connections to upstream endpoints. node's Agent keeps one free list per
// host:port, i.e. one pool per endpoint. Takes limits; gives the agent and a close(). Must not: share
// sockets between endpoints or keep idle sockets forever.
import { Agent } from "node:http";

export interface H1Pool {
  readonly agent: Agent;
  close(): void;
}

export function createH1Pool(opts: { maxSocketsPerEndpoint?: number; idleMs?: number } = {}): H1Pool {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: opts.maxSocketsPerEndpoint ?? 512,
    maxFreeSockets: 128,
    timeout: opts.idleMs ?? 30_000,
    scheduling: "lifo",
  });
  return { agent, close: () => agent.destroy() };
}
