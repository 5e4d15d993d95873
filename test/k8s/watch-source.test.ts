// watch-source: one resource's list+watch against a scripted fake API server on 127.0.0.1.
// Proves: synced only after the first list; watch events reach the cache; a watch that fails with
// HTTP 500 is restarted (with backoff) from the last resourceVersion; an ERROR 410 event makes it
// relist; a CRD that is not served counts as synced-empty; ReferenceGrant falls back to v1beta1.
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { createKubeClient, RESOURCE_KINDS, SILENT_LOG, discoverVersion, startWatchSource, type WatchSource } from "../../pkg/k8s/index.ts";

interface Script {
  /** Resource list per list call (call index → names). */
  lists: string[][];
  /** What the n-th watch request does. */
  watches: ({ status: number } | { events: { type: string; name?: string; code?: number; rv: string }[] })[];
  served: Record<string, string[]>;
}

let server: Server | undefined;
let source: WatchSource | undefined;
afterEach(async () => {
  source?.stop();
  source = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function fakeApi(script: Script): Promise<{ kc: KubeConfig; log: string[] }> {
  const log: string[] = [];
  let lists = 0;
  let watches = 0;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const group = /^\/apis\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (group !== null) {
      const names = script.served[`${group[1]}/${group[2]}`];
      return names === undefined ? json(404, { kind: "Status", code: 404 }) : json(200, { resources: names.map((name) => ({ name })) });
    }
    if (url.searchParams.get("watch") === "true") {
      const w = script.watches[watches++] ?? { status: 500 };
      log.push(`watch rv=${url.searchParams.get("resourceVersion")}`);
      if ("status" in w) return json(w.status, { kind: "Status", code: w.status });
      res.writeHead(200, { "content-type": "application/json" });
      for (const e of w.events) {
        const object = e.type === "ERROR" ? { kind: "Status", code: e.code } : { metadata: { name: e.name, namespace: "a", resourceVersion: e.rv } };
        res.write(`${JSON.stringify({ type: e.type, object })}\n`);
      }
      return res.end();
    }
    const names = script.lists[Math.min(lists++, script.lists.length - 1)] ?? [];
    log.push(`list ${lists}`);
    return json(200, { metadata: { resourceVersion: String(10 * lists) }, items: names.map((name) => ({ metadata: { name, namespace: "a", resourceVersion: "1" } })) });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "fake", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "fake", user: "u" }],
    currentContext: "c",
  });
  return { kc, log };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const routes = RESOURCE_KINDS.find((r) => r.field === "httpRoutes")!;
const names = (s: WatchSource) => s.list().map((o) => o.metadata?.name).sort();

describe("watch source", () => {
  it("syncs after the first list, applies events, restarts after a 500, relists after 410", async () => {
    const { kc, log } = await fakeApi({
      served: { "gateway.networking.k8s.io/v1": ["httproutes"] },
      lists: [["r1"], ["r1", "r2", "r3"]],
      watches: [
        { events: [{ type: "ADDED", name: "r2", rv: "11" }] },
        { status: 500 },
        { events: [{ type: "ERROR", code: 410, rv: "" }] },
        { events: [] },
      ],
    });
    let events = 0;
    source = startWatchSource({ kc, client: createKubeClient(kc), resource: routes, onEvent: () => events++, log: SILENT_LOG, backoff: { baseMs: 10, maxMs: 50 } });
    expect(source.synced()).toBe(false);
    await until(() => source!.synced(), "sync");
    await until(() => names(source!).length === 3, "relisted objects");
    expect(names(source)).toEqual(["r1", "r2", "r3"]);
    expect(source.version()).toBe("v1");
    expect(events).toBeGreaterThan(1);
    expect(log.slice(0, 5)).toEqual(["list 1", "watch rv=10", "watch rv=11", "watch rv=11", "list 2"]);
  });

  it("treats a resource that is not served as synced and empty", async () => {
    const { kc } = await fakeApi({ served: {}, lists: [["x"]], watches: [] });
    source = startWatchSource({ kc, client: createKubeClient(kc), resource: routes, onEvent: () => {}, log: SILENT_LOG });
    await until(() => source!.synced(), "sync");
    expect(source.list()).toEqual([]);
    expect(source.version()).toBe("");
  });

  it("falls back to v1beta1 for ReferenceGrant", async () => {
    const { kc } = await fakeApi({ served: { "gateway.networking.k8s.io/v1": ["httproutes"], "gateway.networking.k8s.io/v1beta1": ["referencegrants"] }, lists: [], watches: [] });
    const rg = RESOURCE_KINDS.find((r) => r.field === "referenceGrants")!;
    expect(await discoverVersion(createKubeClient(kc), rg)).toBe("v1beta1");
  });
});
