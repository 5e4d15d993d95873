// Signing over the distribution gRPC Sign RPC: the sign handler behind a real loopback server,
// each rejection with its gRPC status and a precise message; the identity client end to end
// (issue with an EC P-256 key, verify, automatic rotation at about half-life); the TokenReview authenticator.
import { status } from "@grpc/grpc-js";
import { createPrivateKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";
import { createCsr } from "../../pkg/ca/csr.ts";
import { createIdentityClient } from "../../pkg/ca/identity-client.ts";
import { createMeshCa, type MeshCa } from "../../pkg/ca/mesh-ca.ts";
import { verifyPeerIdentity } from "../../pkg/ca/peer-verify.ts";
import { DISTRIBUTION_AUDIENCE, createSignHandler, type SignHandlerOptions } from "../../pkg/ca/sign-handler.ts";
import type { MeshTlsMaterial } from "../../pkg/ca/tls-material.ts";
import { createStaticTokenAuthenticator, createTokenReviewAuthenticator, type StaticToken } from "../../pkg/ca/token-authenticator.ts";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/client.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/server.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";

const TD = "cluster.local";
const WEB = `spiffe://${TD}/ns/shop/sa/web`;
const hour = 3600_000;
const tok = (namespace: string, serviceAccount: string, more: Partial<StaticToken> = {}): StaticToken => ({
  namespace,
  serviceAccount,
  audiences: [DISTRIBUTION_AUDIENCE],
  expiresAt: Date.now() + hour,
  ...more,
});
const tokens = new Map<string, StaticToken>([
  ["t-web", tok("shop", "web")],
  ["t-db", tok("shop", "db")],
  ["t-expired", tok("shop", "web", { expiresAt: Date.now() - 1000 })],
  ["t-wrong-aud", tok("shop", "web", { audiences: ["https://kubernetes.default.svc"] })],
  ["t-burst", tok("shop", "burst")],
  ["t-rotate", tok("shop", "rotate")],
]);
const keys = generateRsaKeySync(2048);
const csrFor = (id: string) => createCsr(keys.privateKeyPem, keys.publicKeyPem, id);

let ca: MeshCa;
let server: DistributionServer;
let client: DistributionClient;
const logged: string[] = [];
let signedCount = 0;

beforeAll(async () => {
  ca = createMeshCa({ trustDomain: TD });
  const sign = createSignHandler({
    ca,
    authenticator: createStaticTokenAuthenticator(tokens),
    rateLimit: { burst: 3, perMinute: 1 },
    metrics: { certificatesSigned: { inc: () => void signedCount++ } } as unknown as NonNullable<SignHandlerOptions["metrics"]>,
    log: (_l, msg, fields) => logged.push(`${msg} ${JSON.stringify(fields)}`),
  });
  server = createDistributionServer({ sign });
  const port = await server.listen("127.0.0.1:0");
  client = createDistributionClient({
    address: `127.0.0.1:${port}`,
    identity: { namespace: "shop", serviceAccount: "web", pod: "web-1", kind: "sidecar" },
    onConfig: () => {},
  });
});
afterAll(async () => {
  client.close();
  await server.close(0);
});

async function signError(csr: string, token: string): Promise<{ code: number; details: string }> {
  try {
    await client.sign(csr, token);
  } catch (e) {
    const err = e as { code: number; details: string };
    return { code: err.code, details: err.details };
  }
  throw new Error("expected the Sign call to fail");
}

describe("Sign RPC", () => {
  it("signs a CSR for the token's own identity and returns chain and trust bundle", async () => {
    const res = await client.sign(csrFor(WEB), "t-web");
    expect(res.trustBundlePem).toBe(ca.trustBundle());
    expect(verifyPeerIdentity(res.certChainPem, res.trustBundlePem, WEB)).toEqual({ ok: true, identity: WEB });
  });

  it("PERMISSION_DENIED when the CSR asks for another identity than the token's ServiceAccount", async () => {
    expect(await signError(csrFor(WEB), "t-db")).toEqual({
      code: status.PERMISSION_DENIED,
      details: `CSR requests ${WEB} but the token belongs to spiffe://${TD}/ns/shop/sa/db`,
    });
    const otherNs = `spiffe://${TD}/ns/bank/sa/web`;
    expect((await signError(csrFor(otherNs), "t-web")).code).toBe(status.PERMISSION_DENIED);
  });

  it("UNAUTHENTICATED for expired, wrong-audience, unknown and missing tokens", async () => {
    expect(await signError(csrFor(WEB), "t-expired")).toEqual({ code: status.UNAUTHENTICATED, details: "token has expired" });
    expect(await signError(csrFor(WEB), "t-wrong-aud")).toEqual({
      code: status.UNAUTHENTICATED,
      details: `token audience does not include ${DISTRIBUTION_AUDIENCE}`,
    });
    expect(await signError(csrFor(WEB), "who-knows")).toEqual({ code: status.UNAUTHENTICATED, details: "token not recognised" });
    expect(await signError(csrFor(WEB), "")).toEqual({ code: status.UNAUTHENTICATED, details: "missing ServiceAccount token" });
  });

  it("INVALID_ARGUMENT for a malformed or oversized CSR", async () => {
    const bad = await signError("not a csr", "t-web");
    expect(bad).toEqual({ code: status.INVALID_ARGUMENT, details: "CSR is not a valid PEM certification request" });
    expect((await signError("x".repeat(20_000), "t-web")).code).toBe(status.INVALID_ARGUMENT);
  });

  it("RESOURCE_EXHAUSTED once an identity exceeds its rate limit", async () => {
    const id = `spiffe://${TD}/ns/shop/sa/burst`;
    const before = signedCount;
    for (let i = 0; i < 3; i++) await client.sign(csrFor(id), "t-burst");
    expect(signedCount - before).toBe(3);
    expect(await signError(csrFor(id), "t-burst")).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details: `signing rate limit exceeded for ${id}; retry later`,
    });
  });

  it("never logs tokens or keys", () => {
    const all = logged.join("\n");
    expect(all).toContain("signed workload certificate");
    for (const secret of ["t-web", "t-db", "t-burst", "PRIVATE KEY", "CERTIFICATE REQUEST"]) expect(all).not.toContain(secret);
  });
});

