// paced-goals: the summary and goal lines of the paced side-by-side (paced-pair.ts), from the per-round
// results of every scenario: one "proxy-paced-summary" line per scenario (medians over the rounds), then
// one line per goal of the data-plane issue, each with `met` (true/false), the figures it judges, the
// references and the floor of the same run beside it:
//   proxy-paced-goal       HTTP/1.1 pair: added p99 ≤ the nginx mTLS pair's, CPU of both sidecars ≤ 2× nginx's pair
//   proxy-paced-grpc-goal  gRPC unary pair: added p99 ≤ 1.5× the nginx grpc_pass mTLS pair's
//   proxy-memory-goal      per sidecar at this load: private ≤ 32 MB and PSS ≤ 45 MB (peak, busiest side)
//   proxy-tracing-goal     added p99 with 1% sampling within 0.5 ms of tracing off, with 100% within 2 ms: the median
//                          of the per-round differences (tracing pair minus tracing-off pair of the same round), with their range
// and, for every pair run beside its build from another checkout (BENCH_PACED_BASELINE), one
// "proxy-paced-ab-summary" line: both medians and the median of the per-round ratios (same round, same load).
// Takes the results and an emitter; gives nothing. Must not: measure anything itself.
import { loadavg } from "node:os";

/** One scenario's figures in one round (memory in kB, of its busiest process; latency in µs). */
export interface RoundResult {
  readonly addedP99: number;
  readonly p99: number;
  readonly cpuTotal: number;
  readonly rssIdle: number;
  readonly rssPeak: number;
  readonly anonPeak: number;
  readonly pssPeak: number;
  readonly privatePeak: number;
  readonly failed: number;
}

