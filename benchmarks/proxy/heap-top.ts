// heap-top: the functions that allocate most in a sampling heap profile (tail-probe.ts, BENCH_ALLOC_PROF;
// or any .heapprofile): per function (name, file, line), its share of the sampled bytes, largest first.
// Args: <file.heapprofile>... [--top=N] (default 25). Prints one line per function, after a total per file.
// Must not: read anything but the files it is given (a benchmark helper).
import { readFileSync } from "node:fs";

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: ProfileNode[];
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
for (const file of args.filter((a) => !a.startsWith("--"))) {
  const { head } = JSON.parse(readFileSync(file, "utf8")) as { head: ProfileNode };
  const bytes = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode): void => {
    const f = n.callFrame;
    const key = `${f.functionName === "" ? "(anonymous)" : f.functionName} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    if (n.selfSize > 0) {
      bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(head);
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} MB sampled\n`);
  for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${(v / 1e3).toFixed(0).padStart(7)} kB  ${k}\n`);
  }
}