describe("global signing limit", () => {
  it("refuses requests before authentication once the global budget is spent", async () => {
    let reviews = 0;
    const handler = createSignHandler({
      ca,
      authenticator: { authenticate: async () => {
        reviews++;
        throw new Error("not reached in this test");
      } },
      globalRateLimit: { burst: 2, perMinute: 0 },
    });
    for (let i = 0; i < 2; i++) await handler({ csrPem: "x", token: "bad" }).catch(() => {});
    const err = await handler({ csrPem: "x", token: "bad" }).catch((e: unknown) => e);
    expect(isWeftError(err, "WEFT_ERR_RATE_LIMITED")).toBe(true);
    expect(reviews).toBe(2);
  });
});

describe("identity client", () => {
  it("gets a certificate over gRPC and rotates it at about half of its life", async () => {
    const shortCa = createSignHandler({ ca, authenticator: createStaticTokenAuthenticator(tokens), ttlMs: 4000 });
    const id = `spiffe://${TD}/ns/shop/sa/rotate`;
    const got: MeshTlsMaterial[] = [];
    const ic = createIdentityClient({
      identity: id,
      requestSign: (csrPem, token) => shortCa({ csrPem, token }),
      readToken: () => "t-rotate",
      onMaterial: (m) => got.push(m),
      random: () => 0.5,
    });
    const first = await ic.start();
    expect(first.identity).toBe(id);
    // The workload key is EC P-256 (cheap to make on every sidecar start), not RSA.
    expect(createPrivateKey(first.keyPem).asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(verifyPeerIdentity(first.certChainPem, first.trustBundlePem, id).ok).toBe(true);
    const next = ic.nextRotationInMs()!;
    expect(next).toBeGreaterThan(500);
    expect(next).toBeLessThanOrEqual(2500);
    const until = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    ic.stop();
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got[1]!.keyPem).not.toBe(got[0]!.keyPem);
    expect(verifyPeerIdentity(got[1]!.certChainPem, got[1]!.trustBundlePem, id).ok).toBe(true);
  });

  it("refuses a signed certificate that names another identity", async () => {
    const id = `spiffe://${TD}/ns/shop/sa/web`;
    const liar = createIdentityClient({
      identity: id,
      requestSign: async () => {
        const other = `spiffe://${TD}/ns/shop/sa/db`;
        const k = generateRsaKeySync(2048);
        return { certChainPem: ca.sign(createCsr(k.privateKeyPem, k.publicKeyPem, other), other).certChainPem, trustBundlePem: ca.trustBundle() };
      },
      readToken: () => "t-web",
      onMaterial: () => {
        throw new Error("must not emit");
      },
    });
    await expect(liar.rotate()).rejects.toThrow(/signed certificate rejected: peer identity .*sa\/db does not match/);
    liar.stop();
  });
});

