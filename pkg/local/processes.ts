// processes: starts and stops the child processes of `weft local`. Each child runs in its own
// process group with the same Node binary; its stdout/stderr lines go to <logDir>/<name>.log (and to
// our stderr with --verbose, prefixed by the name). Watchers on the output let callers wait for a
// line (e.g. "workload certificate issued").
// stopAll: SIGTERM every child (gateway and sidecars first, then apps, then the controller), waits
// up to graceMs, then SIGKILLs each remaining process group. A child that dies on its own is reported.
// A watchdog (reaper.ts) learns every child's process group over a pipe and kills them if we
// die without stopAll (even by SIGKILL: the pipe closes).
// Must not: leave a child running after stopAll resolves, or kill processes it did not start.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";

export interface LocalChild {
  readonly name: string;
  readonly order: number;
  readonly proc: ChildProcess;
  readonly log: WriteStream;
  exited: boolean;
  /** Lines matching a watcher resolve it. */
  readonly watchers: { re: RegExp; resolve: () => void }[];
}

export interface Supervisor {
  readonly children: readonly LocalChild[];
  start(name: string, order: number, args: readonly string[], env?: Readonly<Record<string, string>>): LocalChild;
  /** Resolves when `child` prints a line matching `re`. */
  waitForLine(child: LocalChild, re: RegExp): Promise<void>;
  stopAll(graceMs: number): Promise<void>;
  onUnexpectedExit(cb: (child: LocalChild, code: number | null, signal: string | null) => void): void;
  /** A private directory (inside <tmp>/weft-*) the watchdog deletes if we die without stopAll. */
  removeOnCrash(dir: string): void;
}

export function createSupervisor(logDir: string, verbose: boolean, baseEnv: Readonly<Record<string, string>> = {}): Supervisor {
  const children: LocalChild[] = [];
  let stopping = false;
  let unexpected: (c: LocalChild, code: number | null, signal: string | null) => void = () => {};
  const reaper = spawn(process.execPath, [join(import.meta.dirname, "reaper.ts")], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  reaper.on("error", () => {});
  reaper.stdin.on("error", () => {});
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void }).unref?.();
  const pipeLines = (child: LocalChild, stream: NodeJS.ReadableStream): void => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      child.log.write(chunk);
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      if (rest.length > 65536) rest = "";
      for (const line of lines) {
        if (verbose) process.stderr.write(`[${child.name}] ${line}\n`);
        for (const w of [...child.watchers]) {
          if (w.re.test(line)) {
            child.watchers.splice(child.watchers.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    });
  };
  return {
    children,
    start(name, order, args, env) {
      const proc = spawn(process.execPath, args, {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...baseEnv, ...env },
      });
      const child: LocalChild = { name, order, proc, log: createWriteStream(join(logDir, `${name}.log`), { mode: 0o600 }), exited: false, watchers: [] };
      children.push(child);
      if (proc.pid !== undefined) reaper.stdin.write(`add ${proc.pid}\n`);
      pipeLines(child, proc.stdout);
      pipeLines(child, proc.stderr);
      proc.on("error", (e) => child.log.write(`spawn error: ${e.message}\n`));
      proc.on("exit", (code, signal) => {
        child.exited = true;
        if (!stopping) unexpected(child, code, signal);
      });
      return child;
    },
    waitForLine(child, re) {
      return new Promise((resolve) => child.watchers.push({ re, resolve }));
    },
    onUnexpectedExit(cb) {
      unexpected = cb;
    },
    removeOnCrash(dir) {
      reaper.stdin.write(`rm ${dir}\n`);
    },
    async stopAll(graceMs) {
      stopping = true;
      const orders = [...new Set(children.map((c) => c.order))].sort((a, b) => a - b);
      for (const order of orders) {
        const group = children.filter((c) => c.order === order && !c.exited);
        await Promise.all(group.map((c) => stopOne(c, graceMs)));
      }
      await Promise.all(children.map((c) => new Promise<void>((r) => c.log.end(() => r()))));
      reaper.stdin.end("done\n");
    },
  };
}

function signalGroup(c: LocalChild, sig: NodeJS.Signals): void {
  const pid = c.proc.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      c.proc.kill(sig);
    } catch { /* already gone */ }
  }
}

function stopOne(c: LocalChild, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signalGroup(c, "SIGKILL");
      resolve();
    };
    if (c.exited) {
      done();
      return;
    }
    c.proc.once("exit", done);
    const timer = setTimeout(() => {
      signalGroup(c, "SIGKILL");
    }, graceMs);
    signalGroup(c, "SIGTERM");
  });
}
