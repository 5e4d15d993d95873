// run: the `npm run bench` entry. Finds every benchmarks/**/*.bench.ts, runs each in sequence as a
// child process (same Node), and prints their stdout JSON lines as they come; their stderr passes
// through. A file that exits non-zero or runs over its time limit gets one
// {"bench":"<file>","error":...} line and makes the exit code 1.
// Optional arguments filter files by substring: `node benchmarks/run.ts translate router`.
// Must not: run benchmarks in parallel (they measure time on a shared machine).
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = import.meta.dirname;
const LIMIT_MS = 15 * 60 * 1000;

function findBenches(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findBenches(p));
    else if (name.endsWith(".bench.ts")) out.push(p);
  }
  return out;
}

function runOne(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: join(ROOT, ".."), stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    child.stdout.on("data", (chunk: Buffer) => process.stdout.write(chunk));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : signal !== null ? `killed by ${signal}${signal === "SIGKILL" ? ` (over ${LIMIT_MS / 1000} s)` : ""}` : `exit code ${code}`);
    });
  });
}

const filters = process.argv.slice(2);
const files = findBenches(ROOT).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
let failed = 0;
for (const file of files) {
  const error = await runOne(file);
  if (error !== undefined) {
    failed++;
    process.stdout.write(`${JSON.stringify({ bench: relative(join(ROOT, ".."), file), error })}\n`);
  }
}
if (files.length === 0) process.stderr.write("no benchmarks/**/*.bench.ts files found\n");
process.exitCode = failed > 0 ? 1 : 0;
