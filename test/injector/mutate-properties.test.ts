// mutate properties: over generated pods, namespaces and annotations — mutate never throws; the
// selection follows the label/annotation truth table; an injected pod meets every security and
// wiring requirement of issue 6 (checked on the patched pod, not on the patch text); app
// containers are untouched; injection is idempotent.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Namespace, Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate, type InjectorConfig } from "../../injector/index.ts";
import { fcParams } from "../support/fast-check-env.ts";

type Obj = Record<string, any>;

const nameArb = fc.constantFrom("app", "web", "db", "migrate", "sidecar-x", "init-a");
const containerArb = fc.record({
  name: nameArb,
  image: fc.constantFrom("a:1", "b:2"),
  ports: fc.option(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 2 }), { nil: undefined }),
}, { requiredKeys: ["name", "image"] });
const uniqueContainers = (min: number) => fc.uniqueArray(containerArb, { minLength: min, maxLength: 3, selector: (c) => c.name });
const choiceArb = fc.constantFrom<string | undefined>("enabled", "disabled", undefined, "yes", "");

const podArb = fc.record({
  podChoice: choiceArb,
  nsChoice: choiceArb,
  nsName: fc.constantFrom("shop", "payments", "kube-system"),
  hostNetwork: fc.option(fc.boolean(), { nil: undefined }),
  containers: uniqueContainers(1),
  initContainers: fc.option(uniqueContainers(0), { nil: undefined }),
  volumes: fc.option(fc.array(fc.record({ name: fc.constantFrom("data", "cache", "cfg"), emptyDir: fc.constant({}) }), { maxLength: 2 }), { nil: undefined }),
  otherAnnotations: fc.option(fc.dictionary(fc.constantFrom("owner", "team", "kubectl.kubernetes.io/default-container"), fc.constantFrom("x", "app")), { nil: undefined }),
  native: fc.boolean(),
});

interface Built {
  pod: Pod;
  ns: Namespace;
  config: InjectorConfig;
  podChoice: string | undefined;
  nsChoice: string | undefined;
  nsName: string;
  hostNetwork: boolean | undefined;
}

type Generated = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated): Built {
  const annotations: Record<string, string> = { ...g.otherAnnotations };
  if (g.podChoice !== undefined) annotations["weft.dev/inject"] = g.podChoice;
  const spec: Obj = { containers: g.containers };
  if (g.initContainers !== undefined) spec["initContainers"] = g.initContainers.map((c: Obj) => ({ ...c, name: `init-${c.name}` }));
  if (g.volumes !== undefined) spec["volumes"] = g.volumes;
  if (g.hostNetwork !== undefined) spec["hostNetwork"] = g.hostNetwork;
  const metadata: Obj = { name: "p", namespace: g.nsName };
  if (g.otherAnnotations !== undefined || g.podChoice !== undefined) metadata["annotations"] = annotations;
  const ns: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: g.nsName, labels: g.nsChoice === undefined ? {} : { "weft.dev/inject": g.nsChoice } } };
  return { pod: { apiVersion: "v1", kind: "Pod", metadata, spec } as unknown as Pod, ns, config: { ...DEFAULT_INJECTOR_CONFIG, nativeSidecars: g.native }, podChoice: g.podChoice, nsChoice: g.nsChoice,
    nsName: g.nsName, hostNetwork: g.hostNetwork };
}

/** The selection rule of issue 6, written independently of mutate. */
function expectedInjected(b: Built): boolean {
  if (b.nsName === "kube-system") return false;
  if (b.podChoice === "disabled") return false;
  if (b.podChoice !== undefined && b.podChoice !== "enabled") return false;
  const selected = b.podChoice === "enabled" || b.nsChoice === "enabled";
  return selected && b.hostNetwork !== true;
}

function containersOf(pod: Obj): { init: Obj[]; main: Obj[] } {
  return { init: pod["spec"]["initContainers"] ?? [], main: pod["spec"]["containers"] };
}

