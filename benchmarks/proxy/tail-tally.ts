// tail-tally: what the slowest 1% of a paced run's requests have in common (BENCH_TAIL_TRACE=<dir>,
// paced-pair.ts). Takes the generator's per-request lines (bench-paced.ts, BENCH_TAIL_REQS: sent µs,
// latency µs, batch, in flight) and each process's GC lines (tail-probe.ts: start µs, pause µs, kind; the
// generator's own among them; and the bench's /proc sampling, kind "p"), all on the same monotonic clock; gives one summary object for the run's
// JSON line:
//   slow: the requests at or above the run's p99 (the same percentile bench-paced prints);
//   slow_with_gc / all_with_gc: per process, the share of slow requests (and of all requests) during
//     which that process was in a GC pause — a cause shows as a share far above its base rate;
//   slow_gc_us_mean: the mean GC pause time, all processes, inside a slow request's latency;
//   p99_minus_gc_us: the p99 once every request's latency loses the GC pause time inside it (the
//     tail GC alone accounts for is p99_us − p99_minus_gc_us);
//   slow_batched / all_batched: the share sent in a tick with other requests (the generator's pacing);
//   slow_episodes: slow requests grouped by gaps of more than 5 ms (few episodes of many requests
//     each = stalls; many of one each = per-request variance);
//   gc: per process, scavenges and mark-compacts with their mean and largest pause (µs), and the largest
//     young generation seen (new_space_kb_max).
// Must not: read anything but the files it is given (a benchmark helper).
import { existsSync, readFileSync } from "node:fs";

interface Req {
  sent: number;
  lat: number;
  batch: number;
}
interface Pause {
  start: number;
  end: number;
  kind: string;
}

const lines = (file: string): string[][] => existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => l.split(" ")) : [];

/** The time inside [a, b) that `pauses` (sorted by start) cover. */
function covered(pauses: readonly Pause[], a: number, b: number): number {
  let t = 0;
  for (const p of pauses) {
    if (p.start >= b) break;
    if (p.end <= a) continue;
    t += Math.min(b, p.end) - Math.max(a, p.start);
  }
  return t;
}

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const share = (n: number, of: number) => Math.round((n / Math.max(1, of)) * 1000) / 1000;

/** `gcFiles`: process name → its tail-probe file. */
export function tailTally(reqFile: string, gcFiles: Readonly<Record<string, string>>): Record<string, unknown> {
  const reqs: Req[] = lines(reqFile).map(([s, l, b]) => ({ sent: Number(s), lat: Number(l), batch: Number(b) })).sort((x, y) => x.sent - y.sent);
  if (reqs.length === 0) return { missing: reqFile };
  const from = reqs[0]!.sent, to = reqs[reqs.length - 1]!.sent + reqs[reqs.length - 1]!.lat;
  const pauses: Record<string, Pause[]> = {};
  const gc: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(gcFiles)) {
    const all = lines(file);
    const newSpace = Number(all.findLast((l) => l[0] === "new_space")?.[1] ?? NaN);
    const ps = all.filter((l) => l[0] !== "new_space").map(([s, d, k]) => ({ start: Number(s), end: Number(s) + Number(d), kind: k ?? "?" })).filter((p) => p.end > from && p.start < to)
      .sort((x, y) => x.start - y.start);
    pauses[name] = ps;
    const of = (k: string) => ps.filter((p) => p.kind === k).map((p) => p.end - p.start);
    const sum = (k: string) => {
      const d = of(k);
      return { n: d.length, mean_us: d.length === 0 ? 0 : Math.round(d.reduce((a, b) => a + b, 0) / d.length), max_us: Math.max(0, ...d) };
    };
    gc[name] = { scavenges: sum("s"), mark_compacts: sum("m"), incremental: sum("i").n, ...(Number.isFinite(newSpace) ? { new_space_kb_max: Math.round(newSpace / 1024) } : {}) };
  }
  const sorted = reqs.map((r) => r.lat).sort((a, b) => a - b);
  const p99 = pct(sorted, 99);
  const slow = reqs.filter((r) => r.lat >= p99);
  const inGc = (name: string, rs: readonly Req[]) => rs.filter((r) => covered(pauses[name]!, r.sent, r.sent + r.lat) > 0).length;
  // The bench's own /proc reads ("p" lines, paced-pair.ts) are no process's pause: matched, not subtracted.
  const allPauses = Object.values(pauses).flat().filter((p) => p.kind !== "p").sort((x, y) => x.start - y.start);
  const gcIn = (r: Req) => Math.min(r.lat, covered(allPauses, r.sent, r.sent + r.lat));
  const minusGc = reqs.map((r) => r.lat - gcIn(r)).sort((a, b) => a - b);
  let episodes = 0, last = -Infinity;
  for (const r of slow) {
    if (r.sent - last > 5000) episodes++;
    last = r.sent + r.lat;
  }
  return {
    requests: reqs.length,
    slow: slow.length,
    p99_us: p99,
    p99_minus_gc_us: pct(minusGc, 99),
    slow_gc_us_mean: Math.round(slow.reduce((a, r) => a + gcIn(r), 0) / Math.max(1, slow.length)),
    slow_with_gc: Object.fromEntries(Object.keys(pauses).map((n) => [n, share(inGc(n, slow), slow.length)])),
    all_with_gc: Object.fromEntries(Object.keys(pauses).map((n) => [n, share(inGc(n, reqs), reqs.length)])),
    slow_batched: share(slow.filter((r) => r.batch > 1).length, slow.length),
    all_batched: share(reqs.filter((r) => r.batch > 1).length, reqs.length),
    slow_episodes: episodes,
    gc,
  };
}
