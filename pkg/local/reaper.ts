// reaper: a tiny watchdog process `weft local` starts first. It reads lines from stdin:
// "add <pgid>" for each child process group, "rm <dir>" for a private directory to delete (only
// paths inside the OS temp dir named weft-*: the token files), "done" after a clean stop. When
// stdin ends without "done" (weft local was killed, even with SIGKILL, so the pipe closed), it
// deletes those directories, sends SIGTERM to every group, then SIGKILL 3 s later, and exits.
// Run as `node pkg/local/reaper.ts`.
// Must not: signal anything it was not told about, or outlive its parent by more than a few seconds.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, resolve } from "node:path";

const groups = new Set<number>();
const dirs = new Set<string>();
let done = false;
let buffer = "";

process.on("SIGINT", () => {});
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  buffer += chunk;
  const lines = buffer.split("\n");
  buffer = lines.pop() ?? "";
  for (const line of lines) {
    const m = /^add (\d+)$/.exec(line.trim());
    if (m !== null && groups.size < 1000) groups.add(Number(m[1]));
    else if (line.startsWith("rm ")) {
      const dir = resolve(line.slice(3).trim());
      if (dirname(dirname(dir)) === resolve(tmpdir()) && basename(dirname(dir)).startsWith("weft-")) dirs.add(dir);
    } else if (line.trim() === "done") done = true;
  }
});

function signalAll(sig: NodeJS.Signals): void {
  for (const g of groups) {
    try {
      process.kill(-g, sig);
    } catch { /* already gone */ }
  }
}

process.stdin.on("end", () => {
  if (done) process.exit(0);
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch { /* best effort */ }
  }
  if (groups.size === 0) process.exit(0);
  signalAll("SIGTERM");
  setTimeout(() => {
    signalAll("SIGKILL");
    process.exit(0);
  }, 3000);
});
