// parse: parseManifests(text, source) takes multi-document YAML or JSON (kubectl-style manifests,
// `kind: List` and `*List` wrappers flattened) and gives { objects, errors, warnings }.
// Each error names source, document, object ("Kind/ns/name"), field path and, when known, line
// and column; an object with an error is dropped, the others continue. Unknown fields and kinds
// are warnings (forward compatibility); unknown enum values pass (translate reports them).
// Limits (PARSE_LIMITS): input size, document count, YAML alias expansion (billion laughs),
// flow nesting depth, errors per object.
// Must not: throw on any input, touch the file system, or apply defaults beyond metadata.namespace.
import { isMap, isScalar, LineCounter, parseAllDocuments } from "yaml";
import type { Document } from "yaml";
import type { ApiObject, ParseIssue, ParseOutcome } from "./parse-types.ts";
import { PARSE_LIMITS } from "./parse-types.ts";
import { checkShape, formatPath, isPlainObject } from "./parse-schema.ts";
import type { PathSeg } from "./parse-schema.ts";
import { KIND_SCHEMAS } from "./parse-schemas.ts";
import { isApiObject } from "./snapshot-builder.ts";

interface Sink {
  readonly source: string;
  readonly objects: ApiObject[];
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
}

export function parseManifests(text: string, source: string): ParseOutcome {
  const sink: Sink = { source, objects: [], errors: [], warnings: [] };
  const issue = (document: number, message: string, extra: Partial<ParseIssue> = {}): ParseIssue => ({ source, document, object: "(unnamed)", path: "", message, ...extra });
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > PARSE_LIMITS.maxInputBytes) {
    sink.errors.push(issue(0, `input is ${bytes} bytes, at most ${PARSE_LIMITS.maxInputBytes} allowed`));
    return sink;
  }
  const lines = new LineCounter();
  const deep = findDeepFlow(text, PARSE_LIMITS.maxFlowDepth);
  if (deep !== undefined) {
    const at = positionOf(text, deep);
    sink.errors.push(issue(0, `nesting deeper than ${PARSE_LIMITS.maxFlowDepth} levels`, at));
    return sink;
  }
  if (/^\s*[[{]/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value !== undefined) {
      let located: ((path: readonly PathSeg[]) => Partial<ParseIssue>) | undefined;
      const locate = (path: readonly PathSeg[]): Partial<ParseIssue> => {
        if (located === undefined) {
          const first = parseAllDocuments(text, { lineCounter: lines })[0];
          located = first === undefined || Array.isArray(first) ? () => ({}) : locator(first, lines);
        }
        return located(path);
      };
      handleValue(value, 0, locate, sink, issue);
      return sink;
    }
  }
  const separators = text.match(/^---/gm)?.length ?? 0;
  if (separators > PARSE_LIMITS.maxDocuments) {
    sink.errors.push(issue(0, `input has more than ${PARSE_LIMITS.maxDocuments} documents (${separators} separators)`));
    return sink;
  }
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (e) {
    sink.errors.push(issue(0, `cannot parse: ${e instanceof Error ? e.message : String(e)}`));
    return sink;
  }
  if (docs.length > PARSE_LIMITS.maxDocuments) {
    sink.errors.push(issue(0, `input has ${docs.length} documents, at most ${PARSE_LIMITS.maxDocuments} allowed`));
    return sink;
  }
  docs.forEach((doc, index) => parseDocument(doc, index, lines, sink, issue));
  return sink;
}

type Issuer = (document: number, message: string, extra?: Partial<ParseIssue>) => ParseIssue;
type Locate = (path: readonly PathSeg[]) => Partial<ParseIssue>;

function parseDocument(doc: Document.Parsed, index: number, lines: LineCounter, sink: Sink, issue: Issuer): void {
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const pos = lines.linePos(syntax.pos[0]);
    const first = syntax.message.split("\n")[0] ?? syntax.message;
    sink.errors.push(issue(index, `malformed YAML: ${first.replace(/ at line \d+, column \d+:?$/, "")}`, { line: pos.line, column: pos.col }));
    return;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount });
  } catch (e) {
    sink.errors.push(issue(index, `cannot decode: ${e instanceof Error ? e.message : String(e)}`));
    return;
  }
  handleValue(value, index, locator(doc, lines), sink, issue);
}

/** Position of the node at `path` (the key, for a map entry), or of its nearest existing ancestor. */
function locator(doc: Document.Parsed, lines: LineCounter): Locate {
  return (path) => {
    let node: unknown;
    const last = path[path.length - 1];
    if (typeof last === "string") {
      const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) node = parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
    }
    for (let n = path.length; n >= 0 && node === undefined; n--) {
      node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    }
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range === undefined) return {};
    const pos = lines.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  };
}

