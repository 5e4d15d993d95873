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

describe("parseDuration at its edges", () => {
  it("five digits a part and four parts are the most; ms is not read as m then s", () => {
    expect(parseDuration("99999h")).toStrictEqual({ ok: true, ms: 99_999 * 3_600_000 });
    expect(parseDuration("1h1m1s1ms")).toStrictEqual({ ok: true, ms: 3_661_001 });
    expect(parseDuration("1ms1m")).toStrictEqual({ ok: true, ms: 60_001 });
    expect(parseDuration("00010s")).toStrictEqual({ ok: true, ms: 10_000 });
    for (const text of ["100000h", "1h1m1s1ms1h", "1s ", "s1", "1m1", "1hh"]) {
      expect(parseDuration(text), text).toStrictEqual({ ok: false, message: `"${text}" is not a GEP-2257 duration (e.g. "1h30m", "500ms")` });
    }
    expect(parseDuration("9".repeat(100))).toStrictEqual({ ok: false, message: `"${"9".repeat(64)}" is not a GEP-2257 duration (e.g. "1h30m", "500ms")` });
  });
});
