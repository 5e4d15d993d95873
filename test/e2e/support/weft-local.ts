// weft-local: `weft local` as the local-mode e2e tests run it: a temp copy of examples/local moved to the
// test's own loopback addresses, and the process started on it with its output kept and its banner awaited.
// Takes the copy's directory and address prefixes; the node binary, the arguments after `cmd/weft.ts local`
// and the spawn options (environment, uid/gid). Gives the running process, what it printed so far, and a
// promise of its banner that fails with its output when it exits or prints none within 90 s.
// Must not: leave the process running on its own (the test's afterAll kills it: killTree(run.proc)).
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, REPO } from "./e2e-helpers.ts";

/** Copies examples/local into `dir`, its 127.0.10.x and 127.0.20.x addresses moved to `gatewayNet` and `appNet` (e.g. "127.0.210."). */
export function copyLocalExample(dir: string, gatewayNet: string, appNet: string): void {
  cpSync(join(REPO, "examples/local"), dir, { recursive: true });
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    writeFileSync(p, readFileSync(p, "utf8").replaceAll("127.0.10.", gatewayNet).replaceAll("127.0.20.", appNet));
  }
}

export interface WeftLocalRun {
  readonly proc: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once the banner is printed; rejects (with stdout and stderr) when the process exits first or 90 s pass. */
  readonly banner: Promise<void>;
}

/** Starts `<node> cmd/weft.ts local <args>` in the checkout, output piped and kept. */
export function startWeftLocal(node: string, args: readonly string[], options: Pick<SpawnOptions, "env" | "uid" | "gid">): WeftLocalRun {
  const proc = spawn(node, ["cmd/weft.ts", "local", ...args], { ...options, cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  proc.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new Error(`weft local exited ${code}: ${stderr}`))));
  exited.catch(() => {});
  const banner = Promise.race<unknown>([exited, eventually("the local-mode banner", 90_000, async () => (stdout.includes("Ctrl-C stops everything") ? true : undefined))
    .catch((e: unknown) => {
      throw new Error(`${String(e)}\nstdout: ${stdout}\nstderr: ${stderr}`);
    })]).then(() => undefined);
  return {
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    banner,
  };
}
