// proxy-node-options: the proxy's V8 flags reach every place a proxy runs — the injected sidecar
// container (native sidecar and legacy container) carries NODE_OPTIONS = SIDECAR_NODE_OPTIONS and
// WEFT_NODE_ARGS = SIDECAR_NODE_ARGS, the provisioned gateway Deployment NODE_OPTIONS = GATEWAY_NODE_OPTIONS and WEFT_NODE_ARGS =
// PROXY_NODE_ARGS (no pretenuring there either) — Node honours
// NODE_OPTIONS (under an allocation loop the young generation stays small with it and grows far larger
// without), and the image's `weft` launcher (the printf in the Dockerfile, run here with sh) puts
// WEFT_NODE_ARGS on node's command line ahead of the script and passes the arguments through; those
// arguments stop V8 from pretenuring allocation sites (a burst no longer moves per-request objects to the
// old generation for good) and make it compile optimized code on the main thread (compiler threads kept
// ~7 MB of freed malloc memory per sidecar in their own arenas).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Gateway, Namespace, Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate, PROXY_CONTAINER } from "../../injector/index.ts";
import { desiredGatewayObjects } from "../../pkg/controller/gateway-objects.ts";
import { GATEWAY_NODE_OPTIONS, NODE_ARGS_ENV, PROXY_NODE_ARGS, SIDECAR_NODE_ARGS, SIDECAR_NODE_OPTIONS } from "../../pkg/util/proxy-node-options.ts";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");
type Container = { name: string; env?: { name: string; value?: string }[] };

function injectedProxy(nativeSidecars: boolean): Container | undefined {
  const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } } as Namespace;
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "shop" }, spec: { containers: [{ name: "web", image: "web:1" }] } } as Pod;
  const r = mutate(pod, ns, { ...DEFAULT_INJECTOR_CONFIG, nativeSidecars });
  expect(r.patch.length).toBeGreaterThan(0);
  const out = applyJsonPatch(pod, r.patch) as { spec: { containers: Container[]; initContainers?: Container[] } };
  return [...out.spec.containers, ...(out.spec.initContainers ?? [])].find((c) => c.name === PROXY_CONTAINER);
}

