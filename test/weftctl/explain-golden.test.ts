// explain-golden: every test/golden/explain/<case>.in.yaml with its <case>.args (one argument per line)
// runs `node cmd/weftctl.ts explain -f <case>.in.yaml <args…>`; stdout plus a final "exit: N" line must
// equal <case>.out.txt (test/support/golden.ts: UPDATE_GOLDEN=1 rewrites a differing output and fails).
// Also: the corpus covers the cases the task names, and every input parses cleanly.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runTranslate } from "../../pkg/weftctl/translate-run.ts";
import { expectGolden } from "../support/golden.ts";

const root = resolve(import.meta.dirname, "../..");
const dir = join(root, "test/golden/explain");
const cases = readdirSync(dir).filter((f) => f.endsWith(".in.yaml")).map((f) => f.slice(0, -".in.yaml".length)).sort();

function runCase(name: string): string {
  const args = readFileSync(join(dir, `${name}.args`), "utf8").split("\n").filter((l) => l !== "");
  const input = `test/golden/explain/${name}.in.yaml`;
  const r = spawnSync(process.execPath, ["cmd/weftctl.ts", "explain", "-f", input, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return `${r.stdout}exit: ${r.status}\n${r.stderr === "" ? "" : `stderr: ${r.stderr}`}`;
}

describe("weftctl explain golden corpus", () => {
  it("has the required cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    for (const c of ["gamma-producer", "gamma-consumer", "gamma-no-route", "gateway-listener-isolation", "precedence-losers", "invalid-backend-share", "grpc-method", "redirect"]) {
      expect(cases).toContain(c);
    }
  });

  it("inputs parse without errors or warnings", () => {
    for (const c of cases) {
      const run = runTranslate([{ text: readFileSync(join(dir, `${c}.in.yaml`), "utf8"), source: c }]);
      expect([...run.errors, ...run.warnings].map((i) => `${c}: ${i.message}`)).toEqual([]);
    }
  });

  for (const c of cases) {
    it(c, () => {
      const got = runCase(c);
      expectGolden(join(dir, `${c}.out.txt`), got, { rerun: "test/weftctl/explain-golden.test.ts" });
    }, 60_000);
  }
});
