// weftctl status: routes with their parents and conditions, gateways with listeners and attached routes.
// `weftctl status [-n <ns> | -A] [--kubeconfig K | -f <file|dir>…] [-o table|yaml|json]`
// Live mode (default, or --kubeconfig) reads the status the controller wrote; offline mode (-f) shows
// the status translate computes for the manifests (the same table). Without -n every namespace is shown.
// Exit codes: 0 all routes Accepted+ResolvedRefs and gateways Accepted+Programmed, 4 some are not,
// 1 input errors (unreadable manifests, API server unreachable, a status kind that could not be
// listed: health is then unknown, never reported as good), 2 usage.
// Must not: print Secret data (only status is shown).
import { readOptions, UsageError, type FlagTable, type Subcommand } from "../cli/index.ts";
import { OUTPUT_FLAG, outputFormat } from "./command-line.ts";
import { kubeClientFor, listSnapshot, STATUS_KINDS } from "./kube.ts";
import { renderMachine } from "./output.ts";
import { loadManifests } from "./source.ts";
import { renderStatusTable, statusFromCluster, statusFromTranslate, type StatusReport } from "./status.ts";

const USAGE = `usage: weftctl status [-n <namespace> | -A] [--kubeconfig <path> | -f <file|dir>…] [-o table|yaml|json]
exit codes: 0 healthy, 4 some route/gateway not healthy, 1 input error, 2 usage
`;

const FLAGS = {
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  kubeconfig: { type: "string" },
  filename: { type: "list", short: "f" },
  output: OUTPUT_FLAG,
} as const satisfies FlagTable;

export const statusCommand: Subcommand = {
  summary: "show route and gateway status (Accepted, ResolvedRefs, Programmed by proxies)",
  async run(argv) {
    const o = readOptions("weftctl status", USAGE, argv, FLAGS, ({ flags }) => {
      const format = outputFormat(flags.output);
      if (flags.namespace !== undefined && flags["all-namespaces"] === true) throw new UsageError("use either -n or -A");
      if (flags.filename.length > 0 && flags.kubeconfig !== undefined) throw new UsageError("use either -f or --kubeconfig, not both");
      return { format, namespace: flags.namespace, files: flags.filename, kubeconfig: flags.kubeconfig };
    });
    if (typeof o === "number") return o;
    let report: StatusReport;
    let failed: boolean;
    try {
      if (o.files.length > 0) {
        const src = loadManifests(o.files);
        for (const p of src.problems) process.stderr.write(`error: ${p}\n`);
        failed = src.problems.length > 0;
        report = statusFromTranslate(src.run.result.statuses, src.run.snapshot, o.namespace);
      } else {
        const { snapshot, notes, unlisted } = await listSnapshot(kubeClientFor(o.kubeconfig), o.namespace, STATUS_KINDS);
        for (const n of notes) process.stderr.write(`${unlisted.includes(n) ? "error" : "note"}: ${n}\n`);
        failed = unlisted.length > 0;
        report = statusFromCluster(snapshot, o.namespace);
      }
    } catch (e) {
      process.stderr.write(`weftctl status: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    process.stdout.write(o.format === "table" ? renderStatusTable(report) : renderMachine(report, o.format));
    if (failed) return 1;
    return report.healthy ? 0 : 4;
  },
};
