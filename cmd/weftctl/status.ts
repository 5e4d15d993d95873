// weftctl status: routes with their parents and conditions, gateways with listeners and attached routes.
// `weftctl status [-n <ns> | -A] [--kubeconfig K | -f <file|dir>…] [-o table|yaml|json]`
// Live mode (default, or --kubeconfig) reads the status the controller wrote; offline mode (-f) shows
// the status translate computes for the manifests (the same table). Without -n every namespace is shown.
// Exit codes: 0 all routes Accepted+ResolvedRefs and gateways Accepted+Programmed, 4 some are not,
// 1 input errors (unreadable manifests, cluster unreachable), 2 usage.
// Must not: print Secret data (only status is shown).
import type { Subcommand } from "../../pkg/cli/index.ts";
import { flagValue, OUTPUT_FLAG, renderMachine, type FlagSpec } from "../lib/weftctl-output.ts";
import { readCommandLine } from "../lib/weftctl-command.ts";
import { kubeClientFor, listSnapshot, STATUS_KINDS } from "../lib/weftctl-kube.ts";
import { loadManifests } from "../lib/weftctl-source.ts";
import { renderStatusTable, statusFromCluster, statusFromTranslate, type StatusReport } from "../lib/weftctl-status.ts";

const USAGE = `usage: weftctl status [-n <namespace> | -A] [--kubeconfig <path> | -f <file|dir>…] [-o table|yaml|json]
exit codes: 0 healthy, 4 some route/gateway not healthy, 1 input error, 2 usage
`;

const FLAGS: readonly FlagSpec[] = [
  { name: "--namespace", aliases: ["-n"], value: true },
  { name: "--all-namespaces", aliases: ["-A"], value: false },
  { name: "--kubeconfig", value: true },
  { name: "--filename", aliases: ["-f"], value: true, repeat: true },
  OUTPUT_FLAG,
];

const statusCommand: Subcommand = {
  summary: "show route and gateway status (Accepted, ResolvedRefs, Programmed by proxies)",
  async run(argv) {
    const line = readCommandLine("status", USAGE, argv, FLAGS);
    if (typeof line === "number") return line;
    const { flags, format, usage } = line;
    const namespace = flagValue(flags, "--namespace");
    if (namespace !== undefined && flags.switches.has("--all-namespaces")) return usage("use either -n or -A");
    const files = flags.values.get("--filename") ?? [];
    const kubeconfig = flagValue(flags, "--kubeconfig");
    if (files.length > 0 && kubeconfig !== undefined) return usage("use either -f or --kubeconfig, not both");
    let report: StatusReport;
    let failed = false;
    try {
      if (files.length > 0) {
        const src = loadManifests(files);
        for (const p of src.problems) process.stderr.write(`error: ${p}\n`);
        failed = src.problems.length > 0;
        report = statusFromTranslate(src.run.result.statuses, src.run.snapshot, namespace);
      } else {
        const { snapshot, notes } = await listSnapshot(kubeClientFor(kubeconfig), namespace, STATUS_KINDS);
        for (const n of notes) process.stderr.write(`note: ${n}\n`);
        report = statusFromCluster(snapshot, namespace);
      }
    } catch (e) {
      process.stderr.write(`weftctl status: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    process.stdout.write(format === "table" ? renderStatusTable(report) : renderMachine(report, format));
    if (failed) return 1;
    return report.healthy ? 0 : 4;
  },
};

export default statusCommand;
