// capture-readiness: a sidecar that cannot recover original destinations says so and is never ready.
// Proves: the conntrack fallback is chosen only when this process can read the table (a 0440 root file
// read as UID 1337, as in the image, is refused with EACCES), the refusal names the addon's and the
// fallback's reasons, a failed recovery is reported rather than read as "not redirected", and the
// admin server answers /ready 503 with the blocking reason even once a config is in force.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { chooseOriginalDstMethod } from "../../pkg/proxy/sidecar/original-dst.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";
import { meshIR } from "../proxy/fixtures.ts";
import { netnsTier } from "../capture/support/netns.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-capture-ready-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noAddon = (): never => {
  throw new Error("original-dst addon unavailable (/nowhere): not built");
};

describe("original-destination method", () => {
  it("uses the addon when it loads", () => {
    expect(chooseOriginalDstMethod(() => ({}), join(dir, "missing"))).toBe("addon");
  });

  it("falls back to a readable conntrack table", () => {
    const table = join(dir, "readable");
    writeFileSync(table, "ipv4 2 tcp 6 431999 ESTABLISHED src=10.0.0.1\n");
    expect(chooseOriginalDstMethod(noAddon, table)).toBe("conntrack");
  });

  it("refuses, naming both reasons, when the table is missing or cannot be read", () => {
    let err: unknown;
    try {
      chooseOriginalDstMethod(noAddon, join(dir, "missing"));
    } catch (e) {
      err = e;
    }
    expect(isWeftError(err) && err.code).toBe("WEFT_ERR_UNAVAILABLE");
    expect((err as Error).message).toContain("addon unavailable");
    expect((err as Error).message).toContain("ENOENT");
    const aDir = join(dir, "a-directory");
    mkdirSync(aDir);
    expect(() => chooseOriginalDstMethod(noAddon, aDir)).toThrow(/conntrack fallback .*EISDIR/);
  });

  // Root (to run a child as UID 1337): the netns tier's prerequisite.
  netnsTier.it("refuses a 0440 root-owned table to UID 1337, as in the image", () => {
    const table = join(dir, "nf_conntrack");
    writeFileSync(table, "ipv4 2 tcp 6 431999 ESTABLISHED\n");
    chmodSync(table, 0o440);
    chmodSync(dir, 0o755);
    const mod = resolve(import.meta.dirname, "../../pkg/proxy/sidecar/original-dst.ts");
    const script = `import(${JSON.stringify(mod)}).then((m) => { try { console.log(m.chooseOriginalDstMethod(() => { throw new Error("no addon"); }, ${
      JSON.stringify(table)
    })); } catch (e) { console.log("refused: " + e.message); } });`;
    const r = spawnSync(resolve(import.meta.dirname, "../../node_modules/.bin/node"), ["-e", script], { uid: 1337, gid: 1337, encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^refused: .*no addon.*conntrack fallback .*EACCES/);
  });
});

describe("admin /ready with a blocking reason", () => {
  it("answers 503 with the reason even with a config in force, and 200 once nothing blocks", async () => {
    const engine = createHttpEngine();
    let problem: string | undefined = "original destinations of captured connections cannot be recovered: test";
    const admin = await startAdminServer(engine, { port: 0, host: "127.0.0.1", notReady: () => problem });
    try {
      engine.setState(engineStateOf(meshIR([]), "v1"));
      const get = async (): Promise<{ status: number; body: string }> => {
        const r = await fetch(`http://127.0.0.1:${admin.port}/ready`);
        return { status: r.status, body: await r.text() };
      };
      expect(await get()).toEqual({ status: 503, body: "not ready: original destinations of captured connections cannot be recovered: test\n" });
      problem = undefined;
      expect(await get()).toEqual({ status: 200, body: "ready\n" });
    } finally {
      await admin.close();
      await engine.drain(10);
    }
  });
});
