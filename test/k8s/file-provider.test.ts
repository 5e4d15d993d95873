// file-provider: a temp directory of manifests → snapshots. Proves: the initial scan emits the
// objects; an edit is picked up by the watcher; a broken edit is logged with file and line and the
// file's last good objects are kept; a deleted file drops its objects; a missing directory is a
// WEFT_ERR_CONFIG error; snapshots are frozen.
import { mkdtemp, rm, writeFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResourceSnapshot } from "../../pkg/api/index.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";
import { startFileProvider, type FileProvider } from "../../pkg/k8s/file-provider.ts";
import type { Log } from "../../pkg/k8s/log.ts";

const route = (name: string, host: string) =>
  `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: demo }
spec:
  parentRefs: [{ name: gw }]
  hostnames: ["${host}"]
  rules: [{ backendRefs: [{ name: svc, port: 80 }] }]
`;
const svc = `apiVersion: v1
kind: Service
metadata: { name: svc, namespace: demo }
spec: { ports: [{ port: 80 }] }
`;

let dir: string;
let provider: FileProvider | undefined;
const snaps: ResourceSnapshot[] = [];
const lines: string[] = [];
const log: Log = {
  info: (_o, m) => lines.push(`info ${m}`),
  warn: (_o, m) => lines.push(`warn ${m}`),
  error: (_o, m) => lines.push(`error ${m}`),
};

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-fp-"));
  snaps.length = 0;
  lines.length = 0;
});
afterEach(async () => {
  provider?.stop();
  provider = undefined;
  await rm(dir, { recursive: true, force: true });
});

const last = () => snaps[snaps.length - 1];
const start = async () => {
  provider = await startFileProvider({ dir, log, debounceMs: 20, coalescer: { windowMs: 20, maxMs: 100 }, onSnapshot: (s) => snaps.push(s) });
};

describe("file provider", () => {
  it("emits the initial objects, then follows edits and deletions", async () => {
    await writeFile(join(dir, "route.yaml"), route("r1", "a.example.com"));
    await writeFile(join(dir, "svc.yaml"), svc);
    await start();
    expect(snaps).toHaveLength(1);
    expect(last()!.httpRoutes.map((r) => r.spec.hostnames)).toEqual([["a.example.com"]]);
    expect(last()!.services.map((s) => s.metadata.name)).toEqual(["svc"]);
    expect(Object.isFrozen(last()!.httpRoutes[0])).toBe(true);

    await writeFile(join(dir, "route.yaml"), route("r1", "b.example.com"));
    await until(() => last()!.httpRoutes[0]?.spec.hostnames?.[0] === "b.example.com", "edited hostname");

    await unlink(join(dir, "svc.yaml"));
    await until(() => last()!.services.length === 0, "service removal");
    expect(last()!.httpRoutes).toHaveLength(1);
  });

  it("keeps the last good objects of a file that stops parsing, and logs where", async () => {
    await writeFile(join(dir, "route.yaml"), route("r1", "a.example.com"));
    await start();
    const before = snaps.length;
    await writeFile(join(dir, "route.yaml"), `${route("r1", "a.example.com")}---\nkind: HTTPRoute\nmetadata: { name: bad }\nspec:\n  parentRefs: 7\n`);
    await until(() => lines.some((l) => l.startsWith("error route.yaml:")), "parse error log");
    expect(lines.find((l) => l.startsWith("error route.yaml:"))).toMatch(/^error route\.yaml:\d+:\d+ \(document 1\)/);
    expect(lines).toContain("warn keeping the last good objects of this file");
    await provider!.rescan();
    expect(snaps.length).toBe(before);
    expect(provider!.snapshot().httpRoutes.map((r) => r.metadata.name)).toEqual(["r1"]);
  });

  it("uses the valid objects of a file that never parsed cleanly", async () => {
    await writeFile(join(dir, "mixed.yaml"), `${svc}---\napiVersion: v1\nkind: Service\nmetadata: { name: 5 }\n`);
    await start();
    expect(last()!.services.map((s) => s.metadata.name)).toEqual(["svc"]);
  });

  it("rejects a missing directory with WEFT_ERR_CONFIG", async () => {
    await expect(startFileProvider({ dir: join(dir, "nope"), onSnapshot: () => {} })).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_CONFIG"));
  });
});