describe("mutate over generated pods", () => {
  it("decides by the truth table and produces a pod that meets every requirement", () => {
    fc.assert(fc.property(podArb, (g) => {
      const b = build(g);
      const { patch, report } = mutate(b.pod, b.ns, b.config);
      expect(report.injected).toBe(expectedInjected(b));
      if (!report.injected) {
        expect(patch).toEqual([]);
        return;
      }

      const out = applyJsonPatch(b.pod, patch) as Obj;
      const before = containersOf(b.pod);
      const { init, main } = containersOf(out);
      const all = [...init, ...main];
      expect(all.filter((c) => c["name"] === "weft-proxy")).toHaveLength(1);
      expect(all.filter((c) => c["name"] === "weft-init")).toHaveLength(1);
      expect(main.filter((c) => c["name"] !== "weft-proxy")).toEqual(before.main);
      expect(init.filter((c) => !["weft-proxy", "weft-init"].includes(c["name"]))).toEqual(before.init);

      const initC = all.find((c) => c["name"] === "weft-init")!;
      expect(initC["securityContext"]).toMatchObject({ runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, privileged: false });
      expect([...initC["securityContext"]["capabilities"]["add"]].sort()).toEqual(["NET_ADMIN", "NET_RAW"]);
      expect(initC["securityContext"]["capabilities"]["drop"]).toEqual(["ALL"]);
      expect(initC["volumeMounts"]).toBeUndefined();

      const proxy = all.find((c) => c["name"] === "weft-proxy")!;
      expect(proxy["securityContext"]).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
      expect(proxy["securityContext"]["capabilities"]).toEqual({ drop: ["ALL"] });
      const env = new Map((proxy["env"] as Obj[]).map((e) => [e["name"], e]));
      expect(env.get("POD_NAME")?.["valueFrom"]?.["fieldRef"]?.["fieldPath"]).toBe("metadata.name");
      expect(env.get("POD_NAMESPACE")?.["valueFrom"]?.["fieldRef"]?.["fieldPath"]).toBe("metadata.namespace");
      expect(env.get("SERVICE_ACCOUNT")?.["valueFrom"]?.["fieldRef"]?.["fieldPath"]).toBe("spec.serviceAccountName");
      expect(env.get("WEFT_CONTROLLER_ADDRESS")?.["value"]).toBe(b.config.controllerAddress);

      // The weft token volume: projected, controller audience, 1 h, mounted in the proxy only.
      const volumes = out["spec"]["volumes"] as Obj[];
      const tokenVol = volumes.find((v) => v["projected"] !== undefined && JSON.stringify(v).includes("serviceAccountToken"))!;
      expect(tokenVol["projected"]["sources"][0]["serviceAccountToken"]).toMatchObject({ audience: "weft.dev/distribution", expirationSeconds: 3600 });
      for (const c of all) {
        const mountsToken = ((c["volumeMounts"] ?? []) as Obj[]).some((m) => m["name"] === tokenVol["name"]);
        expect(mountsToken).toBe(c["name"] === "weft-proxy");
      }
      expect(volumes.filter((v) => !["weft-token", "weft-tmp"].includes(v["name"]))).toEqual((b.pod.spec as Obj)["volumes"] ?? []);

      const initNames = init.map((c) => c["name"]);
      if (b.config.nativeSidecars) {
        expect(initNames.slice(0, 2)).toEqual(["weft-init", "weft-proxy"]);
        expect(proxy["restartPolicy"]).toBe("Always");
        expect(proxy["startupProbe"]["httpGet"]).toEqual({ path: "/ready", port: b.config.adminPort });
        expect(main.some((c) => c["name"] === "weft-proxy")).toBe(false);
      } else {
        expect(main[0]?.["name"]).toBe("weft-proxy");
        expect(initNames[initNames.length - 1]).toBe("weft-init");
        expect(proxy["restartPolicy"]).toBeUndefined();
        expect(proxy["lifecycle"]["postStart"]["exec"]["command"][0]).toBe("node");
      }

      const status = JSON.parse(out["metadata"]["annotations"]["weft.dev/injection-status"]);
      expect(status).toEqual(JSON.parse(JSON.stringify(report)));
      for (const [k, v] of Object.entries((b.pod.metadata.annotations ?? {}) as Record<string, string>)) expect(out["metadata"]["annotations"][k]).toBe(v);

      const again = mutate(out as unknown as Pod, b.ns, b.config);
      expect(again).toEqual({ patch: [], report: { injected: false, reason: "already-injected" } });
    }), fcParams(400));
  });

  it("never throws on arbitrary weft.dev annotation values, and never patches when one is refused", () => {
    const keys = ["weft.dev/exclude-outbound-ports", "weft.dev/exclude-inbound-ports", "weft.dev/include-inbound-ports", "weft.dev/exclude-outbound-cidrs", "weft.dev/proxy-cpu",
      "weft.dev/proxy-memory", "weft.dev/proxy-cpu-limit", "weft.dev/proxy-memory-limit", "weft.dev/proxy-log-level", "weft.dev/proxy-tuning"];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("80,443", "10.0.0.0/8", "100m", "1Gi", "debug", "latency", "*", "-1", "1e3"))),
        (ann) => {
          const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", annotations: { ...ann, "weft.dev/inject": "enabled" } }, spec: { containers: [{ name: "app" }] } } as unknown as Pod;
          const r = mutate(pod, undefined, DEFAULT_INJECTOR_CONFIG);
          if (r.report.reason === "invalid-annotation") {
            expect(r.patch).toEqual([]);
            expect(r.report.problems!.length).toBeGreaterThan(0);
          } else {
            expect(r.report.injected).toBe(true);
          }
        }),
      fcParams(500),
    );
  });

  it("never throws on garbage pods", () => {
    fc.assert(fc.property(fc.anything(), fc.anything(), (spec, metadata) => {
      const r = mutate({ apiVersion: "v1", kind: "Pod", metadata, spec } as unknown as Pod, undefined, DEFAULT_INJECTOR_CONFIG);
      expect(typeof r.report.reason).toBe("string");
    }), fcParams(500));
  });
});
