// durations: GEP-2257 parsing (spec §11).
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../pkg/translate/durations.ts";

describe("parseDuration (GEP-2257)", () => {
  it.each([
    ["0s", 0],
    ["1s", 1000],
    ["500ms", 500],
    ["1h30m", 5_400_000],
    ["1h2m3s4ms", 3_723_004],
    ["99999ms", 99_999],
    ["10m", 600_000],
  ])("%s = %i ms", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });
  it.each(["", "1", "1.5s", "-1s", "1d", "100000s", "1s2s3s4s5s", " 1s", "1S", "ms"])("rejects %j", (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });
});
