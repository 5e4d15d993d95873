// inject-options: `weftctl inject`'s flags. --config (the chart's WEFT_INJECTION_CONFIG JSON) is the
// base; the other flags override it: --namespace-labels k=v,… (repeatable, merged), --native-sidecars
// [=true|false], --proxy-image, --controller-address, --trust-bundle roots.pem (its PEM becomes the
// proxies' WEFT_TRUST_BUNDLE) or --controller-insecure, --log-level, -n/--namespace for objects
// without one, -f (repeatable; - is stdin).
// Takes parsed flags (pkg/cli) and a file reader; gives the files and InjectOptions, or a UsageError.
// Must not: read anything but the --config and --trust-bundle files.
import { readFileSync } from "node:fs";
import { DEFAULT_INJECTOR_CONFIG, parseInjectorConfig, PROXY_LOG_LEVELS, validateInjectorConfig, type InjectorConfig, type ProxyLogLevel } from "../../injector/index.ts";
import { parseCommandLine, UsageError, type FlagTable, type FlagValues } from "../cli/index.ts";
import type { InjectOptions } from "./inject-manifests.ts";

export const INJECT_USAGE =
  "usage: weftctl inject -f <file|-> [-f …] [--config injection.json] [--namespace-labels k=v,…] [--native-sidecars=true|false] [--proxy-image IMG] [--controller-address HOST:PORT] [--trust-bundle roots.pem | --controller-insecure] [--log-level LEVEL] [--namespace NS]\n";

export const INJECT_FLAGS = {
  filename: { type: "list", short: "f" },
  config: { type: "string" },
  "namespace-labels": { type: "list" },
  "native-sidecars": { type: "boolean" },
  "proxy-image": { type: "string" },
  "controller-address": { type: "string" },
  "trust-bundle": { type: "string" },
  "controller-insecure": { type: "boolean" },
  "log-level": { type: "string" },
  namespace: { type: "string", short: "n" },
} as const satisfies FlagTable;

export interface InjectInvocation {
  readonly files: readonly string[];
  readonly opts: InjectOptions;
}

type ReadText = (path: string) => string;
const readUtf8: ReadText = (p) => readFileSync(p, "utf8");

function readOrFail(flag: string, file: string, readText: ReadText): string {
  try {
    return readText(file);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new UsageError(`--namespace-labels: "${pair}" is not key=value`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function injectOptionsFrom(f: FlagValues<typeof INJECT_FLAGS>, readText: ReadText = readUtf8): InjectInvocation {
  let config: InjectorConfig = DEFAULT_INJECTOR_CONFIG;
  if (f.config !== undefined) {
    if (f.config === "") throw new UsageError("--config needs a JSON file");
    const parsed = parseInjectorConfig(readOrFail("--config", f.config, readText), DEFAULT_INJECTOR_CONFIG);
    if (parsed.config === undefined) throw new UsageError(`--config ${f.config}: ${parsed.problems.join("; ")}`);
    config = parsed.config;
  }
  if (f.filename.some((v) => v === "")) throw new UsageError("-f needs a file (or - for stdin)");
  if (f.namespace === "") throw new UsageError("--namespace needs a name");
  if (f["native-sidecars"] !== undefined) config = { ...config, nativeSidecars: f["native-sidecars"] };
  if (f["proxy-image"] !== undefined) config = { ...config, proxyImage: f["proxy-image"] };
  if (f["controller-address"] !== undefined) config = { ...config, controllerAddress: f["controller-address"] };
  if (f["trust-bundle"] !== undefined) {
    if (f["trust-bundle"] === "") throw new UsageError("--trust-bundle needs a PEM file (the mesh CA roots)");
    const pem = readOrFail("--trust-bundle", f["trust-bundle"], readText);
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--trust-bundle ${f["trust-bundle"]}: no PEM certificate in it`);
    config = { ...config, trustBundlePem: pem };
  }
  if (f["controller-insecure"] === true) config = { ...config, controllerInsecure: true };
  if (f["log-level"] !== undefined) {
    const level = f["log-level"];
    if (!PROXY_LOG_LEVELS.includes(level as ProxyLogLevel)) throw new UsageError(`--log-level must be one of ${PROXY_LOG_LEVELS.join(", ")}`);
    config = { ...config, logLevel: level as ProxyLogLevel };
  }
  const namespaceLabels = Object.assign({}, ...f["namespace-labels"].map(parseLabels)) as Record<string, string>;
  if (f.filename.length === 0) throw new UsageError("at least one -f is required");
  const problems = validateInjectorConfig(config);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  return { files: f.filename, opts: { config, namespaceLabels, defaultNamespace: f.namespace ?? "default" } };
}

/** argv → invocation, a usage error message, or "" for -h/--help. */
export function parseInjectFlags(argv: readonly string[], readText: ReadText = readUtf8): InjectInvocation | string {
  try {
    const line = parseCommandLine(argv, INJECT_FLAGS);
    return line.help ? "" : injectOptionsFrom(line.flags, readText);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}
