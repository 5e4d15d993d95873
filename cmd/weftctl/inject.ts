// weftctl inject: offline sidecar injection for GitOps. `weftctl inject -f manifest.yaml
// [--namespace-labels k=v,…] [--native-sidecars=true|false] [--proxy-image IMG]
// [--controller-address HOST:PORT] [--log-level LEVEL]` applies the injector's `mutate` to Pods
// and to the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and
// CronJobs (also inside a v1 List), and prints the mutated YAML (all documents, in order). A Namespace document in the
// input supplies its own labels; other namespaces get --namespace-labels. One report line per
// workload goes to stderr. Comments and formatting outside the added parts are kept. Exit 0 ok,
// 1 on read/parse errors, 2 on bad flags.
// Must not: contact a cluster, or change documents it does not inject.
import { readFileSync } from "node:fs";
import { isMap, isSeq, parseAllDocuments, stringify, type Document } from "yaml";
import type { Namespace, Pod } from "../../pkg/api/index.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate, parseInjectorConfig, PROXY_LOG_LEVELS, validateInjectorConfig, type InjectionReport, type InjectorConfig, type JsonPatchOp, type ProxyLogLevel } from "../../injector/index.ts";
import type { Subcommand } from "../../pkg/cli/index.ts";
import { isRecord } from "../../pkg/util/is-record.ts";

const USAGE = "usage: weftctl inject -f <file|-> [-f …] [--config injection.json] [--namespace-labels k=v,…] [--native-sidecars=true|false] [--proxy-image IMG] [--controller-address HOST:PORT] [--trust-bundle roots.pem | --controller-insecure] [--log-level LEVEL] [--namespace NS]\n";
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

/** Path of the pod template inside a workload object ([] for a Pod), or undefined. */
function templatePathOf(obj: Record<string, unknown>): string[] | undefined {
  if (obj["kind"] === "Pod") return isRecord(obj["spec"]) ? [] : undefined;
  const path = TEMPLATE_KINDS.has(String(obj["kind"])) ? ["spec", "template"] : obj["kind"] === "CronJob" ? ["spec", "jobTemplate", "spec", "template"] : undefined;
  if (path === undefined) return undefined;
  let cur: unknown = obj;
  for (const seg of path) cur = isRecord(cur) ? cur[seg] : undefined;
  return isRecord(cur) && isRecord(cur["spec"]) ? path : undefined;
}