describe("identity client retries", () => {
  it("retries a failing controller with backoff and stops cleanly when told to", async () => {
    let calls = 0;
    const errors: string[] = [];
    const ic = createIdentityClient({
      identity: WEB,
      requestSign: async () => {
        calls++;
        throw new Error("UNAVAILABLE: controller down");
      },
      readToken: () => "t-web",
      onMaterial: () => {},
      retry: { initialMs: 10, maxMs: 40 },
      log: (_l, _m, f) => errors.push(String(f["error"])),
    });
    const started = ic.start();
    const until = Date.now() + 10_000;
    while (calls < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    ic.stop();
    await expect(started).rejects.toThrow(/identity client stopped/);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(errors[0]).toBe("UNAVAILABLE: controller down");
    expect(ic.current()).toBeUndefined();
  });
});

describe("TokenReview authenticator", () => {
  const review = (status: object) => createTokenReviewAuthenticator(async () => ({ status }));
  it("maps an authenticated ServiceAccount with the audience to its identity", async () => {
    const a = review({ authenticated: true, user: { username: "system:serviceaccount:shop:web" }, audiences: [DISTRIBUTION_AUDIENCE] });
    await expect(a.authenticate("t", DISTRIBUTION_AUDIENCE)).resolves.toEqual({ namespace: "shop", serviceAccount: "web" });
  });
  it("rejects unauthenticated, wrong audience, non-ServiceAccount users and API failures", async () => {
    const cases: [object, string][] = [
      [{ authenticated: false, error: "token expired" }, "WEFT_ERR_UNAUTHENTICATED"],
      [{ authenticated: true, user: { username: "system:serviceaccount:shop:web" }, audiences: ["other"] }, "WEFT_ERR_UNAUTHENTICATED"],
      [{ authenticated: true, user: { username: "alice" }, audiences: [DISTRIBUTION_AUDIENCE] }, "WEFT_ERR_PERMISSION_DENIED"],
    ];
    for (const [st, code] of cases) {
      const err = await review(st).authenticate("t", DISTRIBUTION_AUDIENCE).catch((e: unknown) => e);
      expect(isWeftError(err) && err.code).toBe(code);
    }
    const down = createTokenReviewAuthenticator(async () => {
      throw new Error("connect ECONNREFUSED");
    });
    const err = await down.authenticate("secret-token", DISTRIBUTION_AUDIENCE).catch((e: unknown) => e);
    expect(isWeftError(err, "WEFT_ERR_UNAVAILABLE")).toBe(true);
    expect(String((err as Error).message)).not.toContain("secret-token");
  });
});
