// bundle-proxy: bundles the proxy's entry (cmd/weft-proxy.ts) with esbuild into one ES module,
// <out>/cmd/weft-proxy.js, with every package it imports inside (grpc-js and proto-loader too: they
// run in the file only once the controller link is opened). Why: a sidecar that loads ~300 modules one
// by one spends most of its start resolving and reading them (docs/proxy.md, "Startup").
// Outside the file stay node's built-ins and what the sources load at run time by path: the OpenTelemetry
// SDK (pkg/telemetry/otel-modules.ts, only with tracing on: from node_modules above the file; the API,
// which prom-client imports, is inside) and the original-dst addon (native/ under the package root). The distribution .proto is copied beside the file
// (pkg/distribution/proto.ts reads it next to itself). CommonJS packages inside call `require`, which an
// ES module lacks: the banner gives them one.
// Memory: the file's text stays in the sidecar's memory for its whole life (V8 compiles functions lazily
// from it). Whitespace and comments are left out (minifyWhitespace, minifySyntax; names are kept, so stack
// traces still name functions, and weft-proxy.js.map beside the file maps them back for --enable-source-maps),
// and the text must hold no character beyond Latin-1: one such character (a "⇒" in a doc comment) made
// V8 hold all of it as two bytes per character. 1.8 MB of text held as 3.5 MB before, 1.2 MB after
// (docs/proxy.md, "Memory").
// Takes the output directory (default dist) and the entry (default cmd/weft-proxy.ts; the benchmarks bundle
// their own sidecar entry the same way); gives the file and the inputs it holds (for tests).
// Must not: bundle @kubernetes/client-node, node-forge or the OpenTelemetry SDK (the proxy does not use
// the first two; the third loads only when tracing is on), or write outside <out>/cmd.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { build, type PluginBuild } from "esbuild";

const root = resolve(import.meta.dirname, "..");
/** Packages the bundle must not hold: unused by the proxy, or (the OpenTelemetry SDK) loaded by path once tracing is on. */
export const NOT_IN_PROXY = /^node_modules\/(@kubernetes\/client-node|node-forge|@opentelemetry\/(?!api\/))/;

export interface ProxyBundle {
  /** The bundled entry, <out>/cmd/weft-proxy.js (its source map beside it). */
  readonly file: string;
  /** Files inside it, relative to the repo (node_modules/… for packages). */
  readonly inputs: readonly string[];
  /** OpenTelemetry as a tracing proxy runs it, <out>/cmd/weft-otel.cjs (bundleOtelSurface), and its inputs. */
  readonly otelFile: string;
  readonly otelInputs: readonly string[];
}

/** Points a deep import of an OpenTelemetry package's CommonJS build (build/src/) at its ES module build (build/esm/), which esbuild can prune. */
const ESM_BUILD = {
  name: "otel-esm-build",
  setup(b: PluginBuild) {
    b.onResolve({ filter: /^@opentelemetry\/[^/]+\/build\/src\// }, (a) => ({ path: resolve(root, "node_modules", a.path.replace("/build/src/", "/build/esm/")) }));
  },
};

/** In weft-otel.cjs, @grpc/grpc-js is the process's own instance when tracing was given one (otel-surface.ts,
 *  GRPC_JS_KEY), else node_modules' copy (outside the file); required only by the OTLP/gRPC transport. */
const GRPC_JS_OF_PROCESS = {
  name: "grpc-js-of-process",
  setup(b: PluginBuild) {
    b.onResolve({ filter: /^@grpc\/grpc-js$/ }, (a) => (a.namespace === "grpc-js-of-process" ? { path: a.path, external: true } : { path: "grpc-js", namespace: "grpc-js-of-process" }));
    b.onLoad({ filter: /.*/, namespace: "grpc-js-of-process" }, () => ({
      contents: 'module.exports = globalThis[Symbol.for("weft.otel.grpc-js")] ?? require("@grpc/grpc-js");',
      loader: "js",
    }));
  },
};

/**
 * pkg/telemetry/otel-surface.ts as one CommonJS file, <dir>/weft-otel.cjs, which the bundle's otel-modules
 * loads (by path, beside itself) when tracing is turned on: the packages' ES module builds, so only what the
 * surface names is in it. Kept out of weft-proxy.js: a proxy with tracing off never reads it.
 */
export async function bundleOtelSurface(dir: string): Promise<{ file: string; inputs: string[] }> {
  const file = join(dir, "weft-otel.cjs");
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, "pkg/telemetry/otel-surface.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    mainFields: ["module", "main"],
    conditions: ["module"],
    plugins: [ESM_BUILD, GRPC_JS_OF_PROCESS],
    // The surface's import.meta.url serves only its unbundled form (the bundle has require).
    logOverride: { "empty-import-meta": "silent" },
    metafile: true,
    logLevel: "warning",
    legalComments: "eof",
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
  });
  const wide = beyondLatin1(readFileSync(file, "utf8"));
  if (wide !== undefined) throw new Error(`the OpenTelemetry bundle holds "${wide.char}" at offset ${wide.offset}: V8 would keep all its text at two bytes per character`);
  return { file, inputs: Object.keys(result.metafile.inputs).map((f) => relative(root, resolve(root, f))) };
}

/** The first character beyond Latin-1 in `text` (V8 would hold the whole text as two-byte), with its offset. */
export function beyondLatin1(text: string): { offset: number; char: string } | undefined {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return { offset: i, char: String.fromCodePoint(text.codePointAt(i)!) };
  return undefined;
}

export async function bundleProxy(outDir: string, entry = "cmd/weft-proxy.ts"): Promise<ProxyBundle> {
  const dir = join(resolve(outDir), "cmd");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(entry, ".ts")}.js`);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    banner: { js: 'import { createRequire as __weftCreateRequire } from "node:module";\nconst require = __weftCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: "warning",
    legalComments: "eof",
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
  });
  const inputs = Object.keys(result.metafile.inputs).map((f) => relative(root, resolve(root, f)));
  const forbidden = inputs.filter((f) => NOT_IN_PROXY.test(f));
  if (forbidden.length > 0) throw new Error(`the proxy bundle would hold ${forbidden.slice(0, 3).join(", ")}: the proxy must not load them at start`);
  const wide = beyondLatin1(readFileSync(file, "utf8"));
  if (wide !== undefined) throw new Error(`the proxy bundle holds "${wide.char}" at offset ${wide.offset}: V8 would keep all its text at two bytes per character (escape it or drop it)`);
  copyFileSync(join(root, "pkg/distribution/weft-distribution.proto"), join(dir, "weft-distribution.proto"));
  const otel = await bundleOtelSurface(dir);
  return { file, inputs, otelFile: otel.file, otelInputs: otel.inputs };
}

if (import.meta.main) {
  const out = await bundleProxy(process.argv[2] ?? join(root, "dist"), process.argv[3]);
  process.stdout.write(`${relative(process.cwd(), out.file)}: ${out.inputs.length} files\n`);
}
