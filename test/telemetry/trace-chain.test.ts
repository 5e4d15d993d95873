// trace-chain: three loopback HTTP hops standing in for gateway → sidecar → sidecar, each with its
// own Tracing (own service name, sampling ratio and propagator set) exporting to one OTLP/HTTP
// receiver. Proves one trace with an unbroken parent chain across real HTTP hops, a B3-only hop in
// the middle, and a downstream hop with ratio 0 following the upstream decision. (The same chain
// through the real proxy needs the proxy to call pkg/telemetry; see docs/telemetry.md.)
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerGetterOf, initTracing, type PropagatorName, type Tracing } from "../../pkg/telemetry/index.ts";
import { startHttpReceiver, type OtlpReceiver } from "../support/otlp/otlp-receiver.ts";

interface Hop {
  name: string;
  tracing: Tracing;
  server: Server;
  port: number;
}

let receiver: OtlpReceiver;
const hops: Hop[] = [];
let app: Server;
let appPort = 0;

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

function forward(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/reviews/1", method: "GET", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function makeHop(name: string, ratio: number, propagators: PropagatorName[], next: () => number): Promise<Hop> {
  const tracing = initTracing({ serviceName: name, protocol: "http", otlpEndpoint: receiver.endpoint, samplingRatio: ratio, propagators, exportDelayMs: 50 });
  const server = createServer((req, res) => {
    const span = tracing.startServerSpan(headerGetterOf(req.headers), { "http.request.method": req.method ?? "GET", "http.route": "/reviews/{id}", "url.path": req.url ?? "/",
      "weft.route": `HTTPRoute/default/${name}` });
    const client = tracing.startClientSpan(span, { "weft.backend": `default/next-of-${name}`, "weft.attempt": 0 });
    const out: Record<string, string> = {};
    tracing.inject(client, (k, v) => {
      out[k] = v;
    });
    forward(next(), out).then((status) => {
      client.end({ httpStatus: status });
      span.end({ httpStatus: status });
      res.writeHead(status).end();
    }, () => {
      client.end({ error: "upstream_failed" });
      span.end({ httpStatus: 502 });
      res.writeHead(502).end();
    });
  });
  return { name, tracing, server, port: await listen(server) };
}

beforeAll(async () => {
  receiver = await startHttpReceiver();
  app = createServer((_req, res) => res.writeHead(200).end("ok"));
  appPort = await listen(app);
  const sidecarIn = await makeHop("sidecar-inbound", 0, ["tracecontext", "b3"], () => appPort);
  const sidecarOut = await makeHop("sidecar-outbound", 0, ["b3"], () => sidecarIn.port);
  const gateway = await makeHop("gateway", 1, ["tracecontext", "b3"], () => sidecarOut.port);
  hops.push(gateway, sidecarOut, sidecarIn);
});

afterAll(async () => {
  for (const h of hops) {
    await h.tracing.shutdown();
    h.server.closeAllConnections();
    await new Promise<void>((r) => h.server.close(() => r()));
  }
  app.closeAllConnections();
  await new Promise<void>((r) => app.close(() => r()));
  await receiver.close();
});

describe("trace across three HTTP hops", () => {
  it("exports one trace whose spans chain gateway → sidecar-outbound → sidecar-inbound", async () => {
    expect(await forward(hops[0]!.port, {})).toBe(200);
    await Promise.all(hops.map((h) => h.tracing.forceFlush()));
    const spans = await receiver.waitForSpans(6);
    expect(spans).toHaveLength(6);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const byService = (svc: string, kind: number) => spans.find((s) => s.serviceName === svc && s.kind === kind)!;
    const chain = [
      byService("gateway", 2),
      byService("gateway", 3),
      byService("sidecar-outbound", 2),
      byService("sidecar-outbound", 3),
      byService("sidecar-inbound", 2),
      byService("sidecar-inbound", 3),
    ];
    expect(chain.every((s) => s !== undefined)).toBe(true);
    expect(chain[0]!.parentSpanId).toBe("");
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanId, `${chain[i]!.serviceName}/${chain[i]!.kind}`).toBe(chain[i - 1]!.spanId);
    expect(chain[0]!.attributes).toMatchObject({ "http.route": "/reviews/{id}", "weft.route": "HTTPRoute/default/gateway", "http.response.status_code": 200 });
    expect(chain[5]!.attributes).toMatchObject({ "weft.backend": "default/next-of-sidecar-inbound", "weft.attempt": 0 });
  });
});
