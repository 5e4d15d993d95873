// csr-build: the proxy's CSR, built with node:crypto, is what the CA accepts — parseCsr (node-forge, the
// controller's side) reads its single SPIFFE URI and its key and verifies its signature with either
// signer; a CSR signed by a key other than the one it carries fails proof of possession. And the proxy's
// side of pkg/ca (the controller link a `weft proxy --controller` loads) never loads node-forge.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createCsr } from "../../pkg/ca/csr-build.ts";
import { parseCsr } from "../../pkg/ca/csr.ts";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";

const root = resolve(import.meta.dirname, "../..");
const id = "spiffe://cluster.local/ns/shop/sa/reviews";
const keys = generateRsaKeySync(2048);

describe("CSR built with node:crypto", () => {
  it("is read by the CA's parser with either signer: the SPIFFE id and the key it carries", () => {
    const pem = createCsr(keys.privateKeyPem, keys.publicKeyPem, id);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/);
    for (const signer of ["native", "forge"] as const) {
      const parsed = parseCsr(pem, signer);
      expect(parsed.spiffeId).toBe(id);
      expect(parsed.publicKey.n.bitLength()).toBe(2048);
    }
  });

  it("signed by another key than the one it carries fails proof of possession", () => {
    const other = generateRsaKeySync(2048);
    const pem = createCsr(other.privateKeyPem, keys.publicKeyPem, id);
    expect(() => parseCsr(pem)).toThrow(/proof of possession/);
  });

  it("long ids (multi-byte DER lengths) round-trip", () => {
    const long = `spiffe://cluster.local/ns/${"n".repeat(60)}/sa/${"s".repeat(150)}`;
    expect(parseCsr(createCsr(keys.privateKeyPem, keys.publicKeyPem, long)).spiffeId).toBe(long);
  });
});

describe("the proxy's side of pkg/ca", () => {
  it("weft proxy's controller link loads no node-forge", () => {
    const program = `
      import { createRequire } from "node:module";
      await import(${JSON.stringify(join(root, "pkg/proxy/runtime/controller-link.ts"))});
      await import(${JSON.stringify(join(root, "pkg/proxy/runtime.ts"))});
      const cache = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify({ forge: cache.some((f) => f.includes("/node_modules/node-forge/")), grpc: cache.some((f) => f.includes("/node_modules/@grpc/grpc-js/")) }));
    `;
    const r = spawnSync(join(root, "node_modules/.bin/node"), ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    // grpc-js proves the link itself was loaded (the distribution client); node-forge must not be.
    expect(JSON.parse(r.stdout)).toEqual({ forge: false, grpc: true });
  });
});
