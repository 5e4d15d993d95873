// trust-bundle: the mesh CA's roots travel over the distribution stream as a `trust` resource, to proxies
// whose hello announces the trust-bundle feature (a hello without it, as older proxies send, gets the
// same routing slice and no unknown resource type to NACK); a changed bundle is pushed without any IR
// change; unchanged text pushes nothing; a slice whose trust holds no certificate is refused.
import { credentials } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { createMeshCa } from "../../pkg/ca/index.ts";
import { createDistributionClient } from "../../pkg/distribution/client.ts";
import { loadDistributionProto, type DistributionStub, type ServerMessage } from "../../pkg/distribution/proto.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/server.ts";
import type { ProxySlice } from "../../pkg/distribution/slice.ts";
import { validateIr } from "../../pkg/ir/index.ts";
import { sampleIr } from "./ir-fixtures.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const caA = createMeshCa({ trustDomain: "cluster.local" });
const caB = createMeshCa({ trustDomain: "cluster.local" });

/** A distribution server on loopback with the sample IR and caA's roots, closed after the test. */
async function serving(): Promise<{ server: DistributionServer; port: number }> {
  const server = createDistributionServer();
  server.setIr(sampleIr());
  server.setTrust(caA.trustBundle());
  const port = await server.listen("127.0.0.1:0");
  cleanups.push(() => server.close(0));
  return { server, port };
}

describe("trust bundle over the distribution stream", () => {
  it("pushes the roots to proxies that take them, and a changed bundle without an IR change", async () => {
    const { server, port } = await serving();
    const configs: { version: string; slice: ProxySlice }[] = [];
    const client = createDistributionClient({
      address: `127.0.0.1:${port}`,
      identity: { namespace: "shop", serviceAccount: "default", pod: "p1", kind: "sidecar" },
      backoff: { initialMs: 20, maxMs: 200 },
      onConfig: (c) => configs.push(c),
    });
    cleanups.push(() => client.close());
    await client.start();
    await waitFor("first config", () => configs.length === 1);
    expect(configs[0]!.slice.trust?.rootsPem).toBe(caA.trustBundle());
    server.setTrust(caA.trustBundle());
    server.setTrust(caB.trustBundle());
    await waitFor("the new bundle", () => configs.length === 2);
    expect(configs[1]!.slice.trust?.rootsPem).toBe(caB.trustBundle());
    expect(configs[1]!.slice.services).toEqual(configs[0]!.slice.services);
    await waitFor("acked", () => server.proxies()[0]?.inSync === true);
    expect(configs.length).toBe(2);
  });

  it("sends no trust resource to a proxy whose hello does not announce the feature", async () => {
    const { port } = await serving();
    const { Client } = loadDistributionProto();
    const stub = new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as DistributionStub;
    cleanups.push(() => stub.close());
    const update = await new Promise<ServerMessage>((resolve) => {
      const call = stub.Stream();
      call.on("data", (m: ServerMessage) => {
        resolve(m);
        call.cancel();
      });
      call.on("error", () => {});
      call.write({ msg: "hello", hello: { namespace: "shop", serviceAccount: "default", pod: "old", kind: "sidecar", gatewayNamespace: "", gatewayName: "", version: "", known: [] } });
    });
    const types = new Set(update.update!.resources.map((r) => r.type));
    expect(types.has("service")).toBe(true);
    expect(types.has("trust")).toBe(false);
  });

  it("refuses a slice whose trust bundle holds no certificate", () => {
    const r = validateIr({ gateways: [], services: [], clusters: [], secrets: [], trust: { rootsPem: "not a pem" } });
    expect(r).toEqual({ ok: false, reason: "trust.rootsPem: holds no PEM certificate", problem: { code: "NoCertificate", path: "trust.rootsPem", message: "holds no PEM certificate" } });
  });
});
