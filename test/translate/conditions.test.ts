// conditions: what every status condition and diagnostic is made of — messages capped at 2,048
// characters, the generation defaulting to 1, many problems joined into one bounded message, and
// diagnostics sorted by object, code, path, message, with no path key when there is none.
import { describe, expect, it } from "vitest";
import { capMessage, condition, generationOf, joinMessages, MAX_MESSAGE_LENGTH } from "../../pkg/translate/conditions.ts";
import { cmp, Diagnostics } from "../../pkg/translate/diagnostics.ts";

describe("condition messages", () => {
  it("2,048 characters are kept whole; 2,049 are cut to 2,047 and an ellipsis", () => {
    const exact = "m".repeat(MAX_MESSAGE_LENGTH);
    expect(capMessage(exact)).toBe(exact);
    const over = capMessage(`${exact}x`);
    expect(over).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(over).toBe(`${"m".repeat(MAX_MESSAGE_LENGTH - 1)}…`);
    expect(condition("Accepted", "True", "Accepted", `${exact}x`, 4)).toStrictEqual({ type: "Accepted", status: "True", reason: "Accepted", message: over, observedGeneration: 4 });
  });
  it("eight messages are joined whole; the ninth and later are counted", () => {
    const eight = Array.from({ length: 8 }, (_, i) => `p${i}`);
    expect(joinMessages(eight)).toBe("p0; p1; p2; p3; p4; p5; p6; p7");
    expect(joinMessages([...eight, "p8", "p9"])).toBe("p0; p1; p2; p3; p4; p5; p6; p7; and 2 more");
    expect(joinMessages(["a", "b", "c"], 2)).toBe("a; b; and 1 more");
  });
});

describe("generationOf", () => {
  it.each([[7, 7], [1, 1], [undefined, 1], [0, 1], [-3, 1], [1.5, 1], [Number.MAX_SAFE_INTEGER + 2, 1], ["4" as unknown as number, 1]])("%j ⇒ %i", (generation, want) => {
    expect(generationOf(generation === undefined ? {} : { generation })).toBe(want);
  });
});

describe("Diagnostics", () => {
  it("sorted by object, then code, then path (none first), then message; no path key without a path", () => {
    const d = new Diagnostics();
    d.add("warning", "B", "obj/1", "m");
    d.add("error", "A", "obj/2", "m");
    d.add("error", "A", "obj/1", "u", "spec.b");
    d.add("error", "A", "obj/1", "v", "spec.a");
    d.add("error", "A", "obj/1", "x");
    d.add("error", "A", "obj/1", "w");
    expect(d.sorted().map((x) => [x.object, x.code, x.path, x.message])).toStrictEqual([
      ["obj/1", "A", undefined, "w"],
      ["obj/1", "A", undefined, "x"],
      ["obj/1", "A", "spec.a", "v"],
      ["obj/1", "A", "spec.b", "u"],
      ["obj/1", "B", undefined, "m"],
      ["obj/2", "A", undefined, "m"],
    ]);
    expect("path" in d.sorted()[0]!).toBe(false);
    expect(d.items.map((x) => x.code)).toStrictEqual(["B", "A", "A", "A", "A", "A"]);
  });
  it("messages are capped like condition messages", () => {
    const d = new Diagnostics();
    d.add("info", "C", "o", "x".repeat(5000));
    expect(d.items[0]?.message).toHaveLength(MAX_MESSAGE_LENGTH);
  });
  it("cmp orders by code unit and gives 0 only for equal strings", () => {
    expect([cmp("a", "b"), cmp("b", "a"), cmp("a", "a"), cmp("B", "a")]).toStrictEqual([-1, 1, 0, -1]);
  });
});
