// module-boundaries: reads every import in pkg/, injector/ and fails when one breaks the module
// table of the design (data flows one way; pure core, effects at the edges), when a module is missing
// from the table, when the modules import each other in a loop, when anything outside cmd/ imports
// cmd/ (cmd/ is wiring only), or when a file of pkg/proxy imports a part of the proxy it may not (the
// parts' own table below).
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importsOf, relPath, sourceFiles } from "./import-graph.ts";

const root = resolve(import.meta.dirname, "../..");

/** module → modules it may import (besides itself and node:/npm packages). */
const allowed: Record<string, readonly string[]> = {
  "pkg/api": [],
  "pkg/errors": [],
  "pkg/util": [],
  "pkg/ir": ["pkg/util"],
  "pkg/translate": ["pkg/api", "pkg/ir", "pkg/errors", "pkg/util"],
  "pkg/router": ["pkg/ir", "pkg/errors", "pkg/util"],
  "pkg/telemetry": ["pkg/util"],
  "pkg/proxy": ["pkg/ir", "pkg/router", "pkg/errors", "pkg/util", "pkg/telemetry"],
  /** The proxy as a program (runtime.ts and runtime/): the proxy plus its config doors (distribution client, mesh identity). */
  "pkg/proxy/runtime": ["pkg/proxy", "pkg/ir", "pkg/router", "pkg/errors", "pkg/util", "pkg/telemetry", "pkg/distribution", "pkg/ca"],
  "pkg/distribution": ["pkg/ir", "pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/ca": ["pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/k8s": ["pkg/api", "pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/status": ["pkg/api", "pkg/k8s", "pkg/util", "pkg/telemetry"],
  "injector": ["pkg/api", "pkg/errors", "pkg/util", "pkg/telemetry", "pkg/cli"],
  "pkg/controller": [
    "pkg/api",
    "pkg/ir",
    "pkg/translate",
    "pkg/router",
    "pkg/distribution",
    "pkg/ca",
    "pkg/k8s",
    "pkg/status",
    "pkg/telemetry",
    "pkg/errors",
    "pkg/util",
    "pkg/cli",
    "injector",
  ],
  "pkg/cli": [],
  "pkg/local": ["pkg/controller", "pkg/proxy", "pkg/api", "pkg/util", "pkg/telemetry", "pkg/cli"],
  "pkg/weftctl": ["pkg/api", "pkg/translate", "pkg/router", "pkg/ir", "pkg/k8s", "pkg/status", "pkg/util", "pkg/cli", "injector"],
};

/** Single file-to-file imports the table does not allow in general, each with its reason. */
const exceptions: readonly { readonly from: string; readonly to: string; readonly why: string }[] = [
  { from: "pkg/weftctl/explain.ts", to: "pkg/proxy/stack/redirect.ts", why: "explain prints the Location the proxy itself computes for a redirect (a pure function)" },
];

/** Only these may touch the network, the file system or child processes. */
const pureModules = ["pkg/api", "pkg/ir", "pkg/translate", "pkg/router", "pkg/util", "pkg/errors"];
const effectImports = ["node:net", "node:http", "node:http2", "node:https", "node:tls", "node:fs", "node:fs/promises", "node:child_process", "node:dgram"];

function moduleOf(file: string): string | undefined {
  const rel = relative(root, file).split(sep).join("/");
  if (rel.startsWith("injector/")) return "injector";
  if (rel === "pkg/proxy/runtime.ts" || rel.startsWith("pkg/proxy/runtime/")) return "pkg/proxy/runtime";
  const m = /^pkg\/[^/]+/.exec(rel);
  return m?.[0];
}

const files = [...sourceFiles(join(root, "pkg")), ...sourceFiles(join(root, "injector"))];

describe("module boundaries (design §3)", () => {
  it("finds source files to check", () => {
    expect(files.length).toBeGreaterThan(3);
  });
  for (const file of files) {
    const mod = moduleOf(file);
    if (!mod) continue;
    it(`${relative(root, file)} imports only what ${mod} may`, () => {
      const bad: string[] = [];
      const src = readFileSync(file, "utf8");
      for (const spec of importsOf(src)) {
        if (spec.startsWith(".")) {
          const targetFile = resolve(dirname(file), spec);
          const target = moduleOf(targetFile);
          const excepted = exceptions.some((e) => e.from === relPath(root, file) && e.to === relPath(root, targetFile));
          if (target === undefined) bad.push(`${spec} (outside pkg/ and injector/)`);
          else if (target !== mod && !(allowed[mod] ?? []).includes(target) && !excepted) bad.push(`${spec} (${target})`);
        } else if (pureModules.includes(mod) && effectImports.includes(spec)) {
          bad.push(`${spec} (effect in pure module ${mod})`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it("every module of pkg/ has a row in the table", () => {
    const modules = new Set(files.map((f) => moduleOf(f)!));
    expect([...modules].filter((m) => allowed[m] === undefined)).toEqual([]);
  });

  it("the modules import each other without a loop", () => {
    const edges = new Map<string, string[]>();
    for (const file of files) {
      const mod = moduleOf(file)!;
      const out = edges.get(mod) ?? [];
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        const target = spec.startsWith(".") ? moduleOf(resolve(dirname(file), spec)) : undefined;
        const excepted = exceptions.some((e) => e.from === relPath(root, file) && e.to === relPath(root, resolve(dirname(file), spec)));
        if (target !== undefined && target !== mod && !excepted && !out.includes(target)) out.push(target);
      }
      edges.set(mod, out);
    }
    expect(importCycles(edges)).toEqual([]);
  });
});

describe("cmd/ is wiring only: nothing imports it", () => {
  const outside = ["pkg", "injector", "test", "benchmarks", "scripts", "tools", "examples"]
    .filter((d) => existsSync(join(root, d))).flatMap((d) => sourceFiles(join(root, d), { tests: true }));
  it("finds files outside cmd/ to check, test files among them", () => {
    expect(outside.filter((f) => f.endsWith(".test.ts")).length).toBeGreaterThan(100);
  });
  it("no file outside cmd/ imports a file of cmd/", () => {
    const bad = outside.flatMap((file) =>
      importsOf(readFileSync(file, "utf8"))
        .filter((spec) => spec.startsWith(".") && relPath(root, resolve(dirname(file), spec)).startsWith("cmd/"))
        .map((spec) => `${relPath(root, file)} imports ${spec}`)
    );
    expect(bad).toEqual([]);
  });
});

/**
 * The parts of pkg/proxy and the parts each may import. "shared" is the proxy's common vocabulary: the
 * files directly in pkg/proxy except its assembly (engine.ts, runtime.ts, index.ts); shared files import no
 * part. The engine assembles the front, the stack and what the stack calls; the runtime (the proxy as a
 * program, also its own module above) starts the engine, a face and the admin server; index is the
 * library's surface and leaves the runtime out (cmd imports runtime.ts itself).
 */
const proxyParts: Record<string, readonly string[]> = {
  shared: [],
  h1: ["shared"],
  // Own HTTP/2 framing (the front's HTTP/2 face and the upstream's HTTP/2 client): self-contained, node's built-ins only.
  h2: [],
  front: ["shared", "h1", "h2"],
  upstream: ["shared", "h1", "h2"],
  balance: ["shared"],
  stack: ["shared", "upstream", "balance"],
  gateway: ["shared"],
  sidecar: ["shared", "front"],
  admin: ["shared"],
  engine: ["shared", "h1", "front", "upstream", "balance", "stack"],
  runtime: ["shared", "engine", "gateway", "sidecar", "admin", "balance"],
  index: ["shared", "engine", "gateway", "sidecar", "admin", "balance"],
};
const assembly: Readonly<Record<string, string>> = { "engine.ts": "engine", "runtime.ts": "runtime", "index.ts": "index" };

/** The part of pkg/proxy a file belongs to, or undefined outside pkg/proxy. */
function proxyPartOf(file: string): string | undefined {
  const rel = relPath(root, file);
  if (!rel.startsWith("pkg/proxy/")) return undefined;
  const rest = rel.slice("pkg/proxy/".length).split("/");
  if (rest.length > 1) return rest[0];
  return assembly[rest[0]!] ?? "shared";
}

describe("pkg/proxy parts", () => {
  const proxyFiles = files.filter((f) => proxyPartOf(f) !== undefined);
  it("every file of pkg/proxy belongs to a known part", () => {
    expect(proxyFiles.length).toBeGreaterThan(40);
    expect(proxyFiles.map((f) => proxyPartOf(f)!).filter((p) => proxyParts[p] === undefined)).toEqual([]);
  });
  for (const file of proxyFiles) {
    const part = proxyPartOf(file)!;
    it(`${relative(root, file)} imports only what the proxy's ${part} part may`, () => {
      const bad: string[] = [];
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = proxyPartOf(resolve(dirname(file), spec));
        if (target !== undefined && target !== part && !(proxyParts[part] ?? []).includes(target)) bad.push(`${spec} (${target})`);
      }
      expect(bad).toEqual([]);
    });
  }
});
