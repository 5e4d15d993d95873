// weftctl explain: which route/rule a request matches and why every higher-precedence entry did not.
// `weftctl explain (-f <file|dir>… | --kubeconfig K) [--from <ns>[/<workload>] | --gateway <ns>/<name>]
//   [--grpc] <METHOD> <URL> [-H 'name: value']… [-o table|yaml|json]`
// East-west (default, --from; client namespace "default" when omitted): the URL host is a Service
// (name[.ns[.svc…]] or a ClusterIP). North-south: --gateway picks the Gateway, URL host/port the listener.
// Exit codes: 0 routed (matched, or passthrough without routes), 3 not routed (404 / gRPC UNIMPLEMENTED /
// no listener), 1 input errors (unreadable or invalid manifests, unknown Gateway/Service/port,
// cluster unreachable), 2 usage.
// Must not: print sensitive header values or key material.
import { readOptions, UsageError, type FlagTable, type Subcommand } from "../cli/index.ts";
import { OUTPUT_FLAG, outputFormat } from "./command-line.ts";
import { explainExitCode, explainRequest, type ExplainTarget } from "./explain.ts";
import { renderExplainText } from "./explain-text.ts";
import { renderMachine } from "./output.ts";
import { parseRequest } from "./request.ts";
import { loadCluster, loadManifests, type LoadedSource } from "./source.ts";

const USAGE = `usage: weftctl explain (-f <file|dir>… | --kubeconfig <path>) [--from <ns>[/<workload>] | --gateway <ns>/<name>]
                       [--grpc] <METHOD> <URL> [-H 'name: value']… [-o table|yaml|json]
examples:
  weftctl explain -f manifests/ --from frontend GET http://reviews.demo:9080/v2 -H 'x-version: 2'
  weftctl explain -f manifests/ --gateway infra/web GET https://shop.example.com/cart
exit codes: 0 routed, 3 not routed (404 / UNIMPLEMENTED), 1 input error, 2 usage
`;

const FLAGS = {
  filename: { type: "list", short: "f" },
  kubeconfig: { type: "string" },
  from: { type: "string" },
  gateway: { type: "string" },
  header: { type: "list", short: "H" },
  grpc: { type: "boolean" },
  output: OUTPUT_FLAG,
} as const satisfies FlagTable;

const nsName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function targetOf(from: string | undefined, gateway: string | undefined): ExplainTarget {
  if (from !== undefined && gateway !== undefined) throw new UsageError("use either --from (east-west) or --gateway (north-south)");
  if (gateway !== undefined) {
    const [ns, name, extra] = gateway.split("/");
    if (ns === undefined || name === undefined || extra !== undefined || !nsName.test(ns) || !nsName.test(name)) throw new UsageError("--gateway must be <namespace>/<name>");
    return { mode: "gateway", namespace: ns, name };
  }
  const [ns, workload, extra] = (from ?? "default").split("/");
  if (ns === undefined || !nsName.test(ns) || extra !== undefined) throw new UsageError("--from must be <namespace>[/<workload>]");
  return workload === undefined || workload === "" ? { mode: "mesh", fromNamespace: ns } : { mode: "mesh", fromNamespace: ns, workload };
}

export const explainCommand: Subcommand = {
  summary: "explain which route/rule a request matches, and why the others did not",
  async run(argv) {
    const o = readOptions("weftctl explain", USAGE, argv, FLAGS, ({ flags, positionals }) => {
      const format = outputFormat(flags.output);
      const files = flags.filename;
      if (files.length > 0 && flags.kubeconfig !== undefined) throw new UsageError("use either -f or --kubeconfig, not both");
      if (files.length === 0 && flags.kubeconfig === undefined) throw new UsageError("give manifests with -f, or a cluster with --kubeconfig");
      const target = targetOf(flags.from, flags.gateway);
      if (positionals.length !== 2) throw new UsageError("expected <METHOD> <URL>");
      const [method, url] = positionals as [string, string];
      const req = parseRequest(method, url, flags.header, flags.grpc === true);
      if (typeof req === "string") throw new UsageError(req);
      return { format, files, kubeconfig: flags.kubeconfig, target, req };
    }, { positionals: true });
    if (typeof o === "number") return o;
    const { format, files, kubeconfig, target, req } = o;

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
