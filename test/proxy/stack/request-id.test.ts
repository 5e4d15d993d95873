// request-id: generated ids are random version 4 UUIDs (RFC 9562 §5.4) in lower-case hex, each one new
// across refills of the random pool, every hex digit in use.
import { describe, expect, it } from "vitest";
import { randomRequestId } from "../../../pkg/proxy/stack/request-id.ts";

describe("randomRequestId", () => {
  it("gives version 4 UUIDs with the RFC 9562 variant, never the same one twice across pool refills", () => {
    const ids = Array.from({ length: 2000 }, () => randomRequestId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Random bits, not a pattern: every hex digit shows up in the id's random first group, and the
    // variant digit takes all four of its values.
    expect(new Set(ids.flatMap((id) => [...id.slice(0, 8)])).size).toBe(16);
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
  });
});
