// parse-schema: a small shape checker for Kubernetes objects. Takes a decoded JSON value and a
// Schema; gives a cleaned copy (nulls of optional fields removed, unknown fields kept) plus the
// field errors and unknown-field warnings with their paths.
// Enum-like fields are plain strings here: unknown enum VALUES are for translate (spec §4
// UnsupportedValue). Arrays over their CRD maxItems get one error and are not descended.
// Must not: throw on any input, descend into fields it does not know, or check cross-field rules.

export type PathSeg = string | number;

export type Schema =
  | { readonly t: "string"; readonly max: number; readonly min?: number }
  | { readonly t: "int"; readonly min: number; readonly max: number }
  | { readonly t: "bool" }
  | { readonly t: "intOrString"; readonly max: number }
  | { readonly t: "array"; readonly of: Schema; readonly max: number }
  | { readonly t: "map"; readonly max: number; readonly valueMax: number }
  /** `open`: unknown fields are expected (e.g. Pod spec) and not warned about. */
  | { readonly t: "object"; readonly fields: Readonly<Record<string, Field>>; readonly open: boolean }
  | { readonly t: "any" };

export interface Field {
  readonly s: Schema;
  readonly req: boolean;
}

export interface FieldIssue {
  readonly path: readonly PathSeg[];
  readonly message: string;
}

export const str = (max = 253, min?: number): Schema => (min === undefined ? { t: "string", max } : { t: "string", max, min });
export const int = (min: number, max: number): Schema => ({ t: "int", min, max });
export const bool: Schema = { t: "bool" };
export const any: Schema = { t: "any" };
export const intOrString: Schema = { t: "intOrString", max: 253 };
export const arr = (of: Schema, max: number): Schema => ({ t: "array", of, max });
export const map = (max = 256, valueMax = 65_536): Schema => ({ t: "map", max, valueMax });
export const obj = (fields: Record<string, Schema | Field>, open = false): Schema => {
  const out: Record<string, Field> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = "req" in v ? v : { s: v, req: false };
  return { t: "object", fields: out, open };
};
export const req = (s: Schema): Field => ({ s, req: true });

export function formatPath(path: readonly PathSeg[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

export interface CheckResult {
  readonly value: unknown;
  readonly errors: readonly FieldIssue[];
  readonly warnings: readonly FieldIssue[];
}

/** Checks `value` against `schema`; at most `maxErrors` errors are collected. */
export function checkShape(value: unknown, schema: Schema, base: readonly PathSeg[] = [], maxErrors = 20): CheckResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const ctx = { errors, warnings, maxErrors };
  const cleaned = check(value, schema, [...base], ctx);
  return { value: cleaned, errors, warnings };
}

interface Ctx {
  readonly errors: FieldIssue[];
  readonly warnings: FieldIssue[];
  readonly maxErrors: number;
}

function fail(ctx: Ctx, path: readonly PathSeg[], message: string): undefined {
  if (ctx.errors.length < ctx.maxErrors) ctx.errors.push({ path: [...path], message });
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function check(v: unknown, s: Schema, path: PathSeg[], ctx: Ctx): unknown {
  if (ctx.errors.length >= ctx.maxErrors) return undefined;
  switch (s.t) {
    case "any":
      return v;
    case "string":
      if (typeof v !== "string") return fail(ctx, path, `must be a string, got ${typeName(v)}`);
      if (v.length > s.max) return fail(ctx, path, `is ${v.length} characters long, at most ${s.max} allowed`);
      if (s.min !== undefined && v.length < s.min) return fail(ctx, path, `must be at least ${s.min} character${s.min === 1 ? "" : "s"} long`);
      return v;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) return fail(ctx, path, `must be an integer, got ${typeName(v) === "number" ? String(v) : typeName(v)}`);
      if (v < s.min || v > s.max) return fail(ctx, path, `must be between ${s.min} and ${s.max}, got ${v}`);
      return v;
    case "bool":
      if (typeof v !== "boolean") return fail(ctx, path, `must be a boolean, got ${typeName(v)}`);
      return v;
    case "intOrString":
      if (typeof v === "number" && Number.isInteger(v)) return v;
      if (typeof v === "string" && v.length <= s.max) return v;
      return fail(ctx, path, `must be an integer or a string of at most ${s.max} characters`);
    case "array": {
      if (!Array.isArray(v)) return fail(ctx, path, `must be a list, got ${typeName(v)}`);
      if (v.length > s.max) return fail(ctx, path, `has ${v.length} items, at most ${s.max} allowed`);
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        if (v[i] === null || v[i] === undefined) fail(ctx, path, "must not be null");
        else out.push(check(v[i], s.of, path, ctx));
        path.pop();
      }
      return out;
    }
    case "map": {
      if (!isPlainObject(v)) return fail(ctx, path, `must be a map of strings, got ${typeName(v)}`);
      const keys = Object.keys(v);
      if (keys.length > s.max) return fail(ctx, path, `has ${keys.length} entries, at most ${s.max} allowed`);
      for (const k of keys) {
        const val = v[k];
        path.push(k);
        if (typeof val !== "string") fail(ctx, path, `must be a string, got ${typeName(val)}`);
        else if (val.length > s.valueMax) fail(ctx, path, `is ${val.length} characters long, at most ${s.valueMax} allowed`);
        path.pop();
      }
      return v;
    }
    case "object": {
      if (!isPlainObject(v)) return fail(ctx, path, `must be an object, got ${typeName(v)}`);
      const out: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(s.fields)) {
        const fv = v[k];
        if (fv === undefined || fv === null) {
          if (f.req) fail(ctx, [...path, k], "is required");
          continue;
        }
        path.push(k);
        const cv = check(fv, f.s, path, ctx);
        path.pop();
        if (cv !== undefined) out[k] = cv;
      }
      for (const k of Object.keys(v)) {
        if (Object.hasOwn(s.fields, k)) continue;
        if (!s.open && ctx.warnings.length < ctx.maxErrors) ctx.warnings.push({ path: [...path, k], message: "unknown field (kept, not used)" });
        out[k] = v[k];
      }
      return out;
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
