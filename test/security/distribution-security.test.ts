// distribution-security: the controller's distribution port end to end on loopback — TLS with a
// mesh-CA certificate (plaintext and foreign-CA clients get nothing), token authentication
// (UNAUTHENTICATED without a token), hello ↔ token identity (PERMISSION_DENIED), gateway slices
// only for the Gateway's own ServiceAccount (a sidecar token receives no listener key bytes), and
// trust replacement on the client (setCredentials).
import type { X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeshCa } from "../../pkg/ca/index.ts";
import { createDistributionClient, type DistributionClient, type ProxySlice } from "../../pkg/distribution/index.ts";
import { CONTROLLER_HOST, LISTENER, LOG_LINES, TOKENS, rawStream, startSecureController, type SecureController } from "./support.ts";

let ctl: SecureController;
let bundle = "";
const clients: DistributionClient[] = [];
const tlsCreds = (pem: string): grpc.ChannelCredentials => grpc.credentials.createSsl(Buffer.from(pem));

beforeAll(async () => {
  ctl = await startSecureController();
  bundle = ctl.handle.identity!.ca.trustBundle();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await ctl.stop();
});

async function waitFor(cond: () => boolean, limitMs = 8_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return cond();
}

/** A base64 line from the middle of a PEM block (to look for its bytes in received payloads). */
const pemLine = (pem: string): string => pem.replace(/\r/g, "").split("\n")[2]!;
const web = { namespace: "demo", serviceAccount: "web", kind: "sidecar" as const };
const gatewayHello = (serviceAccount: string) => ({ namespace: "demo", serviceAccount, kind: "gateway" as const, gatewayNamespace: "demo", gatewayName: "public" });

