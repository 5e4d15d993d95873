// weftctl proxy-config: prints the configuration a live proxy has in force, read from its admin
// server's /config (version + IR; key material is redacted by the proxy and again here).
// `weftctl proxy-config --admin http://127.0.0.1:15020 [--section routes|clusters|listeners|version] [-o table|yaml|json]`
// Default: version, route entries per parent in precedence order, clusters with ready endpoints.
// Exit codes: 0 printed, 1 admin unreachable / not a Weft proxy / no config in force yet, 2 usage.
// Must not: print key material; follow redirects.
import { readOptions, UsageError, type FlagTable, type Subcommand } from "../cli/index.ts";
import { OUTPUT_FLAG, outputFormat, TIMEOUT_FLAG, timeoutMs } from "./command-line.ts";
import { fetchProxyConfig, renderProxyConfig, SECTIONS, type Section } from "./proxy-config.ts";

const USAGE = `usage: weftctl proxy-config --admin <url> [--section ${SECTIONS.join("|")}] [-o table|yaml|json]
  --admin      the proxy's admin server (default http://127.0.0.1:15020; e.g. after kubectl port-forward pod/<p> 15020)
exit codes: 0 printed, 1 unreachable or no config yet, 2 usage
`;

const FLAGS = {
  admin: { type: "string" },
  section: { type: "string" },
  "timeout-ms": TIMEOUT_FLAG,
  output: OUTPUT_FLAG,
} as const satisfies FlagTable;

function sectionOf(v: string | undefined): Section | undefined {
  if (v === undefined || (SECTIONS as readonly string[]).includes(v)) return v as Section | undefined;
  throw new UsageError(`--section must be one of ${SECTIONS.join(", ")}`);
}

export const proxyConfigCommand: Subcommand = {
  summary: "print the configuration a live proxy has in force (routes, clusters, listeners, version)",
  async run(argv) {
    const o = readOptions("weftctl proxy-config", USAGE, argv, FLAGS, ({ flags }) => ({
      format: outputFormat(flags.output),
      section: sectionOf(flags.section),
      timeoutMs: timeoutMs(flags["timeout-ms"]),
      admin: flags.admin ?? "http://127.0.0.1:15020",
    }));
    if (typeof o === "number") return o;
    try {
      const cfg = await fetchProxyConfig(o.admin, o.timeoutMs);
      process.stdout.write(renderProxyConfig(cfg, o.section, o.format));
      if (cfg.ir === null && o.section !== "version") return 1;
      return 0;
    } catch (e) {
      process.stderr.write(`weftctl proxy-config: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  },
};
