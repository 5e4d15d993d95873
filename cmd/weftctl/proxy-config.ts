// weftctl proxy-config: prints the configuration a live proxy has in force, read from its admin
// server's /config (version + IR; key material is redacted by the proxy and again here).
// `weftctl proxy-config --admin http://127.0.0.1:15020 [--section routes|clusters|listeners|version] [-o table|yaml|json]`
// Default: version, route entries per parent in precedence order, clusters with ready endpoints.
// Exit codes: 0 printed, 1 admin unreachable / not a Weft proxy / no config in force yet, 2 usage.
// Must not: print key material; follow redirects.
import type { Subcommand } from "../dispatch.ts";
import { flagValue, OUTPUT_FLAG, outputFormat, parseFlags, type FlagSpec } from "../lib/weftctl-output.ts";
import { fetchProxyConfig, renderProxyConfig, SECTIONS, type Section } from "../lib/weftctl-proxy-config.ts";

const USAGE = `usage: weftctl proxy-config --admin <url> [--section ${SECTIONS.join("|")}] [-o table|yaml|json]
  --admin      the proxy's admin server (default http://127.0.0.1:15020; e.g. after kubectl port-forward pod/<p> 15020)
exit codes: 0 printed, 1 unreachable or no config yet, 2 usage
`;

const FLAGS: readonly FlagSpec[] = [
  { name: "--admin", value: true },
  { name: "--section", value: true },
  { name: "--timeout-ms", value: true },
  OUTPUT_FLAG,
];

function usage(message: string): number {
  process.stderr.write(`weftctl proxy-config: ${message}\n${USAGE}`);
  return 2;
}

const proxyConfigCommand: Subcommand = {
  summary: "print the configuration a live proxy has in force (routes, clusters, listeners, version)",
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
    const sectionFlag = flagValue(flags, "--section");
    if (sectionFlag !== undefined && !(SECTIONS as readonly string[]).includes(sectionFlag)) return usage(`--section must be one of ${SECTIONS.join(", ")}`);
    const timeout = Number(flagValue(flags, "--timeout-ms") ?? "5000");
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 600_000) return usage("--timeout-ms must be a positive integer (ms)");
    try {
      const cfg = await fetchProxyConfig(flagValue(flags, "--admin") ?? "http://127.0.0.1:15020", timeout);
      process.stdout.write(renderProxyConfig(cfg, sectionFlag as Section | undefined, format));
      if (cfg.ir === null && sectionFlag !== "version") return 1;
      return 0;
    } catch (e) {
      process.stderr.write(`weftctl proxy-config: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  },
};

export default proxyConfigCommand;
