// weftctl inject: offline sidecar injection for GitOps. `weftctl inject -f manifest.yaml [flags]`
// (inject-options.ts) prints the mutated YAML of every input (inject-manifests.ts) on stdout and one
// report line per workload on stderr. Exit 0 ok, 1 on read/parse errors, 2 on bad flags.
// Must not: contact a cluster, or change documents it does not inject.
import { readFileSync } from "node:fs";
import { readOptions, type Subcommand } from "../cli/index.ts";
import { injectManifests } from "./inject-manifests.ts";
import { INJECT_FLAGS, INJECT_USAGE, injectOptionsFrom } from "./inject-options.ts";

const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export const injectCommand: Subcommand = {
  summary: "apply sidecar injection offline to Pods and workload templates in a manifest; prints YAML",
  async run(argv) {
    const parsed = readOptions("weftctl inject", INJECT_USAGE, argv, INJECT_FLAGS, (line) => injectOptionsFrom(line.flags));
    if (typeof parsed === "number") return parsed;
    const outputs: string[] = [];
    for (const file of parsed.files) {
      let text: string;
      try {
        text = readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (e) {
        process.stderr.write(`weftctl inject: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
      }
      if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
        process.stderr.write(`weftctl inject: ${file}: larger than ${MAX_INPUT_BYTES} bytes\n`);
        return 1;
      }
      const r = injectManifests(text, file, parsed.opts);
      if (r.errors.length > 0) {
        process.stderr.write(`${r.errors.join("\n")}\n`);
        return 1;
      }
      for (const w of r.reports) {
        const why = w.report.problems === undefined ? "" : `: ${w.report.problems.join("; ")}`;
        process.stderr.write(`${w.object}: ${w.report.injected ? "injected" : "skipped"} (${w.report.reason})${why}\n`);
      }
      if (r.output !== "") outputs.push(r.output);
    }
    process.stdout.write(outputs.join("---\n"));
    if (parsed.opts.config.trustBundlePem === undefined && parsed.opts.config.controllerInsecure !== true) {
      process.stderr.write(
        "weftctl inject: note: no --trust-bundle given, so injected proxies carry no WEFT_TRUST_BUNDLE and refuse to dial the controller; pass the mesh CA roots (docs/security.md)\n",
      );
    }
    return 0;
  },
};
