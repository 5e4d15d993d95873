// filters-headers: RequestHeaderModifier / ResponseHeaderModifier (spec §10): `set` overwrites, `add`
// appends as "existing,new", `remove` deletes; names case-insensitive. Takes a header object (keys are
// lower-case as node gives them) and mutates it in place — the caller owns a fresh copy.
// Must not: touch pseudo headers or hop-by-hop handling (hygiene does that).
import type { OutgoingHttpHeaders } from "node:http";
import type { HeaderModifierIR } from "../../ir/types.ts";

export function applyHeaderModifier(headers: OutgoingHttpHeaders, mod: HeaderModifierIR): void {
  for (const s of mod.set) headers[s.name.toLowerCase()] = s.value;
  for (const a of mod.add) {
    const name = a.name.toLowerCase();
    const prior = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (prior === undefined) headers[name] = a.value;
    else if (Array.isArray(prior)) headers[name] = name === "set-cookie" ? [...prior, a.value] : `${prior.join(",")},${a.value}`;
    else headers[name] = name === "set-cookie" ? [String(prior), a.value] : `${String(prior)},${a.value}`;
  }
  for (const r of mod.remove) delete headers[r.toLowerCase()];
}
