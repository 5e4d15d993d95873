// import-graph: the source files of the repo's library (pkg/, injector/) and their relative imports, for
// the architecture tests (module-boundaries, import-cycles). Takes the repository root; gives file lists,
// each file's import specifiers, the resolved file-to-file graph and its import loops.
// Must not: execute the code it reads (imports are read as text: `import`, `import type`, `export … from`,
// side-effect `import "…"` and `import("…")` all count, since a type-only loop is still a loop in the design).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Every .ts file under `dir` (test files only with `tests`; node_modules never). */
export function sourceFiles(dir: string, opts: { readonly tests?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules") continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p, opts));
    else if (p.endsWith(".ts") && (opts.tests === true || !p.endsWith(".test.ts"))) out.push(p);
  }
  return out;
}

/** Import specifiers of one file, as written. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Repository-relative path with forward slashes. */
export function relPath(root: string, file: string): string {
  return relative(root, file).split(sep).join("/");
}

/** file → the files it imports (relative specifiers that resolve to an existing file), as repo-relative paths. */
export function importGraph(root: string, files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (existsSync(target)) targets.push(relPath(root, target));
    }
    graph.set(relPath(root, file), [...new Set(targets)]);
  }
  return graph;
}

/**
 * The import loops of `graph`: its strongly connected components with more than one file, or one file
 * importing itself (Tarjan's algorithm), each sorted, the list sorted by first file.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
