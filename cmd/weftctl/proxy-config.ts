// weftctl proxy-config: prints the configuration a live proxy has in force, read from its admin
// server's /config (version + IR; key material is redacted by the proxy and again here).
// `weftctl proxy-config --admin http://127.0.0.1:15020 [--section routes|clusters|listeners|version] [-o table|yaml|json]`
// Default: version, route entries per parent in precedence order, clusters with ready endpoints.
// Exit codes: 0 printed, 1 admin unreachable / not a Weft proxy / no config in force yet, 2 usage.
// Must not: print key material; follow redirects.
import type { Subcommand } from "../../pkg/cli/index.ts";
import { flagValue, OUTPUT_FLAG, type FlagSpec } from "../lib/weftctl-output.ts";
import { readCommandLine, timeoutMsFlag } from "../lib/weftctl-command.ts";
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

const proxyConfigCommand: Subcommand = {
  summary: "print the configuration a live proxy has in force (routes, clusters, listeners, version)",
  async run(argv) {
    const line = readCommandLine("proxy-config", USAGE, argv, FLAGS);
    if (typeof line === "number") return line;
    const { flags, format, usage } = line;
    const sectionFlag = flagValue(flags, "--section");
    if (sectionFlag !== undefined && !(SECTIONS as readonly string[]).includes(sectionFlag)) return usage(`--section must be one of ${SECTIONS.join(", ")}`);
    const timeout = timeoutMsFlag(flags);
    if (typeof timeout === "string") return usage(timeout);
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
