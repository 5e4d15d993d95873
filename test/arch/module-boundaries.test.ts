// module-boundaries: reads every import in pkg/, injector/ and fails when one breaks the module
// table of the design (data flows one way; pure core, effects at the edges).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";
import { describe, expect, it } from "vitest";

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
  "pkg/distribution": ["pkg/ir", "pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/ca": ["pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/k8s": ["pkg/api", "pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/status": ["pkg/api", "pkg/k8s", "pkg/util", "pkg/telemetry"],
  "injector": ["pkg/api", "pkg/errors", "pkg/util", "pkg/telemetry"],
  "pkg/controller": [
    "pkg/api", "pkg/ir", "pkg/translate", "pkg/router", "pkg/distribution", "pkg/ca", "pkg/k8s", "pkg/status",
    "pkg/telemetry", "pkg/errors", "pkg/util", "injector",
  ],
};

/** Only these may touch the network, the file system or child processes. */
const pureModules = ["pkg/api", "pkg/ir", "pkg/translate", "pkg/router", "pkg/util", "pkg/errors"];
const effectImports = ["node:net", "node:http", "node:http2", "node:https", "node:tls", "node:fs", "node:fs/promises", "node:child_process", "node:dgram"];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

function moduleOf(file: string): string | undefined {
  const rel = relative(root, file).split(sep).join("/");
  if (rel.startsWith("injector/")) return "injector";
  const m = /^pkg\/[^/]+/.exec(rel);
  return m?.[0];
}

function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

const files = [...walk(join(root, "pkg")), ...walk(join(root, "injector"))];

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
          const target = moduleOf(resolve(dirname(file), spec));
          if (target === undefined) bad.push(`${spec} (outside pkg/ and injector/)`);
          else if (target !== mod && !(allowed[mod] ?? []).includes(target)) bad.push(`${spec} (${target})`);
        } else if (pureModules.includes(mod) && effectImports.includes(spec)) {
          bad.push(`${spec} (effect in pure module ${mod})`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