describe("TLS on the distribution port", () => {
  it("serves a mesh-CA certificate for the controller Service names and --grpc-dns-names", async () => {
    const sock = await import("node:tls").then((tls) =>
      new Promise<X509Certificate>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: ctl.handle.grpcPort, servername: CONTROLLER_HOST, ca: bundle, ALPNProtocols: ["h2"] }, () => {
          const cert = s.getPeerX509Certificate();
          s.destroy();
          if (cert === undefined) reject(new Error("no certificate"));
          else resolve(cert);
        });
        s.on("error", reject);
      })
    );
    expect(sock.subjectAltName).toContain(`DNS:${CONTROLLER_HOST}`);
    expect(sock.subjectAltName).toContain("DNS:weft.weft-system.svc.cluster.local");
    expect(sock.subjectAltName).toContain("DNS:localhost");
    expect(sock.subjectAltName).toContain("URI:spiffe://cluster.local/ns/weft-system/sa/weft");
  });

  it("a plaintext client is refused and gets no config", async () => {
    const out = await rawStream({ address: ctl.address, credentials: grpc.credentials.createInsecure(), token: TOKENS.web, hello: web, waitMs: 1500 });
    expect(out.messages).toEqual([]);
    expect(out.headers).toBe(false);
    expect(out.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("a client trusting a foreign CA refuses the server", async () => {
    const foreign = createMeshCa({ trustDomain: "cluster.local" });
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(foreign.trustBundle()), token: TOKENS.web, hello: web, waitMs: 1500 });
    expect(out.messages).toEqual([]);
    expect(out.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("a client checking another host name refuses the server", async () => {
    const { loadDistributionProto } = await import("../../pkg/distribution/proto.ts");
    const { Client } = loadDistributionProto();
    const stub = new Client(ctl.address, tlsCreds(bundle), { "grpc.ssl_target_name_override": "evil.example.com" }) as unknown as grpc.Client;
    const err = await new Promise<Error | undefined>((resolve) => stub.waitForReady(Date.now() + 1500, resolve));
    stub.close();
    expect(err).toBeDefined();
  });
});

describe("authentication and authorization", () => {
  it("a stream without a token is UNAUTHENTICATED", async () => {
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), hello: web });
    expect(out.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(out.details).toMatch(/missing bearer token/);
    expect(out.messages).toEqual([]);
  });

  it("an unknown token is UNAUTHENTICATED and never appears in the logs", async () => {
    const bogus = "tok-bogus-0123456789abcdef";
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), token: bogus, hello: web });
    expect(out.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(LOG_LINES.join("\n")).not.toContain(bogus);
  });

  it("a hello claiming another ServiceAccount is PERMISSION_DENIED", async () => {
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), token: TOKENS.web, hello: { ...web, serviceAccount: "reviews" } });
    expect(out.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(out.details).toBe("token identity demo/web does not match hello demo/reviews");
    expect(out.messages).toEqual([]);
  });

  it("a hello claiming another namespace is PERMISSION_DENIED", async () => {
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), token: TOKENS.other, hello: web });
    expect(out.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(out.details).toBe("token identity other/web does not match hello demo/web");
  });

  it("a sidecar token asking for a gateway slice is PERMISSION_DENIED and receives no secret bytes", async () => {
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), token: TOKENS.web, hello: gatewayHello("web") });
    expect(out.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(out.details).toBe("ServiceAccount demo/web may not receive the slice of Gateway demo/public: gateway proxies must run as ServiceAccount demo/weft-gw-public");
    expect(out.messages).toEqual([]);
    expect(out.headers).toBe(false);
    expect(out.received).not.toContain(pemLine(LISTENER.keyPem));
  });

  it("the gateway's own ServiceAccount receives its slice with the listener key", async () => {
    const out = await rawStream({ address: ctl.address, credentials: tlsCreds(bundle), token: TOKENS.gateway, hello: gatewayHello("weft-gw-public") });
    expect(out.code).toBeUndefined();
    expect(out.messages.length).toBe(1);
    expect(out.received).toContain(pemLine(LISTENER.certPem));
    expect(out.received).toContain(pemLine(LISTENER.keyPem));
  });

  it("a sidecar with a matching token gets its slice, which holds no gateway and no secret", async () => {
    let slice: ProxySlice | undefined;
    const c = createDistributionClient({
      address: ctl.address,
      identity: { ...web, pod: "web-0" },
      credentials: tlsCreds(bundle),
      channelOptions: { "grpc.ssl_target_name_override": CONTROLLER_HOST },
      token: () => TOKENS.web,
      onConfig: (u) => {
        slice = u.slice;
      },
      backoff: { initialMs: 50, maxMs: 200 },
    });
    clients.push(c);
    await c.start();
    expect(await waitFor(() => slice !== undefined)).toBe(true);
    expect(slice!.gateways).toEqual([]);
    expect(slice!.secrets).toEqual([]);
  });
});

describe("trust replacement on the client", () => {
  it("a client that started with the wrong roots connects once given the CA's bundle", async () => {
    const foreign = createMeshCa({ trustDomain: "cluster.local" });
    let configs = 0;
    let failures = 0;
    const c = createDistributionClient({
      address: ctl.address,
      identity: { ...web, pod: "web-rot" },
      credentials: tlsCreds(foreign.trustBundle()),
      channelOptions: { "grpc.ssl_target_name_override": CONTROLLER_HOST },
      token: () => TOKENS.web,
      onConfig: () => {
        configs++;
      },
      backoff: { initialMs: 50, maxMs: 200 },
      log: (_level, msg) => {
        if (msg === "distribution stream failed") failures++;
      },
    });
    clients.push(c);
    await c.start();
    // The event first: a connection attempt with the wrong roots failed; only then the absence of config.
    expect(await waitFor(() => failures >= 1)).toBe(true);
    expect(configs).toBe(0);
    expect(c.connected()).toBe(false);
    c.setCredentials(tlsCreds(bundle));
    expect(await waitFor(() => configs === 1)).toBe(true);
    expect(c.connected()).toBe(true);
  });
});
