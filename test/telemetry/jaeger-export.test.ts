// jaeger-export: the tracing facade exports to a real Jaeger over OTLP/HTTP and OTLP/gRPC, and the
// test helper (test/support/jaeger.ts) reads back what the Jaeger UI would show: the service, the
// resource attributes as process tags, the parent chain, and no warnings.
import { afterAll, beforeAll, expect } from "vitest";
import { initTracing } from "../../pkg/telemetry/index.ts";
import { jaegerTier, spanTree, startJaeger, traceProblems, type Jaeger } from "../support/jaeger.ts";

jaegerTier.describe("a real Jaeger receives Weft's spans", () => {
  let jaeger: Jaeger;
  beforeAll(async () => {
    jaeger = await startJaeger();
  }, 90_000);
  afterAll(async () => {
    await jaeger?.stop();
  });

  for (const protocol of ["http", "grpc"] as const) {
    jaegerTier.it(`over OTLP/${protocol}: one service, its process tags, server → client chained`, async () => {
      const service = `export-${protocol}`;
      const tracing = initTracing({
        serviceName: service,
        otlpEndpoint: protocol === "http" ? jaeger.otlpHttp : jaeger.otlpGrpc,
        protocol,
        samplingRatio: 1,
        propagators: ["tracecontext"],
        resourceAttributes: { "k8s.pod.name": "web-0" },
        exportDelayMs: 50,
      });
      const server = tracing.startServerSpan(() => undefined, { "http.request.method": "GET" });
      const client = tracing.startClientSpan(server, { "http.request.method": "GET" });
      client.end({ httpStatus: 200 });
      server.end({ httpStatus: 200 });
      await tracing.forceFlush();
      const [t] = await jaeger.waitForTraces(service, (ts) => ts.length === 1 && ts[0]!.spans.length === 2);
      expect(await jaeger.services()).toContain(service);
      expect(t!.spans.every((s) => s.service === service && s.process["k8s.pod.name"] === "web-0")).toBe(true);
      expect(t!.spans.find((s) => s.spanId === client.spanId)?.parentId).toBe(server.spanId);
      expect(spanTree(t!).split("\n")).toHaveLength(2);
      expect(traceProblems(t!)).toEqual([]);
      await tracing.shutdown();
    }, 30_000);
  }
});
