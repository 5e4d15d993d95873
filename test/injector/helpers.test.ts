// helpers: JSON Patch per RFC 6902 appendix examples, Kubernetes quantities per apimachinery's
// grammar, and the non-native postStart readiness wait run for real against a loopback server.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { applyJsonPatch, escapePointer } from "../../injector/json-patch.ts";
import { isQuantity, quantityValue } from "../../injector/quantity.ts";
import { waitReadyScript } from "../../injector/sidecar-containers.ts";

describe("applyJsonPatch (RFC 6902 appendix A)", () => {
  it("A.1 adds an object member, A.2 inserts into an array, A.16 appends with -", () => {
    expect(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({ baz: "qux", foo: "bar" });
    expect(applyJsonPatch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }])).toEqual({ foo: ["bar", "qux", "baz"] });
    expect(applyJsonPatch({ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }])).toEqual({ foo: ["bar", ["abc", "def"]] });
  });

  it("A.3/A.4 remove, A.5 replace, A.8/A.9 test, and does not mutate its input", () => {
    const doc = { baz: "qux", foo: ["bar", "qux", "baz"] };
    expect(applyJsonPatch(doc, [{ op: "remove", path: "/baz" }, { op: "remove", path: "/foo/1" }, { op: "replace", path: "/foo/0", value: "x" }])).toEqual({ foo: ["x", "baz"] });
    expect(doc).toEqual({ baz: "qux", foo: ["bar", "qux", "baz"] });
    expect(() => applyJsonPatch(doc, [{ op: "test", path: "/baz", value: "bar" }])).toThrow(/test failed/);
    expect(applyJsonPatch(doc, [{ op: "test", path: "/baz", value: "qux" }])).toEqual(doc);
  });

  it("unescapes ~1 and ~0 (RFC 6901) and refuses missing parents, bad indexes and __proto__", () => {
    expect(escapePointer("weft.dev/inject~x")).toBe("weft.dev~1inject~0x");
    expect(applyJsonPatch({ a: {} }, [{ op: "add", path: `/a/${escapePointer("weft.dev/inject~x")}`, value: 1 }])).toEqual({ a: { "weft.dev/inject~x": 1 } });
    expect(() => applyJsonPatch({}, [{ op: "add", path: "/a/b", value: 1 }])).toThrow(/missing parent/);
    expect(() => applyJsonPatch({ a: [1] }, [{ op: "add", path: "/a/5", value: 1 }])).toThrow(/out of range/);
    expect(() => applyJsonPatch({ a: [1] }, [{ op: "add", path: "/a/01", value: 1 }])).toThrow(/bad array index/);
    expect(() => applyJsonPatch({}, [{ op: "add", path: "/__proto__/x", value: 1 }])).toThrow(/forbidden/);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });
});

describe("Kubernetes quantities", () => {
  it("accepts the apimachinery forms and computes their values", () => {
    const ok: [string, number][] = [["100m", 0.1], ["0.5", 0.5], ["1", 1], ["2k", 2000], ["64Mi", 64 * 2 ** 20], ["1Gi", 2 ** 30], ["1e3", 1000], ["1.5E2", 150], [".5", 0.5], ["250u", 0.00025], [
      "128M",
      128e6,
    ]];
    for (const [q, v] of ok) {
      expect(isQuantity(q), q).toBe(true);
      expect(quantityValue(q)).toBeCloseTo(v, 9);
    }
  });

  it("rejects signs, spaces, unknown units, empty and over-long input", () => {
    for (const q of ["", "-1", "+1", "1 Gi", "128MB", "1gi", "Mi", "1.2.3", "1e", "0x10", "1".repeat(40), "NaN", "Infinity"]) expect(isQuantity(q), q).toBe(false);
  });
});

describe("non-native readiness wait (postStart)", () => {
  it("exits 0 once /ready answers 200 after refusals", async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      res.writeHead(req.url === "/ready" && hits >= 3 ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ["-e", waitReadyScript(port)], { stdio: "ignore" });
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.on("exit", (c) => {
          clearTimeout(kill);
          resolve(c);
        });
      });
      expect(code).toBe(0);
      expect(hits).toBeGreaterThanOrEqual(3);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
