// replica-report: the report one controller replica publishes for the leader (codec, size cap, hostile
// values) and how the leader adds peers' counts to its own at its generation of a route.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { combineProgrammed, decodeReport, encodeReport, MAX_REPORT_CHARS } from "../../pkg/controller/replica-report.ts";
import { reportAnnotation } from "../../pkg/controller/replica-reports.ts";

const routes = new Map([["HTTPRoute/shop/cart", { generation: 3, total: 4, programmed: 2 }], ["GRPCRoute/shop/echo", { generation: 1, total: 1, programmed: 1 }]]);

describe("replica reports", () => {
  it("round-trips a report", () => {
    const { text, truncated } = encodeReport("weft-controller-7d9-abcde", 1_700_000_000_000, routes);
    expect(truncated).toBe(false);
    const r = decodeReport(text);
    expect(r).toEqual({ identity: "weft-controller-7d9-abcde", at: 1_700_000_000_000, routes, truncated: false });
  });

  it("stays within the size cap, saying so, however many routes there are", () => {
    const many = new Map(Array.from({ length: 60_000 }, (_, i) => [`HTTPRoute/ns-${i % 977}/route-${i}-${(i * 2654435761) % 100_000}`, { generation: i % 7, total: 3, programmed: 2 }] as const));
    const { text, truncated } = encodeReport("r", 1, many);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_REPORT_CHARS);
    const r = decodeReport(text)!;
    expect(r.truncated).toBe(true);
    expect(r.routes.size).toBeGreaterThan(1000);
    expect(r.routes.size).toBeLessThan(many.size);
  });

  it("refuses anything that is not a well-formed report, without throwing", () => {
    const enc = (v: unknown) => gzipSync(JSON.stringify(v)).toString("base64");
    for (const bad of [
      "",
      "not base64 !!",
      Buffer.from("plain").toString("base64"),
      enc(null),
      enc({ v: 2, id: "a", at: 1, r: [] }),
      enc({ v: 1, id: 5, at: 1, r: [] }),
      enc({ v: 1, id: "a", at: -1, r: [] }),
      enc({ v: 1, id: "a", at: 1, r: [["k", 1, 1, 2]] }),
      enc({ v: 1, id: "a", at: 1, r: [["k", 1.5, 1, 1]] }),
      enc({ v: 1, id: "a", at: 1, r: [[1, 1, 1, 1]] }),
      "A".repeat(MAX_REPORT_CHARS * 3),
    ]) expect(decodeReport(bad)).toBeUndefined();
  });

  it("adds peers at the leader's generation: a peer behind counts none programmed, one ahead counts its own", () => {
    const peer = (gen: number, total: number, programmed: number) => ({ identity: `p${gen}`, at: 1, truncated: false,
      routes: new Map([["HTTPRoute/shop/cart", { generation: gen, total, programmed }]]) });
    expect(combineProgrammed({ programmed: 1, total: 1 }, [peer(3, 2, 2)], "HTTPRoute/shop/cart", 3)).toEqual({ programmed: 3, total: 3 });
    expect(combineProgrammed({ programmed: 1, total: 1 }, [peer(2, 2, 2)], "HTTPRoute/shop/cart", 3)).toEqual({ programmed: 1, total: 3 });
    expect(combineProgrammed({ programmed: 1, total: 1 }, [peer(4, 2, 1)], "HTTPRoute/shop/cart", 3)).toEqual({ programmed: 2, total: 3 });
    expect(combineProgrammed({ programmed: 0, total: 0 }, [peer(3, 2, 2)], "HTTPRoute/shop/other", 3)).toEqual({ programmed: 0, total: 0 });
  });

  it("names each replica's annotation by a hash of its identity (a valid annotation key for any pod name)", () => {
    const key = reportAnnotation("weft-controller-5f8d9c7b6-x".padEnd(63, "x"));
    expect(key).toMatch(/^weft\.dev\/proxies-[0-9a-f]{16}$/);
    expect(reportAnnotation("a")).not.toBe(reportAnnotation("b"));
  });
});
