// child-processes: long-running programs a test cluster starts: launched with their output in a log
// file, stopped with SIGTERM then SIGKILL after 5 s (kill(): any child, the benchmarks' too), and killed
// when this process exits first.
// Takes a program, its arguments and a log path; gives the ChildProcess, kill() and until() (poll a
// readiness check with a deadline, failing early with the log's tail when the program exits).
// Must not: leave a launched program running after this process exits (an exit hook kills them).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";

const live = new Set<ChildProcess>();
let exitHook = false;
function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.once("exit", () => live.delete(p));
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  return p;
}

export function launch(bin: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, "a");
  const p = spawn(bin, args, { stdio: ["ignore", fd, fd], ...(env === undefined ? {} : { env }) });
  closeSync(fd);
  return track(p);
}

/** SIGTERM, then SIGKILL when it is still running after `graceMs`; resolves once it exited. */
export async function kill(p: ChildProcess | undefined, graceMs = 5_000): Promise<void> {
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
}

export async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc !== undefined && proc.exitCode !== null) {
      const tail = log !== undefined && existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(`${what}: process exited with ${proc.exitCode}\n${tail}`);
    }
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}
