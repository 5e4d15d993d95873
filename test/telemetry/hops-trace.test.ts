// hops-trace: one trace per request through three real proxy engines with the real sidecar capture
// faces and mesh mTLS between the sidecars (hops-mesh.ts): gateway → sidecar A outbound → mTLS →
// sidecar B inbound → app, for HTTP/1.1, h2c, gRPC unary and gRPC server streaming, exported once over
// OTLP/HTTP and once over OTLP/gRPC. Proves: one trace id, the parent chain
// server→client→server→client→server→client, span kinds, semantic-convention attributes per protocol
// and the weft.* attributes (peer identity on the inbound hop = A's SPIFFE id).
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1, h2, h2session } from "../proxy/client.ts";
import { startGrpcReceiver, startHttpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp/otlp-receiver.ts";
import { GATEWAY_CLUSTER, ID_A, REVIEWS_CLUSTER, chainOf, grpcClient, spansOf, startMesh, type Mesh } from "./hops-mesh.ts";

type Msg = { text: string; n?: number };

/** The six chained spans of the request `send` makes. */
async function traceOf(mesh: Mesh, receiver: OtlpReceiver, send: () => Promise<void>): Promise<ReceivedSpan[]> {
  return chainOf(await spansOf(mesh, receiver, send));
}

function expectWeftHops(chain: ReceivedSpan[], mesh: Mesh, route: string, appPort: number, meshHop: "1.1" | "2"): void {
  const [gwServer, gwClient, aServer, aClient, bServer, bClient] = chain as [ReceivedSpan, ReceivedSpan, ReceivedSpan, ReceivedSpan, ReceivedSpan, ReceivedSpan];
  expect(gwServer.attributes).toMatchObject({ "weft.route": route, "weft.rule": `${route}/0`, "weft.backend": GATEWAY_CLUSTER, "weft.config.version": "v1" });
  expect(gwServer.attributes["weft.peer.identity"]).toBeUndefined();
  expect(aServer.attributes).toMatchObject({ "weft.route": "none", "weft.backend": REVIEWS_CLUSTER, "weft.config.version": "cfg-a" });
  expect(aServer.attributes["weft.peer.identity"]).toBeUndefined();
  expect(bServer.attributes).toMatchObject({ "weft.backend": "local-app", "weft.config.version": "cfg-b", "weft.peer.identity": ID_A });
  expect(gwClient.attributes).toMatchObject({ "server.address": "127.0.0.1", "server.port": mesh.sidecarA.outboundPort, "weft.attempt": 0 });
  expect(aClient.attributes).toMatchObject({ "server.address": "127.0.0.1", "server.port": mesh.sidecarB.inboundPort, "weft.attempt": 0 });
  expect(bClient.attributes).toMatchObject({ "server.address": "127.0.0.1", "server.port": appPort, "weft.attempt": 0 });
  // The hop between the sidecars is mesh mTLS: HTTP/1.1 for an HTTP/1.1 cluster, h2 for h2c and gRPC ones.
  expect(bServer.attributes["network.protocol.version"]).toBe(meshHop);
  for (const s of chain) expect(s.statusCode, `${s.serviceName} ${s.kind}`).not.toBe(2);
}

for (const exportProtocol of ["http", "grpc"] as const) {
  describe(`one trace across gateway → sidecar → mTLS → sidecar → app, exported over OTLP/${exportProtocol}`, () => {
    let receiver: OtlpReceiver;
    const meshes: Mesh[] = [];
    beforeAll(async () => {
      receiver = exportProtocol === "http" ? await startHttpReceiver() : await startGrpcReceiver();
    });
    afterAll(async () => {
      for (const m of meshes) await m.close();
      await receiver?.close();
    });
    const mesh = async (hop: "http1" | "h2c" | "grpc"): Promise<Mesh> => {
      const m = await startMesh({ receiver, exportProtocol, hop });
      meshes.push(m);
      return m;
    };

    it("HTTP/1.1: six chained spans, HTTP attributes, the app sees the last client span as parent", async () => {
      const m = await mesh("http1");
      const chain = await traceOf(m, receiver, async () => {
        const r = await h1(m.gateway.port, "/reviews/1", { headers: { host: "reviews.example" } });
        expect(r.status).toBe(200);
      });
      expectWeftHops(chain, m, "HTTPRoute/default/r0", m.app!.port, "1.1");
      for (const s of chain) expect(s.attributes).toMatchObject({ "http.request.method": "GET", "http.response.status_code": 200 });
      expect(chain[0]!.attributes["network.protocol.version"]).toBe("1.1");
      // The gateway routed by its PathPrefix "/" rule; the sidecars served the Service without a route table.
      expect(chain[0]!.name).toBe("GET /*");
      expect(chain[0]!.attributes["http.route"]).toBe("/*");
      expect(chain[2]!.name).toBe("GET");
      const seen = m.app!.seen[m.app!.seen.length - 1]!;
      expect(String(seen.headers["traceparent"])).toBe(`00-${chain[0]!.traceId}-${chain[5]!.spanId}-01`);
    });

    it("h2c: the same chain when the client and the gateway hop speak HTTP/2 prior knowledge", async () => {
      const m = await mesh("h2c");
      const session = h2session(m.gateway.port);
      try {
        const chain = await traceOf(m, receiver, async () => {
          const r = await h2(session, "/reviews/2", { method: "POST", body: "{}", authority: "reviews.example" });
          expect(r.status).toBe(200);
        });
        expectWeftHops(chain, m, "HTTPRoute/default/r0", m.app!.port, "2");
        for (const s of chain) expect(s.attributes).toMatchObject({ "http.request.method": "POST", "http.response.status_code": 200 });
        expect(chain[0]!.attributes["network.protocol.version"]).toBe("2");
        expect(chain[2]!.attributes["network.protocol.version"]).toBe("2");
      } finally {
        session.destroy();
      }
    });

    describe("gRPC", () => {
      let m: Mesh;
      let client: grpc.Client;
      beforeAll(async () => {
        m = await mesh("grpc");
        client = grpcClient(m.gateway.port);
      });
      afterAll(() => client?.close());

      const expectRpc = (chain: ReceivedSpan[], method: string) => {
        expectWeftHops(chain, m, "GRPCRoute/default/r0", m.grpcApp!.port, "2");
        for (const s of chain) {
          expect(s.attributes, `${s.serviceName} ${s.kind}`).toMatchObject({ "rpc.system": "grpc", "rpc.service": "test.Echo", "rpc.method": method, "rpc.grpc.status_code": 0 });
          expect(s.name).toBe(`test.Echo/${method}`);
        }
      };

      it("unary: rpc.* attributes and grpc status 0 on every span", async () => {
        const chain = await traceOf(m, receiver, async () => {
          const res = await new Promise<Msg>((resolve, reject) => {
            (client as unknown as { Unary(msg: Msg, cb: (e: grpc.ServiceError | null, r?: Msg) => void): void }).Unary({ text: "hi" }, (e, r) => (e ? reject(e) : resolve(r!)));
          });
          expect(res.text).toBe("reviews-app:hi");
        });
        expectRpc(chain, "Unary");
      });

      it("server streaming: one trace, every message delivered, status from the trailers", async () => {
        const chain = await traceOf(m, receiver, async () => {
          const got = await new Promise<string[]>((resolve, reject) => {
            const out: string[] = [];
            const call = (client as unknown as { ServerStream(msg: Msg): grpc.ClientReadableStream<Msg> }).ServerStream({ text: "s", n: 4 });
            call.on("data", (d: Msg) => out.push(d.text));
            call.on("error", reject);
            call.on("end", () => resolve(out));
          });
          expect(got).toEqual(["reviews-app:0", "reviews-app:1", "reviews-app:2", "reviews-app:3"]);
        });
        expectRpc(chain, "ServerStream");
      });
    });
  });
}