export const median = (xs: readonly number[]): number => {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  return a.length === 0 ? NaN : a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
/**
 * A p99 ratio against a reference pair's added p99, or null with why when that is not above zero (the direct
 * run's own tail reached the reference pair's: a ratio to it says nothing, and the goal is not judged met).
 */
const p99Against = (w: number, ref: number): { p99_ratio: number | null; not_judged?: string } =>
  ref > 0
    ? { p99_ratio: ratio(w, ref) }
    : { p99_ratio: null, not_judged: "the reference pair's added p99 (median) is not above zero: the direct run's own tail reached it; see the absolute p99 medians" };
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

export function emitPacedGoals(results: ReadonlyMap<string, readonly RoundResult[]>, emit: (o: Record<string, unknown>) => void): void {
  for (const [name, list] of results) {
    emit({ bench: "proxy-paced-summary", scenario: name, rounds: list.length, p99_us_median: median(list.map((x) => x.p99)),
      ...(name.startsWith("direct") ? {} : { added_p99_us_median: median(list.map((x) => x.addedP99)), added_p99_us_rounds: list.map((x) => x.addedP99) }),
      cpu_us_per_req_total_median: median(list.map((x) => x.cpuTotal)), failed_requests: list.reduce((a, x) => a + x.failed, 0), // Of the scenario's busiest process (kB), median over the rounds.
      rss_kb_idle_median: median(list.map((x) => x.rssIdle)), rss_kb_peak_median: median(list.map((x) => x.rssPeak)), rss_anon_kb_peak_median: median(list.map((x) => x.anonPeak)),
      private_kb_peak_median: median(list.map((x) => x.privatePeak)), pss_kb_peak_median: median(list.map((x) => x.pssPeak)), loadavg: load() });
  }
  const of = (name: string) => results.get(name);
  const p99 = (name: string) => median((of(name) ?? []).map((x) => x.addedP99));
  const cpu = (name: string) => median((of(name) ?? []).map((x) => x.cpuTotal));
  /** The scenario's own p99 (not over the direct run), median of rounds. */
  const abs = (name: string) => median((of(name) ?? []).map((x) => x.p99));
  // The shipped pair, or the only flag-set pair when BENCH_FLAG_SETS_ONLY=1 ran one.
  const weftName = of("weft-sidecar-pair-tracing-off") !== undefined ? "weft-sidecar-pair-tracing-off" : [...results.keys()].find((k) => k.startsWith("weft-sidecar-pair-tracing-off-flags"));
  const refs = (names: string[]) => Object.fromEntries(names.filter((n) => of(n) !== undefined).map((n) => [n, { added_p99_us_median: p99(n), cpu_us_per_req_total_median: cpu(n) }]));
  const complete = (name: string) => (of(name) ?? []).filter((x) => Number.isFinite(x.addedP99)).length;
  const notWorse = (a: string, b: string) => (of(a) ?? []).filter((w, i) => of(b)?.[i] !== undefined && w.addedP99 <= of(b)![i]!.addedP99).length;

  if (weftName !== undefined && of("nginx-mtls-pair") !== undefined) {
    const wp = p99(weftName), np = p99("nginx-mtls-pair"), wc = cpu(weftName), nc = cpu("nginx-mtls-pair");
    emit({ bench: "proxy-paced-goal", goal: "sidecar pair, HTTP/1.1, 1,000 req/s: added p99 <= the nginx mTLS pair's (median of rounds), CPU of both sidecars <= 2x the nginx pair's",
      scenario: weftName, weft_added_p99_us_median: wp, nginx_added_p99_us_median: np, weft_cpu_us_per_req_total_median: wc, nginx_cpu_us_per_req_total_median: nc, ...p99Against(wp, np),
      p99_us_median: { weft: abs(weftName), nginx: abs("nginx-mtls-pair"), direct: abs("direct") }, cpu_ratio: ratio(wc, nc), rounds_weft_not_worse: notWorse(weftName, "nginx-mtls-pair"),
      rounds: of(weftName)!.length, references: refs(["haproxy-mtls-pair"]),
      floor: refs(["node-minimal-mtls-pair", "llhttp-minimal-mtls-pair", "h1-own-minimal-mtls-pair", "tls-onread-mtls-pair", "tcp-onread-pair"]), loadavg: load(),
      met: np > 0 && wp <= np && wc <= 2 * nc });
  }
  if (of("weft-sidecar-pair-grpc") !== undefined && of("nginx-grpc-mtls-pair") !== undefined) {
    const wp = p99("weft-sidecar-pair-grpc"), np = p99("nginx-grpc-mtls-pair");
    emit({ bench: "proxy-paced-grpc-goal", goal: "sidecar pair, gRPC unary, 1,000 req/s: added p99 <= 1.5x the nginx grpc_pass mTLS pair's (median of rounds)", weft_added_p99_us_median: wp,
      nginx_added_p99_us_median: np, ...p99Against(wp, np), p99_us_median: { weft: abs("weft-sidecar-pair-grpc"), nginx: abs("nginx-grpc-mtls-pair"), direct: abs("direct-grpc") },
      weft_cpu_us_per_req_total_median: cpu("weft-sidecar-pair-grpc"), nginx_cpu_us_per_req_total_median: cpu("nginx-grpc-mtls-pair"), rounds: of("weft-sidecar-pair-grpc")!.length,
      references: refs(["haproxy-grpc-mtls-pair"]), loadavg: load(), met: np > 0 && wp <= 1.5 * np });
  }
  if (weftName !== undefined) {
    const w = of(weftName)!;
    const priv = median(w.map((x) => x.privatePeak)), pss = median(w.map((x) => x.pssPeak));
    const grpc = of("weft-sidecar-pair-grpc");
    const mem = (name: string) =>
      of(name) === undefined
        ? undefined
        : { private_kb_peak_median: median(of(name)!.map((x) => x.privatePeak)), pss_kb_peak_median: median(of(name)!.map((x) => x.pssPeak)), rss_kb_peak_median: median(of(name)!.map((x) =>
          x.rssPeak
        )) };
    emit({ bench: "proxy-memory-goal", goal: "memory per sidecar at 1,000 req/s: private <= 32 MB and PSS <= 45 MB (peak of the busiest side, median of rounds)", scenario: weftName,
      private_kb_peak_median: priv, pss_kb_peak_median: pss, rss_kb_peak_median: median(w.map((x) => x.rssPeak)), rss_anon_kb_peak_median: median(w.map((x) => x.anonPeak)),
      rss_kb_idle_median: median(w.map((x) => x.rssIdle)), ...(grpc !== undefined ? { grpc: mem("weft-sidecar-pair-grpc") } : {}),
      references: Object.fromEntries(["nginx-mtls-pair", "haproxy-mtls-pair"].filter((n) => of(n) !== undefined).map((n) => [n, mem(n)])), floor: mem("node-minimal-mtls-pair"),
      kubelet_working_set: "measured on the real test node only (docs/proxy.md)", loadavg: load(), met: priv <= 32 * 1024 && (grpc === undefined || median(grpc.map((x) =>
            x.privatePeak
          )) <= 32 * 1024) &&
        pss <= 45 * 1024 });
  }
  const t1 = of("weft-sidecar-pair-tracing-1%"), t100 = of("weft-sidecar-pair-tracing-100%");
  if (weftName !== undefined && (t1 !== undefined || t100 !== undefined)) {
    // Paired by round: the scenarios take turns within a round, so a round's tracing pair and its tracing-off
    // pair ran under the same load; the run-to-run spread of a p99 is far wider than the 0.5 ms judged.
    const off = of(weftName)!, one = pairedOver(t1, off), all = pairedOver(t100, off);
    emit({ bench: "proxy-tracing-goal", goal: "sidecar pair, 1,000 req/s: added p99 with 1% sampling within 0.5 ms of tracing off, with 100% within 2 ms (median of the per-round differences)",
      one_percent_over_off_us: one?.median ?? null, one_percent_over_off_us_range: one?.range ?? null, one_percent_over_off_us_rounds: one?.rounds ?? null, all_over_off_us: all?.median ?? null,
      all_over_off_us_range: all?.range ?? null, all_over_off_us_rounds: all?.rounds ?? null, off_added_p99_us_median: p99(weftName),
      one_percent_added_p99_us_median: p99("weft-sidecar-pair-tracing-1%"), all_added_p99_us_median: p99("weft-sidecar-pair-tracing-100%"),
      cpu_us_per_req_total_median: { off: cpu(weftName), one_percent: cpu("weft-sidecar-pair-tracing-1%"), all: cpu("weft-sidecar-pair-tracing-100%") },
      cpu_over_off_us_paired_median: { one_percent: pairedOver(t1, off, (x) => x.cpuTotal)?.median ?? null, all: pairedOver(t100, off, (x) => x.cpuTotal)?.median ?? null }, // Rounds whose run answered every request (the others have no latency figures and are left out).
      rounds_complete: { off: complete(weftName), one_percent: complete("weft-sidecar-pair-tracing-1%"), all: complete("weft-sidecar-pair-tracing-100%") }, loadavg: load(),
      met: one !== undefined && all !== undefined && one.median <= 500 && all.median <= 2000 });
  }
}

/**
 * `a` minus `b` round by round (`f`: the added p99 unless given), over the rounds where both have the figure:
 * the median of those differences, their range and the differences themselves; undefined without such a round.
 */
export function pairedOver(a: readonly RoundResult[] | undefined, b: readonly RoundResult[], f: (x: RoundResult) => number = (x) => x.addedP99): { median: number; range: [number, number];
  rounds: number[] } | undefined
{
  if (a === undefined) return undefined;
  const rounds = a.flatMap((x, i) => (b[i] !== undefined && Number.isFinite(f(x)) && Number.isFinite(f(b[i])) ? [f(x) - f(b[i])] : []));
  if (rounds.length === 0) return undefined;
  return { median: median(rounds), range: [Math.min(...rounds), Math.max(...rounds)], rounds };
}

/**
 * One "proxy-paced-ab-summary" line per scenario that has a "<scenario>-baseline" twin: p99, added p99 and
 * CPU of both pairs (medians over the rounds), the median of each round's this/baseline ratio and the rounds
 * in which this checkout's pair was not worse.
 */
export function emitPacedAb(results: ReadonlyMap<string, readonly RoundResult[]>, baseline: string, emit: (o: Record<string, unknown>) => void): void {
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  for (const [name, a] of results) {
    const b = results.get(`${name}-baseline`);
    if (name.endsWith("-baseline") || b === undefined) continue;
    const paired = (f: (x: RoundResult) => number) => r3(median(a.map((x, i) => (b[i] === undefined ? NaN : f(x) / f(b[i])))));
    const notWorse = (f: (x: RoundResult) => number) => a.filter((x, i) => b[i] !== undefined && f(x) <= f(b[i])).length;
    const p99 = (x: RoundResult) => x.p99, cpu = (x: RoundResult) => x.cpuTotal;
    emit({ bench: "proxy-paced-ab-summary", scenario: name, baseline, rounds: Math.min(a.length, b.length), weft_p99_us_median: median(a.map(p99)), baseline_p99_us_median: median(b.map(p99)),
      p99_paired_ratio_median: paired(p99), rounds_weft_p99_not_more: notWorse(p99), weft_added_p99_us_median: median(a.map((x) => x.addedP99)), baseline_added_p99_us_median: median(b.map((x) =>
        x.addedP99
      )), weft_cpu_us_per_req_total_median: median(a.map(cpu)), baseline_cpu_us_per_req_total_median: median(b.map(cpu)), cpu_paired_ratio_median: paired(cpu), rounds_weft_cpu_not_more: notWorse(cpu),
      failed_requests: [...a, ...b].reduce((n, x) => n + x.failed, 0), loadavg: load() });
  }
}
