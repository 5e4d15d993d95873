// weftctl explain: which route/rule a request matches and why every higher-precedence entry did not.
// `weftctl explain (-f <file|dir>… | --kubeconfig K) [--from <ns>[/<workload>] | --gateway <ns>/<name>]
//   [--grpc] <METHOD> <URL> [-H 'name: value']… [-o table|yaml|json]`
// East-west (default, --from; client namespace "default" when omitted): the URL host is a Service
// (name[.ns[.svc…]] or a ClusterIP). North-south: --gateway picks the Gateway, URL host/port the listener.
// Exit codes: 0 routed (matched, or passthrough without routes), 3 not routed (404 / gRPC UNIMPLEMENTED /
// no listener), 1 input errors (unreadable or invalid manifests, unknown Gateway/Service/port,
// cluster unreachable), 2 usage.
// Must not: print sensitive header values or key material.
import type { Subcommand } from "../../pkg/cli/index.ts";
import { explainExitCode, explainRequest, type ExplainTarget } from "../lib/weftctl-explain.ts";
import { renderExplainText } from "../lib/weftctl-explain-text.ts";
import { flagValue, OUTPUT_FLAG, renderMachine, type FlagSpec } from "../lib/weftctl-output.ts";
import { readCommandLine } from "../lib/weftctl-command.ts";
import { parseRequest } from "../lib/weftctl-request.ts";
import { loadCluster, loadManifests, type LoadedSource } from "../lib/weftctl-source.ts";

const USAGE = `usage: weftctl explain (-f <file|dir>… | --kubeconfig <path>) [--from <ns>[/<workload>] | --gateway <ns>/<name>]
                       [--grpc] <METHOD> <URL> [-H 'name: value']… [-o table|yaml|json]
examples:
  weftctl explain -f manifests/ --from frontend GET http://reviews.demo:9080/v2 -H 'x-version: 2'
  weftctl explain -f manifests/ --gateway infra/web GET https://shop.example.com/cart
exit codes: 0 routed, 3 not routed (404 / UNIMPLEMENTED), 1 input error, 2 usage
`;

const FLAGS: readonly FlagSpec[] = [
  { name: "--filename", aliases: ["-f"], value: true, repeat: true },
  { name: "--kubeconfig", value: true },
  { name: "--from", value: true },
  { name: "--gateway", value: true },
  { name: "--header", aliases: ["-H"], value: true, repeat: true },
  { name: "--grpc", value: false },
  OUTPUT_FLAG,
];

const nsName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const explainCommand: Subcommand = {
  summary: "explain which route/rule a request matches, and why the others did not",
  async run(argv) {
    const line = readCommandLine("explain", USAGE, argv, FLAGS, { positionals: true });
    if (typeof line === "number") return line;
    const { flags, format, usage } = line;
    const files = flags.values.get("--filename") ?? [];
    const kubeconfig = flagValue(flags, "--kubeconfig");
    if (files.length > 0 && kubeconfig !== undefined) return usage("use either -f or --kubeconfig, not both");
    if (files.length === 0 && kubeconfig === undefined) return usage("give manifests with -f, or a cluster with --kubeconfig");
    const from = flagValue(flags, "--from");
    const gateway = flagValue(flags, "--gateway");
    if (from !== undefined && gateway !== undefined) return usage("use either --from (east-west) or --gateway (north-south)");
    let target: ExplainTarget;
    if (gateway !== undefined) {
      const [ns, name, extra] = gateway.split("/");
      if (ns === undefined || name === undefined || extra !== undefined || !nsName.test(ns) || !nsName.test(name)) return usage("--gateway must be <namespace>/<name>");
      target = { mode: "gateway", namespace: ns, name };
    } else {
      const [ns, workload, extra] = (from ?? "default").split("/");
      if (ns === undefined || !nsName.test(ns) || extra !== undefined) return usage("--from must be <namespace>[/<workload>]");
      target = workload === undefined || workload === "" ? { mode: "mesh", fromNamespace: ns } : { mode: "mesh", fromNamespace: ns, workload };
    }
    if (flags.positionals.length !== 2) return usage("expected <METHOD> <URL>");
    const [method, url] = flags.positionals as [string, string];
    const req = parseRequest(method, url, flags.values.get("--header") ?? [], flags.switches.has("--grpc"));
    if (typeof req === "string") return usage(req);

    let source: LoadedSource;
    try {
      source = files.length > 0 ? loadManifests(files) : await loadCluster(kubeconfig);
    } catch (e) {
      process.stderr.write(`weftctl explain: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    for (const n of source.notes) process.stderr.write(`note: ${n}\n`);
    for (const p of source.problems) process.stderr.write(`error: ${p}\n`);
    const result = explainRequest(source.run, target, req);
    if ("error" in result) {
      process.stderr.write(`weftctl explain: ${result.error}\n`);
      return 1;
    }
    process.stdout.write(format === "table" ? renderExplainText(result.report) : renderMachine(result.report, format));
    if (!result.report.routerAgrees) return 1;
    return source.problems.length > 0 ? 1 : explainExitCode(result.report);
  },
};

export default explainCommand;
