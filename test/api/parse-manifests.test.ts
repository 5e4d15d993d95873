// parse-manifests: parseManifests on valid, malformed and hostile input — precise error locations,
// drop-the-bad-object-only, warnings for unknown fields/kinds, List flattening, limits.
import { describe, expect, it } from "vitest";
import { parseManifests, PARSE_LIMITS } from "../../pkg/api/index.ts";
import type { HTTPRoute } from "../../pkg/api/index.ts";

const route = (name: string, extra = ""): string =>
  `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - name: svc
      port: 80${extra}
`;

describe("parseManifests: valid input", () => {
  it("reads multi-document YAML in order and defaults the namespace", () => {
    const out = parseManifests(`${route("a")}---\n${route("b")}`, "in.yaml");
    expect(out.errors).toEqual([]);
    expect(out.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["HTTPRoute/default/a", "HTTPRoute/default/b"]);
  });

  it("keeps cluster-scoped kinds without a namespace", () => {
    const out = parseManifests("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: weft}\nspec: {controllerName: weft.dev/gateway-controller}\n", "gc");
    expect(out.errors).toEqual([]);
    expect(out.objects[0]?.metadata.namespace).toBeUndefined();
  });

  it("reads JSON and v1beta1 routes", () => {
    const json = JSON.stringify({ apiVersion: "gateway.networking.k8s.io/v1beta1", kind: "HTTPRoute", metadata: { name: "j", namespace: "x" }, spec: { hostnames: ["a.example.com"] } });
    const out = parseManifests(json, "in.json");
    expect(out.errors).toEqual([]);
    expect((out.objects[0] as HTTPRoute).spec.hostnames).toEqual(["a.example.com"]);
  });

  it("flattens kind: List and typed *List, inheriting kind/apiVersion for bare items", () => {
    const list = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: n1}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRouteList
items:
- metadata: {name: r1, namespace: n1}
  spec: {}
`;
    const out = parseManifests(list, "l");
    expect(out.errors).toEqual([]);
    expect(out.objects.map((o) => o.kind)).toEqual(["Namespace", "HTTPRoute"]);
  });

  it("skips empty documents silently and treats null optional fields as absent", () => {
    const out = parseManifests(`---\n---\n${route("a")}  hostnames:\n`, "x");
    expect(out.errors).toEqual([]);
    expect(out.objects).toHaveLength(1);
    expect("hostnames" in (out.objects[0] as HTTPRoute).spec).toBe(false);
  });

  it("encodes Secret stringData into base64 data", () => {
    const out = parseManifests("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {tls.crt: hello}\n", "s");
    expect(out.errors).toEqual([]);
    const secret = out.objects[0] as { data?: Record<string, string> };
    expect(secret.data?.["tls.crt"]).toBe(Buffer.from("hello").toString("base64"));
  });

  it("YAML 1.2: 'on'/'yes' stay strings, unquoted timestamps stay strings", () => {
    const out = parseManifests(route("a").replace("name: a", "name: a\n  creationTimestamp: 2024-01-02T03:04:05Z\n  labels: {x: yes}"), "x");
    expect(out.errors).toEqual([]);
    expect(out.objects[0]?.metadata.creationTimestamp).toBe("2024-01-02T03:04:05Z");
    expect(out.objects[0]?.metadata.labels?.["x"]).toBe("yes");
  });
});

describe("parseManifests: errors are precise and local", () => {
  it("names source, document, object, path, line and column; other objects continue", () => {
    const bad = route("bad").replace("port: 80", 'port: "80"');
    const out = parseManifests(`${route("ok")}---\n${bad}`, "f.yaml");
    expect(out.objects.map((o) => o.metadata.name)).toEqual(["ok"]);
    expect(out.errors).toHaveLength(1);
    const e = out.errors[0]!;
    expect(e).toMatchObject({ source: "f.yaml", document: 1, object: "HTTPRoute/default/bad", path: "spec.rules[0].backendRefs[0].port" });
    expect(e.message).toMatch(/integer/);
    const lineOfPort = `${route("ok")}---\n${bad}`.split("\n").findIndex((l) => l.includes('port: "80"')) + 1;
    expect(e.line).toBe(lineOfPort);
  });

  it("deep paths use [i] indexes: spec.rules[0].matches[1].path.value", () => {
    const text = route("m").replace("  - backendRefs:", "  - matches:\n    - path: {value: /a}\n    - path: {value: 7}\n    backendRefs:");
    const out = parseManifests(text, "x");
    expect(out.errors.map((e) => e.path)).toEqual(["spec.rules[0].matches[1].path.value"]);
  });

  it.each([
    ["parentRef.name", route("r").replace("  - name: gw", "  - port: 80"), "spec.parentRefs[0].name"],
    ["backendRef.name", route("r").replace("    - name: svc\n", "    - kind: Service\n"), "spec.rules[0].backendRefs[0].name"],
    ["metadata.name", route("r").replace("  name: r\n", "  namespace: x\n"), "metadata.name"],
    ["spec", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\n", "spec"],
    ["listener protocol", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: c, listeners: [{name: l, port: 80}]}\n",
      "spec.listeners[0].protocol"],
    ["listener port range", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: c, listeners: [{name: l, port: 70000, protocol: HTTP}]}\n",
      "spec.listeners[0].port"],
    ["header value", route("r").replace("  - backendRefs:", "  - matches: [{headers: [{name: x}]}]\n    backendRefs:"), "spec.rules[0].matches[0].headers[0].value"],
    ["refgrant from.namespace",
      "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g}\nspec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute}], to: [{group: '', kind: Service}]}\n",
      "spec.from[0].namespace"],
    ["weight range", route("r").replace("port: 80", "port: 80\n      weight: -1"), "spec.rules[0].backendRefs[0].weight"],
  ])("required/typed field %s", (_label, text, path) => {
    const out = parseManifests(text, "x");
    expect(out.objects).toEqual([]);
    expect(out.errors.map((e) => e.path)).toContain(path);
  });

  it("rejects unrecognised apiVersions for known kinds", () => {
    const out = parseManifests(route("r").replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha9"), "x");
    expect(out.objects).toEqual([]);
    expect(out.errors[0]).toMatchObject({ path: "apiVersion", object: "HTTPRoute/default/r" });
  });

  it("reports missing kind and non-object documents", () => {
    const out = parseManifests("apiVersion: v1\nmetadata: {name: x}\n---\n- 1\n- 2\n---\nplain\n", "x");
    expect(out.errors.map((e) => [e.document, e.path])).toEqual([[0, "kind"], [1, "[0]"], [1, "[1]"], [2, ""]]);
  });

  it("malformed YAML gives one error with line and column", () => {
    const out = parseManifests(`${route("ok")}---\nkind: HTTPRoute\nmetadata: {name: [x\nspec: {}\n`, "x");
    const e = out.errors.filter((x) => x.document === 1);
    expect(e).toHaveLength(1);
    expect(e[0]?.message).toMatch(/malformed YAML/);
    expect(e[0]?.line).toBeGreaterThanOrEqual(14);
    expect(out.objects.map((o) => o.metadata.name)).toEqual(["ok"]);
  });

  it("duplicate keys are errors", () => {
    const out = parseManifests("apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: a}\n", "x");
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]?.message).toMatch(/unique/);
  });

  it("unknown enum values are not errors (translate reports UnsupportedValue)", () => {
    const out = parseManifests(route("r").replace("  - backendRefs:", "  - matches: [{path: {type: Fuzzy, value: /x}, method: BREW}]\n    backendRefs:"), "x");
    expect(out.errors).toEqual([]);
    expect(out.objects).toHaveLength(1);
  });
});

describe("parseManifests: JSON", () => {
  it("a top-level JSON array of objects is read like a List", () => {
    const objs = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }, { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } }];
    const out = parseManifests(JSON.stringify(objs), "x.json");
    expect(out.errors).toEqual([]);
    expect(out.objects.map((o) => o.metadata.name)).toEqual(["a", "b"]);
  });

  it("JSON field errors still carry line and column", () => {
    const text = JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: "http" }] } }, null, 2);
    const out = parseManifests(text, "x.json");
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ path: "spec.ports[0].port", object: "Service/default/s" });
    expect(out.errors[0]?.line).toBe(text.split("\n").findIndex((l) => l.includes('"port": "http"')) + 1);
  });

  it("malformed JSON falls back to the YAML reader for a located syntax error", () => {
    const out = parseManifests('{"apiVersion": "v1", "kind": ', "x.json");
    expect(out.objects).toEqual([]);
    expect(out.errors[0]?.message).toMatch(/malformed YAML/);
    expect(out.errors[0]?.line).toBe(1);
  });
});

describe("parseManifests: warnings", () => {
  it("unknown fields are kept and warned with their path", () => {
    const out = parseManifests(route("r", "\n      futureField: 1"), "x");
    expect(out.errors).toEqual([]);
    expect(out.warnings.map((w) => w.path)).toEqual(["spec.rules[0].backendRefs[0].futureField"]);
    expect([out.warnings[0]?.line, out.warnings[0]?.column]).toEqual([12, 7]);
    expect((out.objects[0] as unknown as { spec: { rules: { backendRefs: Record<string, unknown>[] }[] } }).spec.rules[0]?.backendRefs[0]?.["futureField"]).toBe(1);
  });

  it("unknown kinds are skipped with a warning", () => {
    const out = parseManifests("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: t}\nspec: {}\n", "x");
    expect(out.objects).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.warnings[0]?.message).toMatch(/TCPRoute.*skipped/);
  });
});

describe("parseManifests: hostile input", () => {
  it("10,000 parentRefs: one precise error, fast", () => {
    const refs = Array.from({ length: 10_000 }, (_, i) => `  - name: gw${i}`).join("\n");
    const out = parseManifests(`apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: many}\nspec:\n  parentRefs:\n${refs}\n`, "x");
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ path: "spec.parentRefs", object: "HTTPRoute/default/many" });
    expect(out.errors[0]?.message).toMatch(/10000 items, at most 32/);
  });

  it("100k-character strings are rejected on the field", () => {
    const out = parseManifests(route("r").replace("name: svc", `name: ${"a".repeat(100_000)}`), "x");
    expect(out.errors.map((e) => e.path)).toEqual(["spec.rules[0].backendRefs[0].name"]);
    expect(out.errors[0]?.message).toMatch(/100000 characters/);
  });

  it("deep flow nesting is refused before the YAML parser recurses", () => {
    const out = parseManifests(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: ${"[".repeat(50_000)}${"]".repeat(50_000)}}\n`, "x");
    expect(out.objects).toEqual([]);
    expect(out.errors[0]?.message).toMatch(/nesting deeper than/);
    expect(out.errors[0]?.line).toBe(3);
  });

  it("deep block nesting gives an error, not a crash", () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\nspec:\n${Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i + 2)}k:`).join("\n")}\n`;
    const out = parseManifests(text, "x");
    expect(out.objects.length + out.errors.length).toBeGreaterThan(0);
  });

  it("billion laughs: alias expansion is limited", () => {
    const text =
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  annotations:\n    a: &a [x,x,x,x,x,x,x,x,x]\n    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n    d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    const out = parseManifests(text, "x");
    expect(out.objects).toEqual([]);
    expect(out.errors[0]?.message).toMatch(/alias/i);
  });

  it("oversized input is refused without parsing", () => {
    const big = "#".repeat(PARSE_LIMITS.maxInputBytes + 1);
    const out = parseManifests(big, "big");
    expect(out.errors[0]?.message).toMatch(/bytes, at most/);
  });

  it("too many documents is refused", () => {
    const out = parseManifests("---\na: 1\n".repeat(PARSE_LIMITS.maxDocuments + 1), "x");
    expect(out.errors[0]?.message).toMatch(/more than 50000 documents/);
  });

  it("many errors in one object are capped", () => {
    const rules = Array.from({ length: 16 }, () => "  - backendRefs: [{name: 1, port: x}, {name: 2, port: y}]").join("\n");
    const out = parseManifests(`apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n${rules}\n`, "x");
    expect(out.errors.length).toBe(PARSE_LIMITS.maxErrorsPerObject);
  });
});
