// bundle-proxy: bundles the proxy's entry (cmd/weft-proxy.ts) with esbuild into one ES module,
// <out>/cmd/weft-proxy.js, with every package it imports inside (grpc-js and proto-loader too: they
// run in the file only once the controller link is opened). Why: a sidecar that loads ~300 modules one
// by one spends most of its start resolving and reading them (docs/proxy.md, "Startup").
// Outside the file stay node's built-ins and what the sources load at run time by path: the OpenTelemetry
// SDK (pkg/telemetry/otel-modules.ts, only with tracing on: from node_modules above the file; the API,
// which prom-client imports, is inside) and the original-dst addon (native/ under the package root). The distribution .proto is copied beside the file
// (pkg/distribution/proto.ts reads it next to itself). CommonJS packages inside call `require`, which an
// ES module lacks: the banner gives them one.
// Takes the output directory (default dist); gives the file and the inputs it holds (for tests).
// Must not: bundle @kubernetes/client-node, node-forge or the OpenTelemetry SDK (the proxy does not use
// the first two; the third loads only when tracing is on), or write outside <out>/cmd.
import { copyFileSync, mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");
/** Packages the bundle must not hold: unused by the proxy, or (the OpenTelemetry SDK) loaded by path once tracing is on. */
export const NOT_IN_PROXY = /^node_modules\/(@kubernetes\/client-node|node-forge|@opentelemetry\/(?!api\/))/;

export interface ProxyBundle {
  /** The bundled entry, <out>/cmd/weft-proxy.js. */
  readonly file: string;
  /** Files inside it, relative to the repo (node_modules/… for packages). */
  readonly inputs: readonly string[];
}

export async function bundleProxy(outDir: string): Promise<ProxyBundle> {
  const dir = join(resolve(outDir), "cmd");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "weft-proxy.js");
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, "cmd/weft-proxy.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    banner: { js: 'import { createRequire as __weftCreateRequire } from "node:module";\nconst require = __weftCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: "warning",
    legalComments: "eof",
  });
  const inputs = Object.keys(result.metafile.inputs).map((f) => relative(root, resolve(root, f)));
  const forbidden = inputs.filter((f) => NOT_IN_PROXY.test(f));
  if (forbidden.length > 0) throw new Error(`the proxy bundle would hold ${forbidden.slice(0, 3).join(", ")}: the proxy must not load them at start`);
  copyFileSync(join(root, "pkg/distribution/weft-distribution.proto"), join(dir, "weft-distribution.proto"));
  return { file, inputs };
}

if (import.meta.main) {
  const out = await bundleProxy(process.argv[2] ?? join(root, "dist"));
  process.stdout.write(`${relative(process.cwd(), out.file)}: ${out.inputs.length} files\n`);
}
