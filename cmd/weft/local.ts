// local: `weft local` (what `npm start` runs) — the whole mesh on this machine, no cluster, no root:
// the controller with the file provider, the demo apps of examples/apps as processes, a sidecar per
// Pod and the gateway proxy, all on loopback (pkg/local; flags in pkg/local/options.ts, docs/local-mode.md).
// The proxies run the proxy bundle, as in the image: dist/cmd/weft-proxy.js beside this file, or, from
// the sources, one bundled at start (tools/bundle-proxy.ts) into a temporary directory of this run
// (beside a link to the repo's node_modules, so the packages kept out of the bundle resolve for tracing;
// the repo itself may not be writable by the user running it), removed at exit.
// Exit 0 after Ctrl-C/SIGTERM stopped everything, 1 when something could not start, 2 on a bad flag.
// Must not: leave child processes behind.
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readOptions, type Subcommand } from "../../pkg/cli/index.ts";
import { LOCAL_FLAGS, LOCAL_USAGE, localOptionsFrom, runLocal } from "../../pkg/local/index.ts";
import { untilSignal } from "../signals.ts";

const FROM_DIST = import.meta.url.endsWith(".js");
/** The controller runs this same binary (`weft controller`), from source or from dist/. */
const WEFT_ENTRY = fileURLToPath(new URL(FROM_DIST ? "../weft.js" : "../weft.ts", import.meta.url));

/** The proxy bundle the sidecars and the gateway proxy run, and how to remove it when it was made for this run. */
async function proxyBundle(): Promise<{ file: string; dispose: () => void }> {
  if (FROM_DIST) return { file: fileURLToPath(new URL("../weft-proxy.js", import.meta.url)), dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "weft-local-proxy-"));
  symlinkSync(fileURLToPath(new URL("../../node_modules", import.meta.url)), join(dir, "node_modules"), "dir");
  // A development tool (esbuild is a dev dependency): loaded by URL, so the build does not carry it.
  const tool = new URL("../../tools/bundle-proxy.ts", import.meta.url).href;
  const { bundleProxy } = (await import(tool)) as { bundleProxy: (out: string) => Promise<{ file: string }> };
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    return { file: (await bundleProxy(dir)).file, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const env = process.env;
  const o = readOptions("weft local", LOCAL_USAGE, argv, LOCAL_FLAGS, (line) => localOptionsFrom(line.flags, env), { env });
  if (typeof o === "number") return o;
  let proxy: { file: string; dispose: () => void };
  try {
    proxy = await proxyBundle();
  } catch (e) {
    process.stderr.write(`weft local: cannot bundle the proxy: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let code: number;
  try {
    code = await runLocal({ ...o, weftEntry: WEFT_ENTRY, proxyEntry: proxy.file }, untilSignal());
  } finally {
    proxy.dispose();
  }
  // Everything we started is stopped; do not let a stray handle keep the process up.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}

const command: Subcommand = { summary: "run the whole mesh locally on loopback (controller, proxies, demo apps)", run };
export default command;
