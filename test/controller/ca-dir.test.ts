// ca-dir: `weft controller --provider file --local-dev-tokens F --ca-dir D` keeps its mesh CA in D, so a
// restarted controller signs under the same roots (without it, a restart made a new CA that every
// proxy refused). Files are 0600 in a 0700 directory; a key readable by others is refused; the flag is
// refused where the CA lives elsewhere (kube provider: the Secret).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadOrCreateCaDir } from "../../pkg/controller/ca-dir.ts";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { startController } from "../../pkg/controller/runtime.ts";
import { SILENT_LOG } from "../../pkg/k8s/log.ts";

const work = mkdtempSync(join(tmpdir(), "weft-ca-dir-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tokens = join(work, "tokens.json");
writeFileSync(tokens, JSON.stringify({ tokens: [{ token: "t".repeat(24), namespace: "demo", serviceAccount: "web" }] }), { mode: 0o600 });
const manifests = join(work, "manifests");
mkdirSync(manifests);

async function bundleOfAFreshController(caDir: string | undefined): Promise<string> {
  const argv = ["--provider", "file", "--dir", manifests, "--grpc-address", "127.0.0.1", "--grpc-port", "0", "--admin-port", "0", "--local-dev-tokens", tokens, "--grpc-insecure",
    ...(caDir !== undefined ? ["--ca-dir", caDir] : [])];
  const h = await startController(parseControllerOptions(argv, {}), SILENT_LOG);
  try {
    return h.identity!.ca.trustBundle();
  } finally {
    await h.stop();
  }
}

describe("the mesh CA kept in --ca-dir", () => {
  it("survives a controller restart (and an in-memory CA does not)", { timeout: 60_000 }, async () => {
    const dir = join(work, "state", "ca");
    const first = await bundleOfAFreshController(dir);
    expect(await bundleOfAFreshController(dir)).toBe(first);
    expect(await bundleOfAFreshController(undefined)).not.toBe(first);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
    expect(readdirSync(dir).sort()).toEqual(["ca.crt", "ca.key", "root.crt", "root.key"]);
  });

  it("refuses a key file other users can read, naming the chmod", () => {
    const dir = join(work, "loose");
    loadOrCreateCaDir(dir, "cluster.local", SILENT_LOG);
    chmodSync(join(dir, "ca.key"), 0o644);
    expect(() => loadOrCreateCaDir(dir, "cluster.local", SILENT_LOG)).toThrow(`--ca-dir: ${join(dir, "ca.key")} is readable by other users; run: chmod 600 ${join(dir, "ca.key")}`);
  });

  it("refuses a directory with a broken CA instead of replacing it", () => {
    const dir = join(work, "broken");
    loadOrCreateCaDir(dir, "cluster.local", SILENT_LOG);
    writeFileSync(join(dir, "root.crt"), "not a certificate", { mode: 0o600 });
    expect(() => loadOrCreateCaDir(dir, "cluster.local", SILENT_LOG)).toThrow(/--ca-dir .*broken: root certificate is not a valid PEM certificate/);
  });

  it("is refused where the CA does not live in a directory", () => {
    expect(() => parseControllerOptions(["--provider", "kube", "--ca-dir", "/x"], {})).toThrow(/--ca-dir goes with --provider file and --local-dev-tokens/);
    expect(() => parseControllerOptions(["--provider", "file", "--dir", ".", "--ca-dir", "/x"], {})).toThrow(/--ca-dir goes with --provider file and --local-dev-tokens/);
  });
});