describe("proxy V8 flags where the proxy runs", () => {
  it("are real flags: a young-generation cap, smaller for a sidecar (one per pod) than for a gateway (one per Gateway, sized by its owner)", () => {
    const cap = (o: string) => Number(/^--max-semi-space-size=(\d+)$/.exec(o)?.[1]);
    expect(cap(SIDECAR_NODE_OPTIONS)).toBe(2);
    expect(cap(GATEWAY_NODE_OPTIONS)).toBe(16);
  });

  it("a sidecar's node arguments stop V8 pretenuring: a burst of objects alive at a young GC tenures their site without them, not with them", () => {
    // Every object made stays alive, as a burst of requests in flight does at a scavenge: V8 decides to allocate
    // such a site in the old generation (proxy-node-options.ts says why a sidecar must not).
    const burst = "const keep = []; const make = (i) => ({ i, a: [i] }); for (let i = 0; i < 400000; i++) keep.push(make(i)); process.stdout.write(String(keep.length));";
    const tenured = (args: string[]) => {
      // Interpreted only: optimized code may skip the allocation mementos V8 counts, and when it is ready is a race.
      const r = spawnSync(node, [...args, "--no-opt", "--no-maglev", "--no-sparkplug", "--trace-pretenuring-statistics", "-e", burst], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("400000");
      return r.stdout.split("\n").filter((l) => l.includes("=> tenure")).length;
    };
    expect(tenured([])).toBeGreaterThan(0);
    expect(tenured(SIDECAR_NODE_ARGS.split(" "))).toBe(0);
    expect(tenured(PROXY_NODE_ARGS.split(" "))).toBe(0);
  });

  it("a sidecar's node arguments compile optimized code on the main thread: no compile job goes to a background thread with them, some do without", () => {
    // A hot function gets Maglev and then Turbofan code; --trace-opt names the mode of each compile.
    const hot =
      "function f(a){let s=0;for(let i=0;i<a.length;i++)s+=a[i]*2;return s} const a=Array.from({length:1000},(_,i)=>i); let t=0; for(let k=0;k<20000;k++)t+=f(a); process.stdout.write('t='+t+'\\n');";
    const modes = (args: string[]) => {
      const r = spawnSync(node, [...args, "--trace-opt", "-e", hot], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("t=");
      return r.stdout.split("\n").filter((l) => l.startsWith("[compiling method")).map((l) => /mode: ConcurrencyMode::(\w+)/.exec(l)?.[1]);
    };
    expect(modes([])).toContain("kConcurrent");
    const sidecar = modes(SIDECAR_NODE_ARGS.split(" "));
    expect(sidecar.length).toBeGreaterThan(0);
    expect(sidecar.filter((m) => m !== "kSynchronous")).toEqual([]);
  });

  it("a sidecar's node arguments keep its main-thread compiles short: Turbofan inlines at most 230 bytes of bytecode per function, V8's 920 without them", () => {
    const inlineBound = (args: string[]) => {
      const r = spawnSync(node, [...args, "--print-flag-values", "-e", "0"], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(0);
      return /--max-inlined-bytecode-size-cumulative=(\d+)/.exec(r.stdout)?.[1];
    };
    expect(inlineBound([])).toBe("920");
    expect(inlineBound(SIDECAR_NODE_ARGS.split(" "))).toBe("230");
  });

  it("the injected proxy container carries NODE_OPTIONS (native sidecar and legacy container)", () => {
    for (const native of [true, false]) {
      const proxy = injectedProxy(native);
      expect(proxy).toBeDefined();
      expect(proxy!.env?.filter((e) => e.name === "NODE_OPTIONS")).toEqual([{ name: "NODE_OPTIONS", value: SIDECAR_NODE_OPTIONS }]);
      expect(proxy!.env?.filter((e) => e.name === NODE_ARGS_ENV)).toEqual([{ name: NODE_ARGS_ENV, value: SIDECAR_NODE_ARGS }]);
    }
  });

  it("the image's weft launcher passes WEFT_NODE_ARGS to node and the arguments to weft", () => {
    const m = /printf '([^']*)' > \/usr\/local\/bin\/weft/.exec(readFileSync(join(root, "Dockerfile"), "utf8"));
    expect(m).not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "weft-launcher-"));
    try {
      // One probe per entry the launcher may start: each prints which it is, node's flags and its arguments.
      const probe = (name: string) => {
        const file = join(dir, `${name}.js`);
        writeFileSync(file, `process.stdout.write(JSON.stringify({ entry: ${JSON.stringify(name)}, execArgv: process.execArgv, argv: process.argv.slice(2) }));`);
        return file;
      };
      const launcher = join(dir, "weft");
      const text = spawnSync("sh", ["-c", `printf '${m![1]}'`], { encoding: "utf8" }).stdout;
      expect(text).toContain("/app/dist/cmd/weft.js");
      expect(text).toContain("/app/dist/cmd/weft-proxy.js");
      writeFileSync(launcher, text.replace("/app/dist/cmd/weft-proxy.js", probe("weft-proxy")).replace("/app/dist/cmd/weft.js", probe("weft")));
      chmodSync(launcher, 0o755);
      const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`, NODE_OPTIONS: SIDECAR_NODE_OPTIONS };
      const run = (args: string[], extra: Record<string, string>) => spawnSync(launcher, args, { env: { ...env, ...extra }, encoding: "utf8", timeout: 20_000 });
      // `weft proxy …` runs the proxy bundle with the rest of the arguments; anything else runs weft.js with all of them.
      const withArgs = run(["proxy", "--mode", "a b"], { [NODE_ARGS_ENV]: SIDECAR_NODE_ARGS });
      expect(withArgs.stderr).toBe("");
      expect(JSON.parse(withArgs.stdout)).toEqual({ entry: "weft-proxy", execArgv: SIDECAR_NODE_ARGS.split(" "), argv: ["--mode", "a b"] });
      const without = run(["proxy", "--mode", "a b"], { [NODE_ARGS_ENV]: "" });
      expect(JSON.parse(without.stdout)).toEqual({ entry: "weft-proxy", execArgv: [], argv: ["--mode", "a b"] });
      const controller = run(["controller", "--x", "y z"], { [NODE_ARGS_ENV]: "" });
      expect(JSON.parse(controller.stdout)).toEqual({ entry: "weft", execArgv: [], argv: ["controller", "--x", "y z"] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the provisioned gateway Deployment carries NODE_OPTIONS and the no-pretenuring node arguments, with and without a trust bundle", () => {
    const gw = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "public", namespace: "edge", uid: "u1" },
      spec: { gatewayClassName: "weft", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] } } as Gateway;
    for (const trustBundle of [undefined, () => "PEM"]) {
      const objs = desiredGatewayObjects(gw, { image: "img", controllerAddress: "c:15010", trustDomain: "cluster.local", ...(trustBundle ? { trustBundle } : {}) }) as { kind: string;
        spec?: { template?: { spec: { containers: Container[] } } } }[];
      const c = objs.find((o) => o.kind === "Deployment")!.spec!.template!.spec.containers[0]!;
      expect(c.env?.filter((e) => e.name === "NODE_OPTIONS")).toEqual([{ name: "NODE_OPTIONS", value: GATEWAY_NODE_OPTIONS }]);
      expect(c.env?.filter((e) => e.name === NODE_ARGS_ENV)).toEqual([{ name: NODE_ARGS_ENV, value: PROXY_NODE_ARGS }]);
      expect(PROXY_NODE_ARGS.split(" ")).toContain("--no-allocation-site-pretenuring");
      // Through the launcher (the Deployment's command), not around it.
      expect((c as Container & { command?: string[] }).command).toEqual(["weft"]);
    }
  });

  it("node applies them from NODE_OPTIONS: the young generation stays small under allocation", () => {
    const loop = `const v8=require("node:v8");let max=0,keep=[];
      for(let i=0;i<2e6;i++){keep.push({a:i,b:"x"+i});if(keep.length>20000)keep=[];
        if(i%10000===0)max=Math.max(max,v8.getHeapSpaceStatistics().find((s)=>s.space_name==="new_space").space_size);}
      process.stdout.write(String(max));`;
    const run = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(node, ["-e", loop], { env, encoding: "utf8", timeout: 30_000 });
      expect(r.status).toBe(0);
      return Number(r.stdout);
    };
    const { NODE_OPTIONS: _drop, ...clean } = process.env;
    const capped = run({ ...clean, NODE_OPTIONS: SIDECAR_NODE_OPTIONS });
    const free = run(clean);
    expect(capped).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(free).toBeGreaterThan(2 * capped);
  });
});
