// path-modifier: the path a URLRewrite or RequestRedirect produces (spec §10).
// Takes: the request path (no query string) and a PathModifierIR. Gives: the new path.
// ReplaceFullPath: the value replaces the whole path. ReplacePrefixMatch replaces whole segments of the
// rule's PathPrefix match (spec §10 examples, prefix `/foo`):
//   `/foo/bar` → (`/xyz`) `/xyz/bar`, (`/xyz/`) `/xyz/bar`, (``) `/bar`, (`/`) `/bar`
//   `/foo/`    → (`/xyz`) `/xyz/`,    (``) `/`,  (`/`) `/`
//   `/foo`     → (`/xyz`) `/xyz`,     (``) `/`,  (`/`) `/`
// When the request path equals the prefix, the replacement is used as written (`/xyz/` stays `/xyz/`).
// Prefix `/` keeps the whole path as the rest: `/a` → (`/xyz`) `/xyz/a`; `/` → (`/xyz`) `/xyz`.
// Must not: throw; touch the query string (the proxy keeps it). A path outside the prefix (the rule
// cannot have matched it) is returned unchanged.

import type { PathModifierIR } from "../ir/types.ts";

function trimSlash(s: string): string {
  return s.endsWith("/") ? s.slice(0, -1) : s;
}

export function applyPathModifier(path: string, modifier: PathModifierIR): string {
  if (modifier.type === "ReplaceFullPath") return modifier.value === "" ? "/" : modifier.value;
  const prefix = trimSlash(modifier.prefix);
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return path;
  // Prefix "/" with path "/": the whole path is the matched prefix.
  const rest = prefix === "" && path === "/" ? "" : path.slice(prefix.length);
  if (rest === "") return modifier.value === "" ? "/" : modifier.value;
  const result = trimSlash(modifier.value) + rest;
  return result.startsWith("/") ? result : `/${result}`;
}
