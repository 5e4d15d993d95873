// cmd-proxy-flags: `weft proxy` validates the data-plane flags it hands to the engine's limits: a bad
// value, an unknown or a repeated flag exits 2 naming the flag (and the process never starts serving).
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");

function weftProxy(extra: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(node, [join(root, "cmd/weft.ts"), "proxy", "--mode", "gateway", "--gateway", "gw/web", "--config", "/nonexistent.json", ...extra], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

describe("weft proxy data-plane flags", () => {
  it("--headers-with-underscores takes drop, reject or allow", () => {
    const bad = weftProxy(["--headers-with-underscores", "fold"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--headers-with-underscores must be drop, reject or allow");
  });
  it("the backend caps and the body idle timeout take integers in range", () => {
    for (const [flag, value, range] of [["--backend-max-connections", "0", "1-1000000"], ["--backend-max-pending-requests", "x", "1-1000000"], ["--backend-max-requests", "2000000", "1-1000000"], [
      "--body-idle-timeout-ms",
      "-5",
      "1-3600000",
    ]]) {
      const bad = weftProxy([flag!, value!]);
      expect(bad.status, flag).toBe(2);
      expect(bad.stderr).toContain(`${flag} must be an integer ${range}`);
    }
  });
  it("an unknown or repeated flag is a usage error (pkg/cli), never silently ignored", () => {
    const unknown = weftProxy(["--max-body", "10"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("weft proxy: unknown flag --max-body");
    const twice = weftProxy(["--drain-ms", "5", "--drain-ms=6"]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain("--drain-ms given twice");
  });
});
