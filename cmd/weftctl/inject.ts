// weftctl inject: offline sidecar injection for GitOps. `weftctl inject -f manifest.yaml
// [--namespace-labels k=v,…] [--native-sidecars=true|false] [--proxy-image IMG]
// [--controller-address HOST:PORT] [--log-level LEVEL]` applies the injector's `mutate` to Pods
// and to the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and
// CronJobs, and prints the mutated YAML (all documents, in order). A Namespace document in the
// input supplies its own labels; other namespaces get --namespace-labels. One report line per
// workload goes to stderr. Exit 0 ok, 1 on read/parse errors, 2 on bad flags.
// Must not: contact a cluster, or change documents it does not inject (they are re-emitted as parsed).
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";
import type { Namespace, Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate, PROXY_LOG_LEVELS, validateInjectorConfig, type InjectionReport, type InjectorConfig, type ProxyLogLevel } from "../../injector/index.ts";
import type { Subcommand } from "../dispatch.ts";

const USAGE = "usage: weftctl inject -f <file|-> [-f …] [--namespace-labels k=v,…] [--native-sidecars=true|false] [--proxy-image IMG] [--controller-address HOST:PORT] [--log-level LEVEL] [--namespace NS]\n";
const MAX_INPUT_BYTES = 16 * 1024 * 1024;
const TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

export interface InjectOptions {
  readonly config: InjectorConfig;
  /** Labels for namespaces not defined in the input. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Namespace of objects without metadata.namespace. */
  readonly defaultNamespace: string;
}

export interface WorkloadReport {
  readonly object: string;
  readonly report: InjectionReport;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The pod template of a workload object (the Pod itself for kind Pod), or undefined. */
function templateOf(obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = obj["spec"];
  if (!isRecord(spec)) return undefined;
  if (obj["kind"] === "Pod") return obj;
  if (TEMPLATE_KINDS.has(String(obj["kind"]))) return isRecord(spec["template"]) ? spec["template"] : undefined;
  if (obj["kind"] === "CronJob") {
    const job = spec["jobTemplate"];
    const jobSpec = isRecord(job) ? job["spec"] : undefined;
    return isRecord(jobSpec) && isRecord(jobSpec["template"]) ? jobSpec["template"] : undefined;
  }
  return undefined;
}

/** Pure core: manifests text in, mutated YAML + reports out. Parse errors are returned, not thrown. */
export function injectManifests(text: string, source: string, opts: InjectOptions): { output: string; reports: WorkloadReport[]; errors: string[] } {
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const errors: string[] = [];
  const objects: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : []) {
    for (const e of d.errors) errors.push(`${source}: ${e.message.split("\n")[0]}`);
    if (d.errors.length === 0) objects.push(d.toJS({ maxAliasCount: 100 }));
  }
  if (errors.length > 0) return { output: "", reports: [], errors };

  const namespaces = new Map<string, Namespace>();
  for (const o of objects) {
    if (isRecord(o) && o["kind"] === "Namespace" && isRecord(o["metadata"]) && typeof o["metadata"]["name"] === "string") namespaces.set(o["metadata"]["name"], o as unknown as Namespace);
  }
  const nsFor = (name: string): Namespace => namespaces.get(name) ?? { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...opts.namespaceLabels } } };

  const reports: WorkloadReport[] = [];
  const out = objects.map((o) => {
    if (!isRecord(o)) return o;
    const template = templateOf(o);
    if (template === undefined) return o;
    const meta = isRecord(o["metadata"]) ? o["metadata"] : {};
    const ns = typeof meta["namespace"] === "string" ? meta["namespace"] : opts.defaultNamespace;
    const { patch, report } = mutate(template as unknown as Pod, nsFor(ns), opts.config);
    reports.push({ object: `${String(o["kind"])} ${ns}/${String(meta["name"] ?? "")}`, report });
    if (patch.length === 0) return o;
    const mutated = applyJsonPatch(template, patch) as Record<string, unknown>;
    if (o === template) return mutated;
    for (const k of Object.keys(template)) delete template[k];
    Object.assign(template, mutated);
    return o;
  });
  const output = out.filter((o) => o !== null && o !== undefined).map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  return { output, reports, errors };
}

function parseLabels(s: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const pair of s.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const i = pair.indexOf("=");
    if (i <= 0) return `--namespace-labels: "${pair}" is not key=value`;
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function parseInjectFlags(argv: readonly string[]): { files: string[]; opts: InjectOptions } | string {
  const files: string[] = [];
  let config: InjectorConfig = DEFAULT_INJECTOR_CONFIG;
  let namespaceLabels: Record<string, string> = {};
  let defaultNamespace = "default";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "-f": case "--filename": {
        const v = value();
        if (!v) return "-f needs a file (or - for stdin)";
        files.push(v);
        break;
      }
      case "--namespace-labels": {
        const v = parseLabels(value() ?? "");
        if (typeof v === "string") return v;
        namespaceLabels = { ...namespaceLabels, ...v };
        break;
      }
      case "-n": case "--namespace": {
        const v = value();
        if (!v) return "--namespace needs a name";
        defaultNamespace = v;
        break;
      }
      case "--native-sidecars": {
        const v = inline ?? "true";
        if (v !== "true" && v !== "false") return `--native-sidecars must be true or false, got "${v}"`;
        config = { ...config, nativeSidecars: v === "true" };
        break;
      }
      case "--proxy-image": config = { ...config, proxyImage: value() ?? "" }; break;
      case "--controller-address": config = { ...config, controllerAddress: value() ?? "" }; break;
      case "--log-level": {
        const v = value() ?? "";
        if (!PROXY_LOG_LEVELS.includes(v as ProxyLogLevel)) return `--log-level must be one of ${PROXY_LOG_LEVELS.join(", ")}`;
        config = { ...config, logLevel: v as ProxyLogLevel };
        break;
      }
      case "-h": case "--help": return "";
      default: return `unknown argument ${JSON.stringify(a)}`;
    }
  }
  if (files.length === 0) return "at least one -f is required";
  const problems = validateInjectorConfig(config);
  if (problems.length > 0) return problems.join("; ");
  return { files, opts: { config, namespaceLabels, defaultNamespace } };
}

const command: Subcommand = {
  summary: "apply sidecar injection offline to Pods and workload templates in a manifest; prints YAML",
  async run(argv) {
    const parsed = parseInjectFlags(argv);
    if (typeof parsed === "string") {
      process.stderr.write(parsed === "" ? USAGE : `weftctl inject: ${parsed}\n${USAGE}`);
      return parsed === "" ? 0 : 2;
    }
    const outputs: string[] = [];
    for (const file of parsed.files) {
      let text: string;
      try {
        text = readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (e) {
        process.stderr.write(`weftctl inject: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
      }
      if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
        process.stderr.write(`weftctl inject: ${file}: larger than ${MAX_INPUT_BYTES} bytes\n`);
        return 1;
      }
      const r = injectManifests(text, file, parsed.opts);
      if (r.errors.length > 0) {
        process.stderr.write(`${r.errors.join("\n")}\n`);
        return 1;
      }
      for (const w of r.reports) {
        const why = w.report.problems === undefined ? "" : `: ${w.report.problems.join("; ")}`;
        process.stderr.write(`${w.object}: ${w.report.injected ? "injected" : "skipped"} (${w.report.reason})${why}\n`);
      }
      if (r.output !== "") outputs.push(r.output);
    }
    process.stdout.write(outputs.join("---\n"));
    return 0;
  },
};

export default command;
