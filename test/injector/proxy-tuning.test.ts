// proxy-tuning (injector): the pod annotation weft.dev/proxy-tuning picks the sidecar's V8 flags
// (WEFT_NODE_ARGS, pkg/util/proxy-node-options.ts) on both sidecar forms (native and legacy container):
// "latency" drops --no-concurrent-recompilation and the inlining bound that goes with it, and keeps every other flag; "memory" and no annotation give
// SIDECAR_NODE_ARGS; any other value skips injection with the problem named, like every bad weft.dev value.
import { describe, expect, it } from "vitest";
import type { Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate } from "../../injector/index.ts";
import { SIDECAR_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";

type Obj = Record<string, any>;
const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } };

function pod(annotations: Record<string, string>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "shop", annotations }, spec: { containers: [{ name: "web", image: "web:1" }] } } as unknown as Pod;
}

function nodeArgs(annotations: Record<string, string>, nativeSidecars: boolean): string[] {
  const p = pod(annotations);
  const r = mutate(p, ns as never, { ...DEFAULT_INJECTOR_CONFIG, nativeSidecars });
  expect(r.report.injected).toBe(true);
  const out = applyJsonPatch(p, r.patch) as Obj;
  const proxy = [...(out.spec.initContainers ?? []), ...out.spec.containers].find((c: Obj) => c.name === "weft-proxy");
  const found = proxy.env.filter((e: Obj) => e.name === "WEFT_NODE_ARGS");
  expect(found).toHaveLength(1);
  return (found[0].value as string).split(" ");
}

describe("weft.dev/proxy-tuning", () => {
  const shipped = SIDECAR_NODE_ARGS.split(" ");

  const mainThreadOnly = ["--no-concurrent-recompilation", "--max-inlined-bytecode-size-cumulative=230"];

  it("latency: the sidecar's flags without --no-concurrent-recompilation and its inlining bound, every other flag kept", () => {
    expect(shipped).toEqual(expect.arrayContaining(mainThreadOnly));
    for (const native of [true, false]) {
      for (const value of ["latency", " Latency "]) {
        const args = nodeArgs({ "weft.dev/proxy-tuning": value }, native);
        for (const f of mainThreadOnly) expect(args).not.toContain(f);
        expect(args).toEqual(shipped.filter((f) => !mainThreadOnly.includes(f)));
        expect(args).toEqual(expect.arrayContaining(["--single-threaded-gc", "--no-allocation-site-pretenuring"]));
      }
    }
  });

  it("memory and no annotation: today's flags, compiles on the main thread", () => {
    for (const native of [true, false]) {
      expect(nodeArgs({ "weft.dev/proxy-tuning": "memory" }, native)).toEqual(shipped);
      expect(nodeArgs({}, native)).toEqual(shipped);
    }
    expect(shipped).toEqual(["--single-threaded-gc", "--no-allocation-site-pretenuring", ...mainThreadOnly]);
  });

  it("refuses any other value: no injection, the problem named", () => {
    for (const [value, shown] of [["fast", "fast"], ["", ""], ["x".repeat(100), "x".repeat(64)]]) {
      const r = mutate(pod({ "weft.dev/proxy-tuning": value! }), ns as never, DEFAULT_INJECTOR_CONFIG);
      expect(r).toEqual({ patch: [], report: { injected: false, reason: "invalid-annotation", problems: [`weft.dev/proxy-tuning: "${shown}" is not one of memory, latency`] } });
    }
  });
});
