// heap-reclaim: the policy on a fake process (when it collects, how it backs off, that an idle process at
// its floor is left alone), and the real thing in a child node process: a burst of garbage, then quiet,
// and RSS must come back near where it started. Node 24's V8 otherwise keeps the freed pages resident in
// an idle process for good (RSS stays at the burst's high-water mark).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startHeapReclaim } from "../../pkg/telemetry/heap-reclaim.ts";

const MB = 1024 * 1024;

function fakeProcess() {
  const p = { rss: 100 * MB, cpu: 0, t: 0, collected: 0, afterCollect: 100 * MB };
  const reclaim = startHeapReclaim({
    intervalMs: 3_600_000,
    cooldownMs: 10_000,
    maxCooldownMs: 80_000,
    rss: () => p.rss,
    cpuMicros: () => p.cpu,
    now: () => p.t,
    collect: () => {
      p.collected++;
      p.rss = p.afterCollect;
    },
  });
  /** Advance 2 s at the given CPU share and RSS, then sample. */
  const step = (share: number, rssMb: number): void => {
    p.t += 2000;
    p.cpu += share * 2000 * 1000;
    p.rss = rssMb * MB;
    reclaim.tick();
  };
  return { p, reclaim, step };
}

describe("heap reclaim policy", () => {
  it("leaves a process at its floor alone, busy or not", () => {
    const { p, reclaim, step } = fakeProcess();
    for (let i = 0; i < 50; i++) step(i % 3 === 0 ? 1 : 0, 105);
    expect(p.collected).toBe(0);
    reclaim.stop();
  });

  it("collects once the process turns quiet after a burst, and bounds growth during the burst", () => {
    const { p, reclaim, step } = fakeProcess();
    step(0, 100);
    p.afterCollect = 150 * MB;
    for (let i = 0; i < 10; i++) step(1, 150 + i * 40); // 20 s of flood, RSS climbing to 510 MB
    const during = p.collected;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(2); // at most one per 10 s cooldown
    p.afterCollect = 110 * MB;
    step(0, 300);
    expect(p.collected).toBe(during + 1);
    expect(p.rss).toBe(110 * MB);
    for (let i = 0; i < 20; i++) step(0, 110);
    expect(p.collected).toBe(during + 1);
    reclaim.stop();
  });

  it("backs off when collecting frees little, and answers a new burst at the base pace", () => {
    const { p, reclaim, step } = fakeProcess();
    step(0, 100);
    p.afterCollect = 400 * MB; // a live set that really is large: nothing to free
    const times: number[] = [];
    for (let i = 0; i < 120; i++) {
      const before = p.collected;
      step(i % 2, 400);
      if (p.collected > before) times.push(p.t);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(80_000);
    p.afterCollect = 120 * MB;
    const before = p.collected;
    for (let i = 0; i < 5; i++) step(1, 700); // a flood on top: grown past the settled 400 MB
    step(0, 700);
    expect(p.collected).toBeGreaterThan(before);
    expect(p.rss).toBe(120 * MB);
    reclaim.stop();
  });
});

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

const CHILD = `
import { startHeapReclaim } from ${JSON.stringify(join(import.meta.dirname, "../../pkg/telemetry/heap-reclaim.ts"))};
startHeapReclaim({ intervalMs: 250, cooldownMs: 1000 });
await new Promise((r) => setTimeout(r, 1000));
process.stdout.write("start\\n");
process.stdin.once("data", () => {
  let keep = [];
  for (let r = 0; r < 12; r++) {
    for (let i = 0; i < 300000; i++) keep.push({ a: i, b: "x" + i, c: [i] });
    if (keep.length > 900000) keep = [];
  }
  const peakMb = process.memoryUsage.rss() / 1048576; // read before the reclaim timer can run
  keep = null;
  process.stdout.write("burst " + peakMb + "\\n");
});
setInterval(() => {}, 1000);
`;

describe("heap reclaim in a real process", () => {
  it("gives a burst's memory back to the OS once the process is quiet", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      const lines: string[] = [];
      child.stdout.setEncoding("utf8").on("data", (d: string) => lines.push(...d.split("\n")));
      const waitLine = async (l: string): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!lines.some((x) => x === l || x.startsWith(`${l} `))) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child never printed ${l}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitLine("start");
      const start = rssMb(child.pid!);
      child.stdin.write("go\n");
      await waitLine("burst");
      // the peak as the child saw it at the end of the burst: read from here, a busy machine can delay
      // this process past the child's first reclaim and see the memory already given back
      const peak = Number(lines.find((x) => x.startsWith("burst "))!.slice(6));
      expect(peak).toBeGreaterThan(start + 150);
      const deadline = Date.now() + 20_000;
      let now = peak;
      while ((now = rssMb(child.pid!)) > start * 1.25 + 16) {
        if (Date.now() > deadline) throw new Error(`RSS stayed at ${Math.round(now)} MB (started at ${Math.round(start)} MB, peak ${Math.round(peak)} MB)`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      child.kill("SIGKILL");
    }
  });
});
