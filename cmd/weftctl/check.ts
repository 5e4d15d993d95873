// weftctl check: pre/post-install checks (API server, Gateway API CRDs and versions, controller
// Deployment, injection webhook caBundle, controller /ready and /status, proxies in sync), each
// PASS / FAIL / WARN with a hint.
// `weftctl check [--kubeconfig K] [--namespace weft-system] [--controller-admin URL] [-o table|yaml|json]`
// Exit codes: 0 no FAIL (WARN allowed), 1 some FAIL, 2 usage.
// Must not: change anything in the cluster (read-only), print credentials.
import type { Subcommand } from "../dispatch.ts";
import { checksExitCode, runChecks } from "../lib/weftctl-check.ts";
import { kubeClientFor } from "../lib/weftctl-kube.ts";
import { flagValue, OUTPUT_FLAG, outputFormat, parseFlags, renderMachine, renderTable, type FlagSpec } from "../lib/weftctl-output.ts";

const USAGE = `usage: weftctl check [--kubeconfig <path>] [--namespace weft-system] [--controller-admin <url>] [-o table|yaml|json]
exit codes: 0 all checks PASS or WARN, 1 some FAIL, 2 usage
`;

const FLAGS: readonly FlagSpec[] = [
  { name: "--kubeconfig", value: true },
  { name: "--namespace", aliases: ["-n"], value: true },
  { name: "--controller-admin", value: true },
  { name: "--timeout-ms", value: true },
  OUTPUT_FLAG,
];

function usage(message: string): number {
  process.stderr.write(`weftctl check: ${message}\n${USAGE}`);
  return 2;
}

const checkCommand: Subcommand = {
  summary: "pre/post-install checks: API server, CRDs, controller, webhook, proxies",
  async run(argv) {
    const flags = parseFlags(argv, FLAGS);
    if (typeof flags === "string") return usage(flags);
    if (flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(flags.positionals[0])}`);
    const format = outputFormat(flags);
    if (format !== "table" && format !== "yaml" && format !== "json") return usage(format);
    const timeout = Number(flagValue(flags, "--timeout-ms") ?? "5000");
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 600_000) return usage("--timeout-ms must be a positive integer (ms)");
    const admin = flagValue(flags, "--controller-admin");
    let client;
    try {
      client = kubeClientFor(flagValue(flags, "--kubeconfig"));
    } catch (e) {
      process.stderr.write(`weftctl check: cannot load kubeconfig: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const results = await runChecks(client, {
      namespace: flagValue(flags, "--namespace") ?? "weft-system",
      timeoutMs: timeout,
      ...(admin !== undefined ? { controllerAdmin: admin } : {}),
    });
    if (format === "table") {
      const rows = results.flatMap((r) => [[r.status, r.check, r.detail], ...(r.hint !== undefined && r.status !== "PASS" ? [["", "", `hint: ${r.hint}`]] : [])]);
      process.stdout.write(renderTable(["STATUS", "CHECK", "DETAIL"], rows));
    } else {
      process.stdout.write(renderMachine({ checks: results, ok: checksExitCode(results) === 0 }, format));
    }
    return checksExitCode(results);
  },
};

export default checkCommand;
