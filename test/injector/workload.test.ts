// workload: the `<Kind>/<name>` an injected sidecar gets as WEFT_WORKLOAD (its traces' service name).
import { describe, expect, it } from "vitest";
import type { Pod } from "../../pkg/api/index.ts";
import { workloadOf } from "../../injector/index.ts";

const pod = (metadata: Record<string, unknown>): Pod => ({ apiVersion: "v1", kind: "Pod", metadata, spec: { containers: [] } } as unknown as Pod);
const owner = (kind: string, name: string, controller = true) => ({ apiVersion: "apps/v1", kind, name, uid: "u", controller });

describe("workloadOf", () => {
  it("names a Deployment's pod after the Deployment (its ReplicaSet minus the pod-template-hash)", () => {
    expect(workloadOf(pod({ name: "", generateName: "reviews-v2-5d8f9-", labels: { "pod-template-hash": "5d8f9" }, ownerReferences: [owner("ReplicaSet", "reviews-v2-5d8f9")] }))).toBe(
      "Deployment/reviews-v2",
    );
    expect(workloadOf(pod({ name: "x", ownerReferences: [owner("ReplicaSet", "plain-rs")] }))).toBe("ReplicaSet/plain-rs");
  });
  it("names other owned pods after their controller, bare pods after themselves", () => {
    expect(workloadOf(pod({ name: "db-0", ownerReferences: [owner("Job", "other", false), owner("StatefulSet", "db")] }))).toBe("StatefulSet/db");
    expect(workloadOf(pod({ name: "web-0" }))).toBe("Pod/web-0");
    expect(workloadOf(pod({ name: "", generateName: "debug-" }))).toBe("Pod/debug");
  });
  it("gives nothing for names that are not DNS names", () => {
    expect(workloadOf(pod({ name: "x", ownerReferences: [owner("ReplicaSet", "Bad_Name")] }))).toBeUndefined();
    expect(workloadOf(pod({ name: "x", ownerReferences: [owner("Weird Kind", "a")] }))).toBeUndefined();
    expect(workloadOf(pod({ name: "" }))).toBeUndefined();
  });
});
