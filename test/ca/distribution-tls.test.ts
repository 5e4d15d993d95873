// The distribution port over TLS with a serving certificate from the mesh CA: a proxy trusting the
// mesh bundle gets config and a certificate; a proxy trusting a foreign bundle never connects.
import { X509Certificate } from "node:crypto";
import { credentials, ServerCredentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";
import { createCsr } from "../../pkg/ca/csr.ts";
import { createMeshCa, type MeshCa } from "../../pkg/ca/mesh-ca.ts";
import { verifyPeerIdentity } from "../../pkg/ca/peer-verify.ts";
import { DISTRIBUTION_AUDIENCE, createSignHandler } from "../../pkg/ca/sign-handler.ts";
import { createStaticTokenAuthenticator } from "../../pkg/ca/token-authenticator.ts";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/client.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/server.ts";
import { sampleIr } from "../distribution/ir-fixtures.ts";

const TD = "cluster.local";
const HOST = "weft-controller.weft-system.svc";
const CONTROLLER_ID = `spiffe://${TD}/ns/weft-system/sa/weft-controller`;
let ca: MeshCa;
let server: DistributionServer;
let port = 0;
const clients: DistributionClient[] = [];

beforeAll(async () => {
  ca = createMeshCa({ trustDomain: TD });
  const serving = ca.issueServingCertificate(CONTROLLER_ID, [HOST]);
  const authenticator = createStaticTokenAuthenticator(
    new Map([["t-web", { namespace: "shop", serviceAccount: "web", audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Date.now() + 3600_000 }]]),
  );
  server = createDistributionServer({
    sign: createSignHandler({ ca, authenticator }),
    authenticateToken: (t) => authenticator.authenticate(t, DISTRIBUTION_AUDIENCE),
  });
  server.setIr(sampleIr());
  const creds = ServerCredentials.createSsl(null, [{ private_key: Buffer.from(serving.keyPem), cert_chain: Buffer.from(serving.certChainPem) }], false);
  port = await server.listen("127.0.0.1:0", creds);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close(0);
});

type Log = NonNullable<Parameters<typeof createDistributionClient>[0]["log"]>;

function tlsClient(bundlePem: string, pod: string, onConfig: () => void, log?: Log): DistributionClient {
  const c = createDistributionClient({
    address: `127.0.0.1:${port}`,
    identity: { namespace: "shop", serviceAccount: "web", pod, kind: "sidecar" },
    credentials: credentials.createSsl(Buffer.from(bundlePem)),
    channelOptions: { "grpc.ssl_target_name_override": HOST, "grpc.default_authority": HOST },
    token: () => "t-web",
    onConfig,
    backoff: { initialMs: 20, maxMs: 200 },
    ...(log === undefined ? {} : { log }),
  });
  clients.push(c);
  return c;
}

async function waitFor(cond: () => boolean, limitMs = 10_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

describe("distribution over TLS with the mesh CA", () => {
  it("serves config and signs over a TLS channel that trusts the mesh bundle", async () => {
    const serving = new X509Certificate(ca.issueServingCertificate(CONTROLLER_ID, [HOST]).certChainPem);
    expect(serving.subjectAltName).toBe(`URI:${CONTROLLER_ID}, DNS:${HOST}`);
    let configs = 0;
    const c = tlsClient(ca.trustBundle(), "web-1", () => void configs++);
    await c.start();
    expect(await waitFor(() => configs === 1)).toBe(true);
    const k = generateRsaKeySync(2048);
    const id = `spiffe://${TD}/ns/shop/sa/web`;
    const res = await c.sign(createCsr(k.privateKeyPem, k.publicKeyPem, id), "t-web");
    expect(verifyPeerIdentity(res.certChainPem, res.trustBundlePem, id).ok).toBe(true);
  });

  it("a proxy trusting a foreign bundle never connects and gets no config", async () => {
    const foreign = createMeshCa({ trustDomain: TD });
    let configs = 0;
    const failures: unknown[] = [];
    const c = tlsClient(foreign.trustBundle(), "web-2", () => void configs++, (_level, msg, fields) => {
      if (msg === "distribution stream failed") failures.push(fields);
    });
    await c.start();
    // The event first: two connection attempts failed (the handshake refused the server's chain).
    expect(await waitFor(() => failures.length >= 2)).toBe(true);
    expect(failures[0]).toMatchObject({ code: 14 });
    expect(configs).toBe(0);
    expect(c.connected()).toBe(false);
    expect(server.proxies().map((p) => p.identity.pod)).toEqual(["web-1"]);
  });

  it("refuses bad DNS names for serving certificates", () => {
    expect(() => ca.issueServingCertificate(CONTROLLER_ID, ["bad name"])).toThrow(/DNS name "bad name" is invalid/);
  });
});
