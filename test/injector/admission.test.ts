// admission: AdmissionReview v1 handling — malformed bodies get 400 with a clear message (never
// a throw), oversized bodies 413, non-pod / non-create requests pass untouched, a pod in an
// enabled namespace gets a base64 JSONPatch that applies, refused annotations become warnings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Namespace } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, reviewResponse, type NamespaceLookup } from "../../injector/index.ts";
import { admissionReview, podCreateRequest } from "../support/admission-review.ts";
import { fcParams } from "../support/fast-check-env.ts";

const namespaces: Record<string, Namespace> = {
  shop: { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } },
  plain: { apiVersion: "v1", kind: "Namespace", metadata: { name: "plain" } },
};
const lookup: NamespaceLookup = async (n) => namespaces[n];
const cfg = DEFAULT_INJECTOR_CONFIG;

function pod(annotations?: Record<string, string>): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Pod", metadata: { generateName: "reviews-", ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: "app", image: "reviews:1" }] } };
}

const review = admissionReview;
const podRequest = (object: unknown, extra: Record<string, unknown> = {}) => podCreateRequest(object, { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", ...extra });

describe("reviewResponse", () => {
  it("injects a pod of an enabled namespace with a base64 JSONPatch that applies", async () => {
    const p = pod();
    const r = await reviewResponse(review(podRequest(p)), cfg, lookup);
    expect(r.httpStatus).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.apiVersion).toBe("admission.k8s.io/v1");
    expect(body.kind).toBe("AdmissionReview");
    expect(body.response.uid).toBe("705ab4f5-6393-11e8-b7cc-42010a800002");
    expect(body.response.allowed).toBe(true);
    expect(body.response.patchType).toBe("JSONPatch");
    const ops = JSON.parse(Buffer.from(body.response.patch, "base64").toString("utf8"));
    const out = applyJsonPatch(p, ops) as { spec: { initContainers: { name: string }[] }; metadata: { annotations: Record<string, string> } };
    expect(out.spec.initContainers.map((c) => c.name)).toEqual(["weft-init", "weft-proxy"]);
    expect(JSON.parse(out.metadata.annotations["weft.dev/injection-status"]!).injected).toBe(true);
    expect(r.subject).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", namespace: "shop", name: "reviews-*" });
  });

  it("allows without a patch when the namespace is not enabled or unknown", async () => {
    for (const ns of ["plain", "nowhere"]) {
      const r = await reviewResponse(review(podRequest(pod(), { namespace: ns })), cfg, lookup);
      const body = JSON.parse(r.body);
      expect(r.httpStatus).toBe(200);
      expect(body.response).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
      expect(r.report?.reason).toBe("namespace-not-enabled");
    }
  });

  it("passes non-pod kinds, updates, and subresources through untouched", async () => {
    const cases = [
      podRequest(pod(), { operation: "UPDATE" }),
      podRequest(pod(), { kind: { group: "apps", version: "v1", kind: "Deployment" } }),
      podRequest(pod(), { subResource: "ephemeralcontainers" }),
    ];
    for (const req of cases) {
      const r = await reviewResponse(review(req), cfg, lookup);
      expect(r.httpStatus).toBe(200);
      expect(JSON.parse(r.body).response).toEqual({ uid: req.uid, allowed: true });
    }
  });

  it("turns refused annotations into admission warnings and never denies the pod", async () => {
    const r = await reviewResponse(review(podRequest(pod({ "weft.dev/exclude-outbound-ports": "70000" }))), cfg, lookup);
    const body = JSON.parse(r.body);
    expect(body.response.allowed).toBe(true);
    expect(body.response.patch).toBeUndefined();
    expect(body.response.warnings).toEqual(['weft injection skipped (invalid-annotation): weft.dev/exclude-outbound-ports: "70000" is not a port 1..65535']);
  });

  it("warns when a pod that asked for injection is skipped, and stays silent for ordinary skips", async () => {
    const asked = { ...pod({ "weft.dev/inject": "enabled" }), spec: { hostNetwork: true, containers: [{ name: "app" }] } };
    const r = await reviewResponse(review(podRequest(asked)), cfg, lookup);
    expect(JSON.parse(r.body).response.warnings).toEqual(["weft injection skipped (host-network) although the pod has weft.dev/inject=enabled"]);
    const notAsked = { ...pod(), spec: { hostNetwork: true, containers: [{ name: "app" }] } };
    expect(JSON.parse((await reviewResponse(review(podRequest(notAsked)), cfg, lookup)).body).response.warnings).toBeUndefined();
    const off = await reviewResponse(review(podRequest(pod({ "weft.dev/inject": "disabled" }))), cfg, lookup);
    expect(JSON.parse(off.body).response.warnings).toBeUndefined();
  });

  it("answers malformed bodies with 400 and a message naming the problem", async () => {
    const bad: [string, RegExp][] = [
      ["", /not valid JSON/],
      ['{"apiVersion":', /not valid JSON/],
      ["[1,2]", /JSON object/],
      ["null", /JSON object/],
      [JSON.stringify({ apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: podRequest(pod()) }), /apiVersion must be admission.k8s.io\/v1/],
      [JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "Pod", request: podRequest(pod()) }), /kind must be AdmissionReview/],
      [JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), /no request/],
      [review({ ...podRequest(pod()), uid: 42 }), /uid/],
      [review({ ...podRequest(pod()), uid: "x".repeat(500) }), /uid/],
      [review(podRequest("not a pod")), /request.object/],
    ];
    for (const [body, msg] of bad) {
      const r = await reviewResponse(body, cfg, lookup);
      expect(r.httpStatus, body.slice(0, 60)).toBe(400);
      expect(JSON.parse(r.body).error).toMatch(msg);
    }
  });

  it("rejects an oversized body with 413 before parsing it", async () => {
    const huge = review(podRequest({ ...pod(), padding: "x".repeat(4096) }));
    const r = await reviewResponse(huge, cfg, lookup, { maxBodyBytes: 1024 });
    expect(r.httpStatus).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/exceeds the limit of 1024 bytes/);
  });

  it("answers 500 when the namespace cannot be read, leaving the outcome to failurePolicy", async () => {
    for (const failing of [() => Promise.reject(new Error("apiserver down")), () => {
      throw new Error("store not synced");
    }]) {
      const r = await reviewResponse(review(podRequest(pod())), cfg, failing);
      expect(r.httpStatus).toBe(500);
      expect(JSON.parse(r.body).error).toMatch(/namespace shop could not be read/);
    }
  });

  it("never throws and always answers 200/400/413 for arbitrary bodies and pod objects", async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string(), fc.json(), fc.anything().map((v) => {
        try {
          return review(podRequest(v));
        } catch {
          return "{}";
        }
      }), fc.uint8Array({ maxLength: 200 })),
      async (body) => {
        const r = await reviewResponse(body, cfg, lookup);
        expect([200, 400, 413]).toContain(r.httpStatus);
        expect(() => JSON.parse(r.body)).not.toThrow();
      },
    ), fcParams(300));
  });
});
