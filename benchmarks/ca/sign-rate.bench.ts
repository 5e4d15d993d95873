// sign-rate bench: CSR signings per second on one core (one Node thread), comparing the RSA
// signature done by node:crypto (OpenSSL) on the forge-built TBS bytes with node-forge's pure-JS
// RSA; also the parts (CSR parse + proof-of-possession check, leaf build) and the whole Sign
// handler (token check, rate limit, CSR identity check). Bounded by count and by 5 s per case.
// Prints JSON lines. Usage: node benchmarks/ca/sign-rate.bench.ts
import { loadavg } from "node:os";
import { prepareIssuer, issueLeaf } from "../../pkg/ca/ca-certs.ts";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";
import { createCsr, parseCsr } from "../../pkg/ca/csr.ts";
import { createMeshCa, importCa } from "../../pkg/ca/mesh-ca.ts";
import { DISTRIBUTION_AUDIENCE, createSignHandler } from "../../pkg/ca/sign-handler.ts";
import { createStaticTokenAuthenticator } from "../../pkg/ca/token-authenticator.ts";

const TD = "cluster.local";
const ID = `spiffe://${TD}/ns/shop/sa/web`;
const keys = generateRsaKeySync(2048);
const csr = createCsr(keys.privateKeyPem, keys.publicKeyPem, ID);
const ca = createMeshCa({ trustDomain: TD });
const forgeCa = importCa(ca.exportCa(), { trustDomain: TD, signer: "forge" });

async function rate(name: string, maxCount: number, fn: () => unknown, extra: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  while (n < maxCount && performance.now() - t0 < 5000) {
    await fn();
    n++;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      bench: `ca.${name}`,
      count: n,
      perSecond: Math.round(n / s),
      // Per second of CPU actually granted to this thread: one core's rate, less skewed by a loaded machine.
      perCpuSecond: Math.round(n / cpuS),
      goalPerSecond: 300,
      loadavg1m: Math.round(loadavg()[0]! * 10) / 10,
      ...extra,
    }),
  );
}

await rate("sign.native-rsa", 2000, () => ca.sign(csr, ID), { intermediateKeyBits: 2048 });
await rate("sign.forge-rsa", 200, () => forgeCa.sign(csr, ID), { intermediateKeyBits: 2048 });
await rate("part.csr-parse-and-verify", 2000, () => parseCsr(csr));
const parsed = parseCsr(csr);
const issuer = prepareIssuer({ certPem: ca.exportCa().intermediateCertPem, keyPem: ca.exportCa().intermediateKeyPem });
await rate("part.leaf-build-and-native-sign", 2000, () => issueLeaf(issuer, parsed.publicKey, ID, TD, 86_400_000, "native"));
const handler = createSignHandler({
  ca,
  authenticator: createStaticTokenAuthenticator(new Map([["t", { namespace: "shop", serviceAccount: "web", audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Date.now() + 3600_000 }]])),
  rateLimit: { burst: 1e9, perMinute: 1e9 },
  globalRateLimit: { burst: 1e9, perMinute: 1e9 },
});
await rate("sign-handler.native-rsa", 2000, () => handler({ csrPem: csr, token: "t" }));
