// webhook-server: the HTTPS edge on loopback — AdmissionReview round trip with a patch, health
// endpoint, wrong path/method, oversized bodies cut off (declared and streamed), malformed JSON.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Namespace } from "../../pkg/api/index.ts";
import { createWebhookServer, DEFAULT_INJECTOR_CONFIG } from "../../injector/index.ts";
import { createLogger, createMetricsRegistry, registerControllerMetrics } from "../../pkg/telemetry/index.ts";
import { admissionReview, podCreateRequest, webhookCall } from "../support/admission-review.ts";
import { selfSigned } from "../support/certs.ts";

const tls = selfSigned("weft-webhook.weft-system.svc");
const logLines: string[] = [];
const registry = createMetricsRegistry();
const server = createWebhookServer({
  keyPem: tls.keyPem,
  certPem: tls.certPem,
  config: DEFAULT_INJECTOR_CONFIG,
  nsLookup: (n): Namespace | undefined => (n === "shop" ? { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } } : undefined),
  maxBodyBytes: 64 * 1024,
  logger: createLogger({ destination: { write: (s: string) => {
    logLines.push(s);
  } } }),
  metrics: registerControllerMetrics(registry),
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const call = (method: string, path: string, body?: string | ((write: (s: string) => boolean) => void)) =>
  webhookCall({ port, ca: tls.certPem, servername: "weft-webhook.weft-system.svc" }, method, path, body);

const review = admissionReview(
  podCreateRequest({ apiVersion: "v1", kind: "Pod", metadata: { name: "reviews-1", annotations: { token: "do-not-log-me" } }, spec: { containers: [{ name: "app", image: "reviews:1" }] } }),
);

describe("webhook server", () => {
  it("answers an AdmissionReview over TLS with a patch and logs the decision without the object", async () => {
    const r = await call("POST", "/inject", review);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.response.uid).toBe("u-1");
    expect(body.response.patchType).toBe("JSONPatch");
    const log = logLines.join("");
    expect(log).toContain('"reason":"enabled-by-namespace-label"');
    expect(log).toContain('"name":"reviews-1"');
    expect(log).not.toContain("do-not-log-me");
    expect(await registry.renderMetrics()).toContain('weft_injections_total{injected="true",reason="enabled-by-namespace-label"} 1');
  });

  it("serves /healthz and refuses other paths and methods", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200);
    expect((await call("POST", "/elsewhere", review)).status).toBe(404);
    expect((await call("GET", "/inject")).status).toBe(405);
  });

  it("answers malformed JSON with 400", async () => {
    const r = await call("POST", "/inject", "{not json");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatch(/not valid JSON/);
    expect(await registry.renderMetrics()).toContain('weft_injections_total{injected="false",reason="bad-request"} 1');
  });

  it("cuts off a streamed body beyond the limit with 413", async () => {
    const r = await call("POST", "/inject", (write) => {
      for (let i = 0; i < 100; i++) write("x".repeat(1024));
    }).catch((e: unknown) => ({ status: -1, body: String(e) }));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/exceeds 65536 bytes/);
    expect((await call("GET", "/healthz")).status).toBe(200);
  });
});
