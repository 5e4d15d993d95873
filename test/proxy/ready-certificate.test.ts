// ready-certificate: a proxy with a mesh identity (a ServiceAccount token, so its mesh traffic is mTLS) is
// ready only once its config is in force AND its workload certificate is issued. In-process
// (pkg/proxy/runtime.ts startProxy) against a loopback distribution server whose Sign RPC is held back:
// with the config in force and the certificate not yet signed, /ready answers 503 naming the identity;
// once signed it answers 200. (Before the fix the sidecar reported ready on its config alone, so a pod
// took traffic it could not yet carry over mTLS.)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeshCa } from "../../pkg/ca/mesh-ca.ts";
import { DISTRIBUTION_AUDIENCE, createSignHandler } from "../../pkg/ca/sign-handler.ts";
import { createStaticTokenAuthenticator } from "../../pkg/ca/token-authenticator.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/index.ts";
import { startProxy, type ProxyOptions } from "../../pkg/proxy/runtime.ts";
import { createLogger } from "../../pkg/telemetry/index.ts";
import { h1 } from "./client.ts";
import { until } from "./fixtures.ts";
import { proxyOptions } from "./proxy-options.ts";

const ID = "spiffe://cluster.local/ns/shop/sa/web";
const log = createLogger({ name: "proxy-test", level: "error", destination: { write: () => {} } });

let dir: string;
let server: DistributionServer;
let port = 0;
/** Releases the Sign calls held so far and every later one. */
let releaseSign: () => void = () => {};
let signRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-ready-cert-"));
  writeFileSync(join(dir, "token"), "t-web", { mode: 0o600 });
  const ca = createMeshCa({ trustDomain: "cluster.local" });
  const signed = createSignHandler({
    ca,
    authenticator: createStaticTokenAuthenticator(
      new Map([["t-web", { namespace: "shop", serviceAccount: "web", audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Date.now() + 3600_000 }]]),
    ),
  });
  const held = new Promise<void>((r) => (releaseSign = r));
  server = createDistributionServer({
    sign: async (req) => {
      signRequests++;
      await held;
      return signed(req);
    },
  });
  server.setIr({ gateways: [], services: [], clusters: [], secrets: [] });
  port = await server.listen("127.0.0.1:0");
});

afterAll(async () => {
  releaseSign();
  await server.close(0);
  rmSync(dir, { recursive: true, force: true });
});

function sidecarOptions(): ProxyOptions {
  return proxyOptions({
    mode: "sidecar",
    namespace: "shop",
    serviceAccount: "web",
    pod: "web-1",
    tokenPath: join(dir, "token"),
    config: { kind: "controller", address: `127.0.0.1:${port}`, trustPem: undefined },
    drainMs: 200,
  });
}

/** Polls /ready (bounded) until it answers `status`; gives the last answer. */
async function readyUntil(adminPort: number, status: number): Promise<{ status: number; body: string }> {
  let last = await h1(adminPort, "/ready");
  const end = Date.now() + 20_000;
  while (last.status !== status && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    last = await h1(adminPort, "/ready");
  }
  return last;
}

describe("readiness with a mesh identity", () => {
  it("is 503 while the workload certificate is not issued, though the config is in force; 200 once it is", { timeout: 60_000 }, async () => {
    const proxy = await startProxy(sidecarOptions(), log);
    try {
      await until(() => proxy.engine.state() !== undefined && signRequests > 0, 20_000);
      expect(proxy.engine.state(), "config in force").toBeDefined();
      expect(signRequests, "the certificate was requested").toBeGreaterThan(0);
      const before = await h1(proxy.adminPort, "/ready");
      expect(before).toMatchObject({ status: 503, body: `not ready: no workload certificate yet for ${ID}\n` });
      releaseSign();
      const after = await readyUntil(proxy.adminPort, 200);
      expect(after).toMatchObject({ status: 200, body: "ready\n" });
    } finally {
      await proxy.stop();
    }
  });
});
