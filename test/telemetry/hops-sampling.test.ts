// hops-sampling: the sampling decision is taken once and honoured by every hop of the mesh
// (hops-mesh.ts: gateway → sidecar → mesh mTLS → sidecar → app). Gateway ratio 0 but an incoming
// sampled=1 ⇒ the full trace is exported; incoming sampled=0 (W3C or B3) ⇒ no hop exports anything
// although the sidecars sample everything they start themselves; no incoming context ⇒ the
// gateway's own decision (drop or keep) holds downstream. "Nothing exported" is checked after a
// force-flush of every tracer and a later sampled request whose spans did arrive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1 } from "../proxy/client.ts";
import { startGrpcReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";
import { chainOf, spansOf, startMesh, type Mesh } from "./hops-mesh.ts";

let receiver: OtlpReceiver;
let dropping: Mesh;
let keeping: Mesh;

beforeAll(async () => {
  receiver = await startGrpcReceiver();
  dropping = await startMesh({ receiver, exportProtocol: "grpc", hop: "http1", gatewayRatio: 0, sidecarRatio: 1, gatewayPropagators: ["tracecontext", "b3"] });
  keeping = await startMesh({ receiver, exportProtocol: "grpc", hop: "http1", gatewayRatio: 1, sidecarRatio: 0 });
});

afterAll(async () => {
  await dropping?.close();
  await keeping?.close();
  await receiver?.close();
});

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");

async function get(m: Mesh, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const r = await h1(m.gateway.port, "/reviews/3", { headers });
  expect(r.status).toBe(200);
  return m.app!.seen[m.app!.seen.length - 1]!.headers;
}

/** Sends `unsampled` requests, flushes, then one sampled request and waits for exactly its six spans. */
async function expectNothingExported(m: Mesh, unsampled: () => Promise<void>): Promise<void> {
  receiver.spans.length = 0;
  await unsampled();
  await m.flush();
  const marker = hex(32);
  const spans = await spansOf(m, receiver, () => get(m, { traceparent: `00-${marker}-${hex(16)}-01` }).then(() => {}));
  expect(spans.every((s) => s.traceId === marker)).toBe(true);
}

describe("sampling honoured across hops", () => {
  it("gateway ratio 0, incoming sampled=1 ⇒ all six spans of the incoming trace are exported", async () => {
    const traceId = hex(32);
    const parent = hex(16);
    const spans = await spansOf(dropping, receiver, () => get(dropping, { traceparent: `00-${traceId}-${parent}-01` }).then(() => {}));
    const chain = chainOf(spans, parent);
    expect(chain[0]!.traceId).toBe(traceId);
  });

  it("incoming sampled=0 (W3C and B3) ⇒ no hop exports a span, though sidecars sample at ratio 1; the flag reaches the app", async () => {
    const w3c = hex(32);
    const b3 = hex(32);
    const seen: Record<string, unknown>[] = [];
    await expectNothingExported(dropping, async () => {
      seen.push(await get(dropping, { traceparent: `00-${w3c}-${hex(16)}-00` }));
      seen.push(await get(dropping, { b3: `${b3}-${hex(16)}-0` }));
    });
    expect(String(seen[0]!["traceparent"])).toMatch(new RegExp(`^00-${w3c}-[0-9a-f]{16}-00$`));
    expect(String(seen[1]!["traceparent"])).toMatch(new RegExp(`^00-${b3}-[0-9a-f]{16}-00$`));
  });

  it("no incoming context, gateway ratio 0 ⇒ dropped at every hop; the app still gets one unsampled trace id", async () => {
    const seen: Record<string, unknown>[] = [];
    await expectNothingExported(dropping, async () => {
      for (let i = 0; i < 3; i++) seen.push(await get(dropping));
    });
    for (const h of seen) expect(String(h["traceparent"])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(new Set(seen.map((h) => String(h["traceparent"]).slice(3, 35))).size).toBe(3);
  });

  it("no incoming context, gateway ratio 1 ⇒ sidecars at ratio 0 still export their spans of the trace", async () => {
    const spans = await spansOf(keeping, receiver, () => get(keeping).then(() => {}));
    const chain = chainOf(spans);
    const seen = keeping.app!.seen[keeping.app!.seen.length - 1]!.headers;
    expect(seen["traceparent"]).toBe(`00-${chain[0]!.traceId}-${chain[5]!.spanId}-01`);
  });
});
