// recording-engine: a stand-in HttpEngine for sidecar tests. It records every serveConnection call
// (context and replayed head bytes) and answers HTTP/1 requests with a JSON echo of the context, so a
// test sees exactly what the sidecar handed over. HTTP/2 prefaces are recorded and the socket closed.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { EngineState, HttpEngine, MeshTlsMaterial, RouteContext } from "../../../pkg/proxy/engine-types.ts";

export interface RecordedCall {
  readonly ctx: RouteContext;
  readonly head: string;
}

export interface RecordingEngine extends HttpEngine {
  readonly calls: RecordedCall[];
}

export function createRecordingEngine(): RecordingEngine {
  const calls: RecordedCall[] = [];
  const contexts = new WeakMap<object, RouteContext>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ctx = contexts.get(req.socket);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({
      face: ctx?.face,
      label: ctx?.label,
      peerIdentity: ctx?.peerIdentity ?? null,
      localAppPort: ctx?.localAppPort ?? null,
      destinationPort: ctx?.destinationPort,
      defaultCluster: ctx?.defaultCluster ?? null,
      hasRoutes: ctx?.routes !== undefined,
      method: req.method,
      url: req.url,
      host: req.headers.host ?? null,
    }));
  });
  return {
    calls,
    serveConnection(socket: Duplex, ctx: RouteContext, head?: Buffer): void {
      calls.push({ ctx, head: head?.toString("latin1") ?? "" });
      if (head?.toString("latin1").startsWith("PRI * HTTP/2.0")) {
        socket.destroy();
        return;
      }
      contexts.set(socket, ctx);
      // node:http consumes the socket's handle directly, so bytes already read are replayed as an event.
      server.emit("connection", socket as Socket);
      if (head !== undefined && head.length > 0) socket.emit("data", head);
      socket.resume();
    },
    setState(_state: EngineState): void {},
    setMeshTls(_material: MeshTlsMaterial | undefined): void {},
    announceDrain(): void {},
    lastConnectionAt: () => undefined,
    async drain(): Promise<void> {
      server.closeAllConnections();
    },
  };
}
