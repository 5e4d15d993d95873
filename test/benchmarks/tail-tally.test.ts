// The paced pairs' tail decomposition (benchmarks/proxy/tail-tally.ts): which process's GC pauses the
// slowest 1% of requests overlap, and the p99 once those pauses are taken out of every request's latency.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tailTally } from "../../benchmarks/proxy/tail-tally.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** 1,000 requests 1 ms apart, 300 µs each, except those `slow` (index → latency µs). */
function files(slow: Record<number, number>, pauses: Record<string, string[]>): { reqs: string; gc: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "tail-tally-"));
  dirs.push(dir);
  const reqs = join(dir, "reqs");
  const rows: string[] = [];
  for (let i = 0; i < 1000; i++) rows.push(`${1_000_000 + i * 1000} ${slow[i] ?? 300} ${i % 10 === 0 ? 2 : 1} 0`);
  writeFileSync(reqs, `${rows.join("\n")}\n`);
  const gc: Record<string, string> = {};
  for (const [name, lines] of Object.entries(pauses)) {
    gc[name] = join(dir, name);
    writeFileSync(gc[name], `${lines.join("\n")}\n`);
  }
  return { reqs, gc };
}

describe("tail-tally", () => {
  it("puts the slow requests on the process whose scavenges they overlap, and takes the pauses out of the p99", () => {
    // Requests 100, 200, ..., 1000 (10 = the slowest 1%) are 2.3 ms; the outbound scavenged 2 ms at each of their starts.
    const slow: Record<number, number> = {};
    const outbound: string[] = [];
    for (let i = 100; i < 1000; i += 100) {
      slow[i] = 2300;
      outbound.push(`${1_000_000 + i * 1000 + 100} 2000 s`);
    }
    slow[999] = 2300;
    outbound.push(`${1_000_000 + 999 * 1000 + 100} 2000 s`, "new_space 4194304");
    const { reqs, gc } = files(slow, { outbound, inbound: [`${1_000_000 + 50 * 1000} 500 s`] });
    const t = tailTally(reqs, gc);
    expect(t).toMatchObject({ requests: 1000, slow: 10, p99_us: 2300, p99_minus_gc_us: 300, slow_gc_us_mean: 2000, slow_with_gc: { outbound: 1, inbound: 0 } });
    // Each 2 ms pause also overlaps the two requests sent after its own (1 ms apart): 9 × 3 + the last one's 1.
    expect(t.all_with_gc).toEqual({ outbound: 0.028, inbound: 0.001 });
    expect(t.gc).toMatchObject({ outbound: { scavenges: { n: 10, mean_us: 2000, max_us: 2000 }, new_space_kb_max: 4096 }, inbound: { scavenges: { n: 1 } } });
    expect(t.slow_episodes).toBe(10);
  });

  it("does not take the bench's own /proc reads out of the latency, but counts the overlap", () => {
    const slow: Record<number, number> = {};
    const sampler: string[] = [];
    for (let i = 100; i <= 1000; i += 100) {
      slow[Math.min(i, 999)] = 5000;
      sampler.push(`${1_000_000 + Math.min(i, 999) * 1000 + 200} 2500 p`);
    }
    const { reqs, gc } = files(slow, { sampler });
    const t = tailTally(reqs, gc);
    expect(t).toMatchObject({ p99_us: 5000, p99_minus_gc_us: 5000, slow_with_gc: { sampler: 1 } });
  });

  it("counts the slow requests sent in a tick with others", () => {
    const slow: Record<number, number> = {};
    for (let i = 0; i < 10; i++) slow[i * 10] = 4000; // every 10th is sent in a batch of 2
    const { reqs, gc } = files(slow, {});
    const t = tailTally(reqs, gc);
    expect(t).toMatchObject({ slow_batched: 1, all_batched: 0.1, slow_episodes: 10 });
  });
});