function handleValue(value: unknown, index: number, locate: Locate, sink: Sink, issue: Issuer): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i: number) => {
      if (isPlainObject(item)) parseObject(item, [i], index, sink, issue, locate);
      else sink.errors.push(issue(index, "list item must be a Kubernetes object", { path: `[${i}]`, ...locate([i]) }));
    });
    return;
  }
  if (!isPlainObject(value)) {
    sink.errors.push(issue(index, "document must be a Kubernetes object (a map with apiVersion and kind)", locate([])));
    return;
  }
  const list = listItems(value);
  if (list === undefined) {
    parseObject(value, [], index, sink, issue, locate);
    return;
  }
  const items = value["items"];
  if (!Array.isArray(items)) {
    sink.errors.push(issue(index, "must be a list", { object: String(value["kind"]), path: "items", ...locate(["items"]) }));
    return;
  }
  items.forEach((item: unknown, i: number) => {
    const withKind = isPlainObject(item) && item["kind"] === undefined && list !== "" ? { ...item, kind: list, apiVersion: item["apiVersion"] ?? value["apiVersion"] } : item;
    if (!isPlainObject(withKind)) {
      sink.errors.push(issue(index, "list item must be an object", { path: `items[${i}]`, ...locate(["items", i]) }));
      return;
    }
    parseObject(withKind, ["items", i], index, sink, issue, locate);
  });
}

/** For `kind: List` gives "" (items carry their kind); for `FooList` gives "Foo"; else undefined. */
function listItems(value: Record<string, unknown>): string | undefined {
  const kind = value["kind"];
  if (typeof kind !== "string" || !kind.endsWith("List")) return undefined;
  return kind === "List" ? "" : kind.slice(0, -"List".length);
}

function parseObject(raw: Record<string, unknown>, base: readonly PathSeg[], document: number, sink: Sink, issue: Issuer, locate: Locate): void {
  const kind = raw["kind"];
  const apiVersion = raw["apiVersion"];
  const object = objectId(raw);
  const at = (path: readonly PathSeg[], message: string): ParseIssue => issue(document, message, { object, path: formatPath([...base, ...path]), ...locate([...base, ...path]) });
  if (typeof kind !== "string" || kind === "") {
    sink.errors.push(at(["kind"], "is required (a non-empty string)"));
    return;
  }
  const info = KIND_SCHEMAS[kind];
  if (info === undefined) {
    sink.warnings.push(at([], `kind ${kind} (${String(apiVersion)}) is not read by Weft; skipped`));
    return;
  }
  if (typeof apiVersion !== "string" || !info.apiVersions.includes(apiVersion)) {
    sink.errors.push(at(["apiVersion"], `${apiVersion === undefined ? "is required" : `${JSON.stringify(apiVersion)} is not recognised`} for ${kind}; expected one of ${info.apiVersions.join(", ")}`));
    return;
  }
  const checked = checkShape(raw, info.schema, [], PARSE_LIMITS.maxErrorsPerObject);
  for (const w of checked.warnings) sink.warnings.push(at(w.path, w.message));
  if (checked.errors.length > 0) {
    for (const e of checked.errors) sink.errors.push(at(e.path, e.message));
    return;
  }
  const o = withDefaults(checked.value as Record<string, unknown>, info.namespaced);
  // The schema check proved the shape; isApiObject tells the type system (kind and name).
  if (isApiObject(o)) sink.objects.push(o);
  else sink.errors.push(at([], `is not a ${kind} Weft can read`));
}

function withDefaults(o: Record<string, unknown>, namespaced: boolean): Record<string, unknown> {
  const meta = o["metadata"] as Record<string, unknown>;
  let out = o;
  if (namespaced && meta["namespace"] === undefined) out = { ...out, metadata: { ...meta, namespace: "default" } };
  if (o["kind"] === "Secret" && isPlainObject(o["stringData"])) {
    const data: Record<string, unknown> = { ...(isPlainObject(o["data"]) ? o["data"] : {}) };
    for (const [k, v] of Object.entries(o["stringData"])) data[k] = Buffer.from(String(v), "utf8").toString("base64");
    const { stringData: _dropped, ...rest } = out;
    out = { ...rest, data };
  }
  return out;
}

/** "Kind/ns/name" for namespaced kinds, "Kind/name" for cluster-scoped ones, "(unnamed)" without a name. */
export function objectId(raw: Record<string, unknown>): string {
  const kind = typeof raw["kind"] === "string" && raw["kind"] !== "" ? raw["kind"] : "(unknown kind)";
  const meta = isPlainObject(raw["metadata"]) ? raw["metadata"] : {};
  const name = meta["name"];
  if (typeof name !== "string" || name === "") return "(unnamed)";
  const info = KIND_SCHEMAS[kind];
  if (info !== undefined && !info.namespaced) return `${kind}/${name}`;
  const ns = typeof meta["namespace"] === "string" ? meta["namespace"] : "default";
  return `${kind}/${ns}/${name}`;
}

/** Offset of the first `[`/`{` that goes deeper than `max` levels, ignoring quoted text and comments. */
function findDeepFlow(text: string, max: number): number | undefined {
  let depth = 0;
  let quote = "";
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (comment) {
      if (c === "\n") comment = false;
      continue;
    }
    if (quote !== "") {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'") {
      const prev = i === 0 ? " " : text[i - 1];
      if (depth > 0 || prev === " " || prev === "\n" || prev === ":" || prev === "-" || prev === "\t") quote = c;
    } else if (c === "#" && (i === 0 || text[i - 1] === " " || text[i - 1] === "\n")) comment = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth > max) return i;
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return undefined;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: offset - last };
}
