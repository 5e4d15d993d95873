// inject-manifests: the pure core of `weftctl inject`. Applies the injector's `mutate` to Pods and to
// the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs (also
// inside a v1 List) and gives the mutated YAML (all documents, in order) with one report per
// workload. A Namespace document in the input supplies its own labels; other namespaces get the
// options' namespaceLabels. Comments and formatting outside the added parts are kept.
// Must not: contact a cluster, read files, or change documents it does not inject.
import { isMap, isSeq, parseAllDocuments, stringify, type Document } from "yaml";
import type { Namespace, Pod } from "../api/index.ts";
import { applyJsonPatch, mutate, type InjectionReport, type InjectorConfig, type JsonPatchOp } from "../../injector/index.ts";
import { isRecord } from "../util/is-record.ts";

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
  const objects = docs.map((d): unknown => {
    const js: unknown = d.toJS({ maxAliasCount: 100 });
    return js;
  });

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
    if (isRecord(o) && o["kind"] === "List" && Array.isArray(o["items"]))
      o["items"].forEach((item, n) => {
        if (isRecord(item)) targets.push({ obj: item, at: ["items", String(n)] });
      });
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
      reports.push({ object: `${String(obj["kind"])} ${ns}/${typeof meta["name"] === "string" ? meta["name"] : ""}`, report });
      if (patch.length > 0) edits.push({ path: [...at, ...path], patch });
    }
    if (edits.length === 0) {
      out.push(doc.toString({ lineWidth: 0 }));
      return;
    }
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
