// hops-retries: retries are separate client spans. The gateway's rule retries 503 twice; the app
// behind the last sidecar answers 503 to the first two calls and 200 to the third, so each attempt
// crosses both sidecars and mesh mTLS again. Expect one trace of 16 spans: the gateway server span,
// three gateway client spans (weft.attempt 0, 1, 2; the failed ones marked as errors with status 503)
// each parenting its own sidecar sub-chain of four spans.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1 } from "../proxy/client.ts";
import { startHttpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp/otlp-receiver.ts";
import { spansOf, startMesh, type Mesh } from "./hops-mesh.ts";

let receiver: OtlpReceiver;
let mesh: Mesh;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  mesh = await startMesh({
    receiver,
    exportProtocol: "http",
    hop: "http1",
    gatewayRetry: { codes: [503], attempts: 2, backoffMs: 1 },
    appBehaviour: (_req, res, _body, n) => {
      if (n > 2) return false;
      (res as import("node:http").ServerResponse).writeHead(503, { "content-type": "text/plain" });
      res.end("not yet");
      return true;
    },
  });
});

afterAll(async () => {
  await mesh?.close();
  await receiver?.close();
});

describe("retries across the mesh", () => {
  it("three attempts ⇒ three client spans (weft.attempt 0, 1, 2), each with its own downstream hops", async () => {
    const spans = await spansOf(mesh, receiver, async () => {
      const r = await h1(mesh.gateway.port, "/reviews/9");
      expect(r.status).toBe(200);
    }, 16);
    expect(mesh.app!.seen).toHaveLength(3);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const of = (svc: string, kind: number) => spans.filter((s) => s.serviceName === svc && s.kind === kind);
    const [server] = of("weft-gateway", 2);
    expect(server).toBeDefined();
    expect(server!.parentSpanId).toBe("");
    expect(server!.attributes["http.response.status_code"]).toBe(200);
    const attempts = of("weft-gateway", 3).sort((a, b) => Number(a.attributes["weft.attempt"]) - Number(b.attributes["weft.attempt"]));
    expect(attempts.map((s) => s.attributes["weft.attempt"])).toEqual([0, 1, 2]);
    expect(attempts.map((s) => s.attributes["http.response.status_code"])).toEqual([503, 503, 200]);
    expect(attempts.map((s) => s.statusCode)).toEqual([2, 2, 0]);
    for (const a of attempts) expect(a.parentSpanId).toBe(server!.spanId);
    expect(new Set(attempts.map((s) => s.spanId)).size).toBe(3);
    // Each attempt went through both sidecars: its own server→client→server→client sub-chain.
    const child = (parent: ReceivedSpan, svc: string, kind: number) => {
      const found = spans.filter((s) => s.serviceName === svc && s.kind === kind && s.parentSpanId === parent.spanId);
      expect(found, `${svc} ${kind} under ${parent.spanId}`).toHaveLength(1);
      return found[0]!;
    };
    const appStatuses: unknown[] = [];
    for (const a of attempts) {
      const aServer = child(a, "frontend-sidecar", 2);
      const aClient = child(aServer, "frontend-sidecar", 3);
      const bServer = child(aClient, "reviews-sidecar", 2);
      const bClient = child(bServer, "reviews-sidecar", 3);
      expect(aServer.attributes["weft.attempt"]).toBeUndefined();
      expect(bClient.attributes["weft.attempt"]).toBe(0);
      appStatuses.push(bClient.attributes["http.response.status_code"]);
    }
    expect(appStatuses).toEqual([503, 503, 200]);
  });
});
