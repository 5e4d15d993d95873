// weftctl check: pre/post-install checks (API server, Gateway API CRDs and versions, controller
// Deployment, injection webhook caBundle, controller /ready and /status, proxies in sync), each
// PASS / FAIL / WARN with a hint.
// `weftctl check [--kubeconfig K] [--namespace weft-system] [--controller-admin URL] [-o table|yaml|json]`
// Exit codes: 0 no FAIL (WARN allowed), 1 some FAIL, 2 usage.
// Must not: change anything in the cluster (read-only), print credentials.
import { readOptions, type FlagTable, type Subcommand } from "../cli/index.ts";
import { checksExitCode, runChecks } from "./check.ts";
import { OUTPUT_FLAG, outputFormat, TIMEOUT_FLAG, timeoutMs } from "./command-line.ts";
import { kubeClientFor } from "./kube.ts";
import { renderMachine, renderTable } from "./output.ts";

const USAGE = `usage: weftctl check [--kubeconfig <path>] [--namespace weft-system] [--controller-admin <url>] [-o table|yaml|json]
exit codes: 0 all checks PASS or WARN, 1 some FAIL, 2 usage
`;

const FLAGS = {
  kubeconfig: { type: "string" },
  namespace: { type: "string", short: "n" },
  "controller-admin": { type: "string" },
  "timeout-ms": TIMEOUT_FLAG,
  output: OUTPUT_FLAG,
} as const satisfies FlagTable;

export const checkCommand: Subcommand = {
  summary: "pre/post-install checks: API server, CRDs, controller, webhook, proxies",
  async run(argv) {
    const o = readOptions("weftctl check", USAGE, argv, FLAGS, ({ flags }) => ({
      format: outputFormat(flags.output),
      timeoutMs: timeoutMs(flags["timeout-ms"]),
      flags,
    }));
    if (typeof o === "number") return o;
    const { flags, format } = o;
    let client;
    try {
      client = kubeClientFor(flags.kubeconfig);
    } catch (e) {
      process.stderr.write(`weftctl check: cannot load kubeconfig: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const admin = flags["controller-admin"];
    const results = await runChecks(client, {
      namespace: flags.namespace ?? "weft-system",
      timeoutMs: o.timeoutMs,
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
