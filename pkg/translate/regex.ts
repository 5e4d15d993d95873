// regex: takes a user regular expression (path/header/query/gRPC method), gives ok or a precise
// message. RE2 syntax via re2js (linear time, no catastrophic backtracking); patterns over 1,024
// characters are refused before compiling (task limit). Results are memoised per pattern.
// Must not: use the JavaScript RegExp engine on user input.
import { RE2JS } from "re2js";

export const MAX_REGEX_LENGTH = 1024;

const cache = new Map<string, string | null>();

/** undefined when the pattern is valid RE2; otherwise why not. */
export function checkRegex(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `regular expression is ${pattern.length} characters, over the limit of ${MAX_REGEX_LENGTH}`;
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit ?? undefined;
  let out: string | null = null;
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    out = `invalid RE2 regular expression: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, out);
  return out ?? undefined;
}
