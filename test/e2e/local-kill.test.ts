// local-kill e2e: `weft local` killed with SIGKILL (no chance to clean up) still leaves no child
// behind: its watchdog sees the pipe close and stops every process group it was told about, and
// deletes the private token directory (the logs stay for the user).
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NODE_BIN_PATH, REPO, alive, descendants, eventually } from "./support/e2e-helpers.ts";

const BASE = 31000 + (process.pid % 15) * 100;
let dir = "";
let proc: ChildProcess | undefined;
let kids: number[] = [];
let work = "";

afterAll(() => {
  for (const k of kids) {
    try {
      process.kill(k, "SIGKILL");
    } catch { /* gone */ }
  }
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  if (work.includes("weft-local-")) rmSync(work, { recursive: true, force: true });
});

describe("weft local killed with SIGKILL", () => {
  it("leaves no child process behind", async () => {
    dir = mkdtempSync(join(tmpdir(), "weft-e2e-kill-"));
    cpSync(join(REPO, "examples/local"), dir, { recursive: true });
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      writeFileSync(p, readFileSync(p, "utf8").replaceAll("127.0.10.", "127.0.212.").replaceAll("127.0.20.", "127.0.222."));
    }
    let out = "";
    proc = spawn(process.execPath, ["cmd/weft.ts", "local", "--dir", dir, "--base-port", String(BASE), "--gateway-port", String(BASE + 95)], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: NODE_BIN_PATH, WEFT_TRACING_ENDPOINT: "" },
    });
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr!.resume();
    await eventually("the banner", 90_000, async () => (out.includes("Ctrl-C stops everything") ? true : undefined));
    kids = descendants(proc.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(10);
    proc.kill("SIGKILL");
    await eventually("every child to be gone", 15_000, async () => (kids.every((k) => !alive(k)) ? true : undefined));
    const logs = /^ {2}logs +(\S+)$/m.exec(out)?.[1];
    expect(logs).toBeDefined();
    work = join(logs!, "..");
    expect(existsSync(logs!)).toBe(true);
    expect(existsSync(join(logs!, "..", "tokens"))).toBe(false);
  }, 120_000);
});
