// canonical-json: takes any JSON-compatible value, gives a string with object keys sorted
// recursively and no whitespace, so equal values always serialise to equal bytes.
// Must not: accept functions, symbols, bigints or cycles (those are bugs and throw).
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value, new Set()));
}

function sortDeep(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint" || typeof value === "function" || typeof value === "symbol") {
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
    }
    return value;
  }
  if (seen.has(value)) throw new TypeError("canonicalJson: cycle");
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((v) => (v === undefined ? null : sortDeep(v, seen)));
  } else {
    const obj: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) obj[key] = sortDeep(v, seen);
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}

/** sha256 of the canonical JSON, hex, first 16 bytes (32 hex chars). */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32);
}
