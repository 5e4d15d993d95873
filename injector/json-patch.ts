// json-patch: RFC 6902 JSON Patch operations as the injector emits them (add, replace, remove,
// test), JSON Pointer escaping (RFC 6901) and an applier used by `weftctl inject` and tests.
// Takes a JSON value and ops; gives a new value (the input is never mutated).
// Must not: accept pointers into prototypes ("__proto__") or throw anything but WeftError.
import { WeftError } from "../pkg/errors/weft-error.ts";

export type JsonPatchOp =
  | { readonly op: "add"; readonly path: string; readonly value: unknown }
  | { readonly op: "replace"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "test"; readonly path: string; readonly value: unknown };

/** One pointer segment, escaped per RFC 6901 (~ → ~0, / → ~1). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function segmentsOf(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new WeftError("WEFT_ERR_VALIDATION", `JSON pointer must start with "/": ${path}`);
  return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function fail(op: JsonPatchOp, why: string): never {
  throw new WeftError("WEFT_ERR_VALIDATION", `JSON patch ${op.op} ${op.path}: ${why}`);
}

export function applyJsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  let root = clone(doc);
  for (const op of ops) {
    const segs = segmentsOf(op.path);
    if (segs.some((s) => s === "__proto__" || s === "constructor" || s === "prototype")) fail(op, "forbidden segment");
    if (segs.length === 0) {
      if (op.op === "add" || op.op === "replace") {
        root = clone(op.value);
        continue;
      }
      if (op.op === "test") {
        if (JSON.stringify(root) !== JSON.stringify(op.value)) fail(op, "test failed");
        continue;
      }
      fail(op, "cannot remove the root");
    }
    let parent: unknown = root;
    for (const s of segs.slice(0, -1)) {
      if (Array.isArray(parent)) parent = parent[Number(s)];
      else if (parent !== null && typeof parent === "object" && Object.hasOwn(parent, s)) parent = (parent as Record<string, unknown>)[s];
      else fail(op, `missing parent "${s}"`);
      if (parent === undefined) fail(op, `missing parent "${s}"`);
    }
    const last = segs[segs.length - 1]!;
    if (Array.isArray(parent)) {
      const idx = last === "-" ? parent.length : /^(0|[1-9]\d*)$/.test(last) ? Number(last) : Number.NaN;
      if (Number.isNaN(idx)) fail(op, "bad array index");
      if (op.op === "add") {
        if (idx > parent.length) fail(op, "index out of range");
        parent.splice(idx, 0, clone(op.value));
      } else {
        if (idx >= parent.length) fail(op, "index out of range");
        if (op.op === "replace") parent[idx] = clone(op.value);
        else if (op.op === "remove") parent.splice(idx, 1);
        else if (JSON.stringify(parent[idx]) !== JSON.stringify(op.value)) fail(op, "test failed");
      }
    } else if (parent !== null && typeof parent === "object") {
      const obj = parent as Record<string, unknown>;
      if (op.op === "add") obj[last] = clone(op.value);
      else if (!Object.hasOwn(obj, last)) fail(op, "missing member");
      else if (op.op === "replace") obj[last] = clone(op.value);
      else if (op.op === "remove") delete obj[last];
      else if (JSON.stringify(obj[last]) !== JSON.stringify(op.value)) fail(op, "test failed");
    } else {
      fail(op, "parent is not a container");
    }
  }
  return root;
}
