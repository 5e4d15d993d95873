// codec: the IR's one text form. encodeIr gives canonical JSON (object keys sorted, no whitespace:
// equal IRs are equal bytes), irHash its content hash (the version a proxy reports), decodeIr parses
// text and validates it (validate.ts) — the way `weft proxy --config` files and a proxy's admin
// /config are read. A document `{ "version": …, "ir": {…} }` (what the admin server serves) is
// unwrapped to its `ir`.
// Takes IR values or text; gives text, a hash, or an IrValidation.
// Must not: throw on any text, or accept an IR the validator refuses.
import { canonicalJson, contentHash } from "../util/canonical-json.ts";
import type { MeshIR } from "./types.ts";
import { validateIr, type IrValidation } from "./validate.ts";

export function encodeIr(ir: MeshIR): string {
  return canonicalJson(ir);
}

/** sha256 of the canonical JSON, 32 hex characters. */
export function irHash(ir: MeshIR): string {
  return contentHash(ir);
}

export function decodeIr(text: string): IrValidation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = e instanceof SyntaxError ? e.message : "not JSON";
    return { ok: false, problem: { code: "NotJson", path: "ir", message }, reason: `ir: ${message}` };
  }
  const envelope = value !== null && typeof value === "object" && !Array.isArray(value) && "ir" in value && !("gateways" in value);
  return validateIr(envelope ? (value as { ir: unknown }).ir : value);
}
