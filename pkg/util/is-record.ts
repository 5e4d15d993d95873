// is-record: the one check for "a plain JSON object" (not null, not an array) used wherever untrusted
// JSON/YAML (pods, admission reviews, probe configs) is read field by field. Must not: do anything else.
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
