// hops-propagation: trace context formats across the three proxies (hops-mesh.ts) with mesh mTLS
// between the sidecars. B3 (single and multi header) into a gateway configured for
// ["b3", "tracecontext"] ⇒ the app behind the last sidecar receives W3C traceparent (and B3) with the
// SAME trace id, parented by the last hop's client span; W3C in ⇒ B3 single and multi seen by an app
// behind sidecars that write B3; tracestate preserved across every hop and on every exported span.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1 } from "../proxy/client.ts";
import { startHttpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp/otlp-receiver.ts";
import { chainOf, spansOf, startMesh, type Mesh } from "./hops-mesh.ts";

let receiver: OtlpReceiver;
let b3Gateway: Mesh;
let w3cGateway: Mesh;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  b3Gateway = await startMesh({ receiver, exportProtocol: "http", hop: "http1", gatewayPropagators: ["b3", "tracecontext"], sidecarPropagators: ["tracecontext", "b3"] });
  w3cGateway = await startMesh({ receiver, exportProtocol: "http", hop: "http1", gatewayPropagators: ["tracecontext"], sidecarPropagators: ["tracecontext", "b3", "b3multi"] });
});

afterAll(async () => {
  await b3Gateway?.close();
  await w3cGateway?.close();
  await receiver?.close();
});

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
const lastSeen = (m: Mesh) => m.app!.seen[m.app!.seen.length - 1]!.headers;

async function through(m: Mesh, headers: Record<string, string>, rootParent: string): Promise<{ chain: ReceivedSpan[]; seen: Record<string, unknown> }> {
  let seen: Record<string, unknown> = {};
  const spans = await spansOf(m, receiver, async () => {
    const r = await h1(m.gateway.port, "/reviews/7", { headers });
    expect(r.status).toBe(200);
    seen = lastSeen(m);
  });
  return { chain: chainOf(spans, rootParent), seen };
}

describe("B3 in, W3C (and B3) out, across gateway → sidecar → mTLS → sidecar → app", () => {
  it("B3 single header: same trace id at every hop and at the app, parented by the last client span", async () => {
    const traceId = hex(32);
    const spanId = hex(16);
    const { chain, seen } = await through(b3Gateway, { b3: `${traceId}-${spanId}-1` }, spanId);
    const last = chain[5]!;
    for (const s of chain) expect(s.traceId).toBe(traceId);
    expect(seen["traceparent"]).toBe(`00-${traceId}-${last.spanId}-01`);
    expect(seen["b3"]).toBe(`${traceId}-${last.spanId}-1`);
  });

  it("B3 multi header with a 64-bit trace id: left-padded to 128 bits, continued to the app", async () => {
    const traceId64 = hex(16);
    const spanId = hex(16);
    const { chain, seen } = await through(b3Gateway, { "x-b3-traceid": traceId64, "x-b3-spanid": spanId, "x-b3-sampled": "1" }, spanId);
    const traceId = `${"0".repeat(16)}${traceId64}`;
    for (const s of chain) expect(s.traceId).toBe(traceId);
    expect(seen["traceparent"]).toBe(`00-${traceId}-${chain[5]!.spanId}-01`);
    expect(seen["b3"]).toBe(`${traceId}-${chain[5]!.spanId}-1`);
  });
});

describe("W3C in, B3 out", () => {
  it("traceparent + tracestate in ⇒ the app sees B3 single and multi with that trace id; tracestate kept on every hop", async () => {
    const traceId = hex(32);
    const spanId = hex(16);
    const tracestate = "vendor=abc,other=x1";
    const { chain, seen } = await through(w3cGateway, { traceparent: `00-${traceId}-${spanId}-01`, tracestate }, spanId);
    const last = chain[5]!.spanId;
    for (const s of chain) {
      expect(s.traceId).toBe(traceId);
      expect(s.traceState, `${s.serviceName} ${s.kind}`).toBe(tracestate);
    }
    expect(seen["b3"]).toBe(`${traceId}-${last}-1`);
    expect(seen["x-b3-traceid"]).toBe(traceId);
    expect(seen["x-b3-spanid"]).toBe(last);
    expect(seen["x-b3-sampled"]).toBe("1");
    expect(seen["traceparent"]).toBe(`00-${traceId}-${last}-01`);
    expect(seen["tracestate"]).toBe(tracestate);
  });
});
