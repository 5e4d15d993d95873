// random-id: ids for unsampled spans are lower-case hex of the right length, never all zeros, and
// do not repeat across a large sample.
import { describe, expect, it } from "vitest";
import { randomHexId } from "../../pkg/telemetry/unsampled-span.ts";

describe("randomHexId", () => {
  it("gives distinct valid 8- and 16-byte ids", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const span = randomHexId(8);
      const trace = randomHexId(16);
      expect(span).toMatch(/^[0-9a-f]{16}$/);
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      expect(/^0+$/.test(span) || /^0+$/.test(trace)).toBe(false);
      seen.add(span);
      seen.add(trace);
    }
    expect(seen.size).toBe(40_000);
  });
});