function pointerSegments(path: string): string[] {
  return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Applies mutate's add-only patch to the YAML document itself, so comments and formatting of
 *  everything else survive. Throws when the document's shape does not allow it. */
function patchDocument(doc: Document, prefix: readonly string[], ops: readonly JsonPatchOp[]): void {
  for (const op of ops) {
    if (op.op !== "add") throw new Error(`unexpected ${op.op}`);
    const segs = pointerSegments(op.path);
    const last = segs[segs.length - 1]!;
    const parentPath = [...prefix, ...segs.slice(0, -1)];
    const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
    if (isSeq(parent)) {
      const node = doc.createNode(op.value);
      if (last === "-") parent.items.push(node);
      else parent.items.splice(Number(last), 0, node);
    } else if (parent === undefined || isMap(parent)) {
      doc.setIn([...parentPath, last], doc.createNode(op.value));
    } else {
      throw new Error(`cannot add at ${op.path}`);
    }
  }
}

/** Pure core: manifests text in, mutated YAML + reports out. Parse errors are returned, not thrown.
 *  Documents are edited in place (comments kept); a document the edit cannot handle (aliases, odd
 *  shapes) is re-emitted from its mutated JSON instead. */
export function injectManifests(text: string, source: string, opts: InjectOptions): { output: string; reports: WorkloadReport[]; errors: string[] } {
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  const errors: string[] = [];
  for (const d of docs) for (const e of d.errors) errors.push(`${source}: ${e.message.split("\n")[0]}`);
  if (errors.length > 0) return { output: "", reports: [], errors };
  const objects: unknown[] = docs.map((d) => d.toJS({ maxAliasCount: 100 }));

  const namespaces = new Map<string, Namespace>();
  for (const o of objects) {
    if (isRecord(o) && o["kind"] === "Namespace" && isRecord(o["metadata"]) && typeof o["metadata"]["name"] === "string") namespaces.set(o["metadata"]["name"], o as unknown as Namespace);
  }
  const nsFor = (name: string): Namespace => namespaces.get(name) ?? { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...opts.namespaceLabels } } };

  const reports: WorkloadReport[] = [];
  const out: string[] = [];
  docs.forEach((doc, i) => {
    const o = objects[i];
    if (o === null || o === undefined) return;
    doc.directives.docStart = null;
    // Workloads in this document: the object itself, or each item of a v1 List (kubectl get -o yaml).
    const targets: { obj: Record<string, unknown>; at: string[] }[] = [];
    if (isRecord(o) && o["kind"] === "List" && Array.isArray(o["items"])) o["items"].forEach((item, n) => { if (isRecord(item)) targets.push({ obj: item, at: ["items", String(n)] }); });
    else if (isRecord(o)) targets.push({ obj: o, at: [] });
    const edits: { path: string[]; patch: readonly JsonPatchOp[] }[] = [];
    for (const { obj, at } of targets) {
      const path = templatePathOf(obj);
      if (path === undefined) continue;
      let template: unknown = obj;
      for (const seg of path) template = (template as Record<string, unknown>)[seg];
      const meta = isRecord(obj["metadata"]) ? obj["metadata"] : {};
      const ns = typeof meta["namespace"] === "string" ? meta["namespace"] : opts.defaultNamespace;
      const { patch, report } = mutate(template as Pod, nsFor(ns), opts.config);
      reports.push({ object: `${String(obj["kind"])} ${ns}/${String(meta["name"] ?? "")}`, report });
      if (patch.length > 0) edits.push({ path: [...at, ...path], patch });
    }
    if (edits.length === 0) { out.push(doc.toString({ lineWidth: 0 })); return; }
    const expected = applyJsonPatch(o, edits.flatMap((e) => e.patch.map((op) => ({ ...op, path: `${e.path.map((seg) => `/${seg}`).join("")}${op.path}` }))));
    try {
      for (const e of edits) patchDocument(doc, e.path, e.patch);
      if (JSON.stringify(doc.toJS({ maxAliasCount: 100 })) !== JSON.stringify(expected)) throw new Error("document edit diverged");
      out.push(doc.toString({ lineWidth: 0 }));
    } catch {
      out.push(stringify(expected, { lineWidth: 0, aliasDuplicateObjects: false }));
    }
  });
  return { output: out.join("---\n"), reports, errors };
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

export function parseInjectFlags(argv: readonly string[], readText: (path: string) => string = (p) => readFileSync(p, "utf8")): { files: string[]; opts: InjectOptions } | string {
  const files: string[] = [];
  let config: InjectorConfig = DEFAULT_INJECTOR_CONFIG;
  // --config (the chart's WEFT_INJECTION_CONFIG JSON) is the base; the other flags override it.
  const configAt = argv.findIndex((a) => a === "--config" || a.startsWith("--config="));
  if (configAt >= 0) {
    const arg = argv[configAt]!;
    const file = arg.startsWith("--config=") ? arg.slice("--config=".length) : argv[configAt + 1];
    if (!file) return "--config needs a JSON file";
    let text: string;
    try { text = readText(file); } catch (e) { return `--config ${file}: ${e instanceof Error ? e.message : String(e)}`; }
    const parsed = parseInjectorConfig(text, DEFAULT_INJECTOR_CONFIG);
    if (parsed.config === undefined) return `--config ${file}: ${parsed.problems.join("; ")}`;
    config = parsed.config;
  }
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
      case "--config": value(); break;
      case "--proxy-image": config = { ...config, proxyImage: value() ?? "" }; break;
      case "--controller-address": config = { ...config, controllerAddress: value() ?? "" }; break;
      case "--trust-bundle": {
        const file = value();
        if (!file) return "--trust-bundle needs a PEM file (the mesh CA roots)";
        let pem: string;
        try { pem = readText(file); } catch (e) { return `--trust-bundle ${file}: ${e instanceof Error ? e.message : String(e)}`; }
        if (!pem.includes("-----BEGIN CERTIFICATE-----")) return `--trust-bundle ${file}: no PEM certificate in it`;
        config = { ...config, trustBundlePem: pem };
        break;
      }
      case "--controller-insecure": config = { ...config, controllerInsecure: true }; break;
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
    if (parsed.opts.config.trustBundlePem === undefined && parsed.opts.config.controllerInsecure !== true) {
      process.stderr.write("weftctl inject: note: no --trust-bundle given, so injected proxies carry no WEFT_TRUST_BUNDLE and refuse to dial the controller; pass the mesh CA roots (docs/security.md)\n");
    }
    return 0;
  },
};

export default command;
