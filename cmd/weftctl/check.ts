// weftctl check: pre/post-install checks (API server, Gateway API CRDs and versions, controller
// Deployment, injection webhook caBundle, controller /ready and /status, proxies in sync), each
// PASS / FAIL / WARN with a hint.
// `weftctl check [--kubeconfig K] [--namespace weft-system] [--controller-admin URL] [-o table|yaml|json]`
// Exit codes: 0 no FAIL (WARN allowed), 1 some FAIL, 2 usage.
// Must not: change anything in the cluster (read-only), print credentials.
import type { Subcommand } from "../../pkg/cli/index.ts";
import { checksExitCode, runChecks } from "../lib/weftctl-check.ts";
import { kubeClientFor } from "../lib/weftctl-kube.ts";
import { flagValue, OUTPUT_FLAG, renderMachine, renderTable, type FlagSpec } from "../lib/weftctl-output.ts";
import { readCommandLine, timeoutMsFlag } from "../lib/weftctl-command.ts";

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

const checkCommand: Subcommand = {
  summary: "pre/post-install checks: API server, CRDs, controller, webhook, proxies",
  async run(argv) {
    const line = readCommandLine("check", USAGE, argv, FLAGS);
    if (typeof line === "number") return line;
    const { flags, format, usage } = line;
    const timeout = timeoutMsFlag(flags);
    if (typeof timeout === "string") return usage(timeout);
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
