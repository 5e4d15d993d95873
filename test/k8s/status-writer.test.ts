// status-writer: the writer against an in-memory fake of the API server's /status endpoints.
// Proves: no request at all when not leader; an unchanged status (planned against the cached
// object) costs no write; a 409 Conflict leads to a fresh read and a successful retry that keeps
// the concurrent writer's entry; a vanished object is counted as missing; a persistent failure of
// one object does not stop the others.
import { describe, expect, it } from "vitest";
import type { StatusUpdate } from "../../pkg/api/index.ts";
import { WeftError } from "../../pkg/errors/weft-error.ts";
import type { KubeClient, RequestOptions } from "../../pkg/k8s/index.ts";
import { createStatusWriter } from "../../pkg/status/index.ts";

const ME = "weft.dev/gateway-controller";

interface Stored {
  metadata: { name: string; namespace: string; generation: number; resourceVersion: string };
  status?: Record<string, unknown> | undefined;
}

function fakeApi(objects: Record<string, Stored>) {
  const calls: string[] = [];
  let rv = 100;
  const fail = (status: number) => new WeftError("WEFT_ERR_VALIDATION", `HTTP ${status}`, { status });
  const client: KubeClient = {
    async request<T>(method: string, path: string, opts?: RequestOptions): Promise<T> {
      calls.push(`${method} ${path}`);
      const key = path.replace(/\/status$/, "");
      const obj = objects[key];
      if (obj === undefined) throw fail(404);
      if (method === "GET") return structuredClone(obj) as T;
      if (method === "PUT") {
        const body = opts?.body as Stored;
        if (path.includes("boom")) throw fail(500);
        if (body.metadata.resourceVersion !== obj.metadata.resourceVersion) throw fail(409);
        obj.status = body.status;
        obj.metadata.resourceVersion = String(++rv);
        return structuredClone(obj) as T;
      }
      throw fail(405);
    },
  };
  return { client, calls, reset: () => {
    calls.length = 0;
  } };
}

const routePath = (name: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/a/httproutes/${name}`;
const update = (name: string, reason = "Accepted"): StatusUpdate => ({
  target: { kind: "HTTPRoute", namespace: "a", name, generation: 1 },
  parents: [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [{ type: "Accepted", status: "True", reason, message: "" }] }],
});
const stored = (name: string): Stored => ({ metadata: { name, namespace: "a", generation: 1, resourceVersion: "1" } });

describe("status writer", () => {
  it("does nothing when not leader", async () => {
    const api = fakeApi({ [routePath("r")]: stored("r") });
    const w = createStatusWriter({ client: api.client, controllerName: ME, isLeader: () => false });
    const report = await w.write([update("r")]);
    expect(report.skippedNotLeader).toBe(true);
    expect(api.calls).toEqual([]);
  });

  it("writes once, then makes no request for an unchanged status planned against the cache", async () => {
    const objects = { [routePath("r")]: stored("r") };
    const api = fakeApi(objects);
    const cache = () => structuredClone(objects[routePath("r")]);
    const w = createStatusWriter({ client: api.client, controllerName: ME, isLeader: () => true, lookup: cache });
    expect((await w.write([update("r")])).written).toBe(1);
    api.reset();
    const again = await w.write([update("r")]);
    expect(again).toMatchObject({ written: 0, unchanged: 1 });
    expect(api.calls).toEqual([]);
    expect(w.totalWrites()).toBe(1);
  });

  it("re-reads and retries on 409, keeping a concurrent controller's entry", async () => {
    const objects = { [routePath("r")]: stored("r") };
    const api = fakeApi(objects);
    const staleCache = structuredClone(objects[routePath("r")]);
    objects[routePath("r")]!.status = { parents: [{ parentRef: { name: "other" }, controllerName: "example.com/other", conditions: [] }] };
    objects[routePath("r")]!.metadata.resourceVersion = "2";
    const w = createStatusWriter({ client: api.client, controllerName: ME, isLeader: () => true, lookup: () => staleCache });
    const report = await w.write([update("r")]);
    expect(report).toMatchObject({ written: 1, conflicts: 1, failed: 0 });
    const parents = objects[routePath("r")]!.status!["parents"] as { controllerName: string }[];
    expect(parents.map((p) => p.controllerName)).toEqual(["example.com/other", ME]);
  });

  it("counts missing objects and keeps going after a failing one", async () => {
    const api = fakeApi({ [routePath("boom")]: stored("boom"), [routePath("ok")]: stored("ok") });
    const w = createStatusWriter({ client: api.client, controllerName: ME, isLeader: () => true });
    const report = await w.write([update("gone"), update("boom"), update("ok")]);
    expect(report).toMatchObject({ missing: 1, failed: 1, written: 1 });
  });
});
