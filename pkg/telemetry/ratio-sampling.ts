// ratio-sampling: the ratio sampler's decision on a new trace id, taken without the SDK. The same
// arithmetic as OpenTelemetry's TraceIdRatioBasedSampler (sdk-trace-base): the XOR of the id's four 32-bit
// big-endian words, sampled when below floor(ratio × 0xffffffff) (every id at ratio 1, none at 0); the ids
// it is given are valid by construction (randomHexId), so the SDK's validity check (a regular expression)
// is left out. Why: the SDK's shouldSample builds a result object per call and runs that expression on a
// young string, on every new trace, also for the 99 in 100 dropped at 1% (docs/telemetry.md, "Cost of an
// unsampled request"). The SDK still samples every span it starts (ParentBasedSampler), and agrees.
// Takes the configured ratio and a 32-hex-digit lower-case id; gives the bound and the decision.
// Must not: allocate, or decide differently from the SDK's sampler on any valid id.

/** The bound a trace id's accumulated words must stay below to be sampled at `ratio` (0..1; NaN is 0). */
export function ratioUpperBound(ratio: number): number {
  const r = typeof ratio !== "number" || Number.isNaN(ratio) ? 0 : ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio;
  return r === 1 ? 0x100000000 : Math.floor(r * 0xffffffff);
}

/** Whether the ratio sampler with `upperBound` (ratioUpperBound) samples the new trace `traceId`. */
export function ratioSamples(traceId: string, upperBound: number): boolean {
  let acc = 0;
  for (let i = 0; i < 32; i += 8) {
    let word = 0;
    for (let j = 0; j < 8; j++) {
      const c = traceId.charCodeAt(i + j);
      word = (word << 4) | (c < 58 ? c - 48 : c - 87);
    }
    acc = (acc ^ word) >>> 0;
  }
  return acc < upperBound;
}
