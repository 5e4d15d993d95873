// The tracing goal line of the paced pair (benchmarks/proxy/paced-goals.ts, issue #18 goal 6): the tracing pair's
// added p99 over the tracing-off pair's is taken round by round (the scenarios take turns within a round, under
// the same load) and judged on the median of those differences, reported with their range — not on the
// difference of the two medians, which mixes rounds of different load. The gRPC pair's goal line (goal 2) gives
// no ratio, and is not met, when the nginx pair's added p99 is not above zero (the direct run's own tail reached
// it), and prints the pairs' and the direct run's own p99 beside the added figures.
import { describe, expect, it } from "vitest";
import { emitPacedGoals, pairedOver, type RoundResult } from "../../benchmarks/proxy/paced-goals.ts";

const round = (addedP99: number, cpuTotal = 300): RoundResult => ({ addedP99, p99: addedP99, cpuTotal, rssIdle: 0, rssPeak: 0, anonPeak: 0, pssPeak: 0, privatePeak: 0, failed: 0 });

function tracingLine(off: number[], one: number[], all: number[]): Record<string, unknown> {
  const out: Record<string, unknown>[] = [];
  emitPacedGoals(
    new Map([["weft-sidecar-pair-tracing-off", off.map((x) => round(x))], ["weft-sidecar-pair-tracing-1%", one.map((x) => round(x))], [
      "weft-sidecar-pair-tracing-100%",
      all.map((x) => round(x)),
    ]]),
    (o) => out.push(o),
  );
  return out.find((o) => o["bench"] === "proxy-tracing-goal")!;
}

describe("proxy-tracing-goal", () => {
  it("pairs each round's tracing pair with that round's tracing-off pair: met where the difference of medians is not", () => {
    // A loaded round moves both pairs of the round: per round 1 % is 300 µs over off in two rounds of three,
    // while the medians of the three rounds are 6,400 µs apart.
    const line = tracingLine([1000, 1500, 8000], [1300, 7900, 8300], [1500, 2000, 8500]);
    expect(line).toMatchObject({ one_percent_over_off_us: 300, one_percent_over_off_us_range: [300, 6400], all_over_off_us: 500, met: true });
  });

  it("is not met when the median per-round difference exceeds the bound, and reports the rounds' range", () => {
    const line = tracingLine([1000, 1000, 1000], [1400, 1600, 1700], [2000, 2000, 2000]);
    expect(line).toMatchObject({ one_percent_over_off_us: 600, one_percent_over_off_us_range: [400, 700], one_percent_over_off_us_rounds: [400, 600, 700], met: false });
  });

  it("leaves out rounds without a figure on either side, and is not met without the 100 % pair", () => {
    expect(pairedOver([round(1500), round(Number.NaN), round(1300)], [round(1000), round(900), round(Number.NaN)])).toEqual({ median: 500, range: [500, 500], rounds: [500] });
    const out: Record<string, unknown>[] = [];
    emitPacedGoals(new Map([["weft-sidecar-pair-tracing-off", [round(1000)]], ["weft-sidecar-pair-tracing-1%", [round(1100)]]]), (o) => out.push(o));
    expect(out.find((o) => o["bench"] === "proxy-tracing-goal")).toMatchObject({ one_percent_over_off_us: 100, all_over_off_us: null, met: false });
  });
});

describe("proxy-paced-grpc-goal", () => {
  const grpcLine = (weft: number[], nginx: number[], direct: number[]): Record<string, unknown> => {
    const out: Record<string, unknown>[] = [];
    const rounds = (added: number[], own: number[]) => added.map((a, i) => ({ ...round(a), p99: own[i]! }));
    emitPacedGoals(
      new Map([["direct-grpc", rounds(direct.map(() => Number.NaN), direct)], ["weft-sidecar-pair-grpc", rounds(weft.map((w, i) => w - direct[i]!), weft)], [
        "nginx-grpc-mtls-pair",
        rounds(nginx.map((n, i) => n - direct[i]!), nginx),
      ]]),
      (o) => out.push(o),
    );
    return out.find((o) => o["bench"] === "proxy-paced-grpc-goal")!;
  };

  it("judges the added p99 against 1.5x nginx's pair, with the pairs' and the direct run's own p99 beside it", () => {
    expect(grpcLine([6000, 7000, 8000], [5000, 6000, 7000], [2000, 2000, 2000])).toMatchObject({ weft_added_p99_us_median: 5000, nginx_added_p99_us_median: 4000, p99_ratio: 1.25,
      p99_us_median: { weft: 7000, nginx: 6000, direct: 2000 }, met: true });
    expect(grpcLine([9000, 10000, 11000], [5000, 6000, 7000], [2000, 2000, 2000])).toMatchObject({ p99_ratio: 2, met: false });
  });

  it("gives no ratio and is not met when the direct run's own tail reached the nginx pair's (its added p99 is not above zero)", () => {
    const line = grpcLine([25000, 14000, 15000], [4400, 7900, 8500], [6000, 8800, 14400]);
    expect(line).toMatchObject({ nginx_added_p99_us_median: -1600, p99_ratio: null, met: false });
    expect(line["not_judged"]).toMatch(/not above zero/);
  });
});
