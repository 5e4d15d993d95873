// inbound-mtls (injector): the pod annotation weft.dev/inbound-mtls: strict reaches the sidecar as
// WEFT_INBOUND_MTLS=strict (weft proxy --inbound-mtls: plaintext inbound connections are refused); no
// annotation or "permissive" leaves the sidecar permissive; any other value skips injection with the
// problem named. The refusal itself is proven on the real node (test/e2e/journey.cluster.test.ts).
import { describe, expect, it } from "vitest";
import type { Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate } from "../../injector/index.ts";

type Obj = Record<string, any>;
const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } };

function pod(annotations: Record<string, string>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "shop", annotations }, spec: { containers: [{ name: "web", image: "web:1" }] } } as unknown as Pod;
}

function sidecarEnv(annotations: Record<string, string>): string | undefined {
  const p = pod(annotations);
  const r = mutate(p, ns as never, DEFAULT_INJECTOR_CONFIG);
  expect(r.report.injected).toBe(true);
  const out = applyJsonPatch(p, r.patch) as Obj;
  const proxy = [...(out.spec.initContainers ?? []), ...out.spec.containers].find((c: Obj) => c.name === "weft-proxy");
  return proxy.env.find((e: Obj) => e.name === "WEFT_INBOUND_MTLS")?.value as string | undefined;
}

describe("weft.dev/inbound-mtls", () => {
  it("strict is handed to the sidecar; permissive and no annotation leave it permissive", () => {
    expect(sidecarEnv({ "weft.dev/inbound-mtls": "strict" })).toBe("strict");
    expect(sidecarEnv({ "weft.dev/inbound-mtls": " Strict " })).toBe("strict");
    expect(sidecarEnv({ "weft.dev/inbound-mtls": "permissive" })).toBeUndefined();
    expect(sidecarEnv({})).toBeUndefined();
  });

  it("refuses any other value: no injection, the problem named", () => {
    const r = mutate(pod({ "weft.dev/inbound-mtls": "on" }), ns as never, DEFAULT_INJECTOR_CONFIG);
    expect(r.report).toMatchObject({ injected: false, reason: "invalid-annotation" });
    expect(r.report.problems).toEqual(['weft.dev/inbound-mtls: "on" must be strict or permissive']);
  });
});
