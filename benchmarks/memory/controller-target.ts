// controller-target: a real `weft controller --provider file` for the memory benchmark, on a copy of
// examples/local, with one sidecar-like distribution client connected (so slices are built and pushed),
// and the bad-config sequence a user might hit: a route with 10,000 parentRefs (rejected), 20,000
// routes (accepted), a 60 MB file (rejected), then the good files back.
// Takes a work directory; gives the controller's pid, healthy(), the sequence and stop(). Loopback only.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/index.ts";
import { kill } from "../../test/support/child-processes.ts";
import { freePort, until } from "./gateway-target.ts";

const ROOT = join(import.meta.dirname, "../..");

export interface ControllerTarget {
  readonly pid: number;
  readonly dir: string;
  passes(): Promise<number>;
  healthy(): Promise<boolean>;
  /** Resolves when the controller logs a line containing `text` (after this call). */
  logged(text: string): Promise<void>;
  stop(): Promise<void>;
}

async function status(admin: number): Promise<{ ready: boolean; passes: number } | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${admin}/status`, { signal: AbortSignal.timeout(5000) });
    return (await r.json()) as { ready: boolean; passes: number };
  } catch {
    return undefined;
  }
}

export async function startControllerTarget(work: string): Promise<ControllerTarget> {
  const dir = join(work, "manifests");
  cpSync(join(ROOT, "examples/local"), dir, { recursive: true });
  const [grpc, admin] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, "cmd/weft.ts"), "controller", "--provider", "file", "--dir", dir, "--grpc-address", "127.0.0.1", "--grpc-port", String(grpc),
    "--admin-port", String(admin), "--log-level", "info"], { stdio: ["ignore", "pipe", "inherit"] });
  const watchers: { text: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    for (const w of [...watchers])
      if (line.includes(w.text)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
  });
  await until("the controller", async () => (await status(admin))?.ready === true);
  const client: DistributionClient = createDistributionClient({
    address: `127.0.0.1:${grpc}`,
    identity: { namespace: "demo", serviceAccount: "web", pod: "bench-0", kind: "sidecar" },
    onConfig: () => {},
  });
  await client.start();
  await until("a distribution stream", async () => client.current() !== undefined);
  return {
    pid: child.pid!,
    dir,
    passes: async () => (await status(admin))?.passes ?? -1,
    healthy: async () => (await status(admin))?.ready === true && client.current() !== undefined,
    logged: (text) => new Promise((resolve) => watchers.push({ text, resolve })),
    async stop() {
      client.close();
      await kill(child);
    },
  };
}

function routeYaml(name: string, parentRefs: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: demo }
spec:
  parentRefs: ${parentRefs}
  hostnames: ["${name}.bench.local"]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /${name} } }]
      backendRefs: [{ name: reviews-v1, port: 9080 }]
`;
}

/** The sequence; gives the number of steps run. Each step waits for the controller to act on it. */
export async function badConfigSequence(t: ControllerTarget): Promise<number> {
  const file = (n: string): string => join(t.dir, n);
  const manyRefs = `[${Array.from({ length: 10_000 }, (_, i) => `{ name: public-${i} }`).join(", ")}]`;
  let seen = t.logged("bench-refs.yaml");
  writeFileSync(file("bench-refs.yaml"), routeYaml("many-refs", manyRefs));
  await seen;
  let before = await t.passes();
  writeFileSync(file("bench-routes.yaml"), Array.from({ length: 20_000 }, (_, i) => routeYaml(`r${i}`, "[{ name: public, sectionName: http }]")).join("---\n"));
  await until("20,000 routes translated", async () => (await t.passes()) > before, 120_000);
  seen = t.logged("bench-huge.yaml");
  writeFileSync(file("bench-huge.yaml"), `# ${"x".repeat(60 * 1024 * 1024)}\n`);
  await seen;
  before = await t.passes();
  for (const n of ["bench-refs.yaml", "bench-routes.yaml", "bench-huge.yaml"]) rmSync(file(n), { force: true });
  await until("the good files back in force", async () => (await t.passes()) > before, 120_000);
  return 4;
}
