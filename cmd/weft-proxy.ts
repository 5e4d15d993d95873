#!/usr/bin/env node
// weft-proxy: `weft proxy` as an entry of its own — what a proxy process runs: the image's `weft proxy`
// (its launcher), the processes of `weft local`, the startup benchmark. `npm run build` bundles it into
// one file, dist/cmd/weft-proxy.js (tools/bundle-proxy.ts), so a sidecar loads one file instead of
// resolving and reading a few hundred modules. Same flags, environment and exit codes as `weft proxy`
// (cmd/weft/proxy.ts); from the sources it runs as it is.
import { runSubcommand } from "./dispatch.ts";
import proxy from "./weft/proxy.ts";

await runSubcommand("weft proxy", proxy, process.argv.slice(2));
