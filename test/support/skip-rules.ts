// skip-rules: which skipped tests a run may have. Takes the skipped tests of a run, the allow-list
// (test/allowed-skips.json: every entry names one test as "<file> > <full name>" and says why) and
// whether CI is set; gives the skips that break the rules. Outside CI every skip is allowed (the
// summary still counts and explains them); under CI only listed ones are.
// Must not: allow a skip by pattern or by file (one entry, one test), or accept an entry without a reason.
import { readFileSync } from "node:fs";

export interface SkippedTest {
  /** "<file relative to the repo> > <suite names > test name>" */
  readonly id: string;
  /** The tier requireTier() found missing, as "tier: why". */
  readonly tierMissing?: string;
}

export interface AllowedSkip {
  readonly test: string;
  readonly why: string;
}

export function parseAllowList(text: string, source: string): AllowedSkip[] {
  const doc = JSON.parse(text) as unknown;
  const list = typeof doc === "object" && doc !== null ? (doc as { allowed?: unknown }).allowed : undefined;
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"allowed": [{"test": "...", "why": "..."}]}`);
  return list.map((e: unknown, i) => {
    const entry = (typeof e === "object" && e !== null ? e : {}) as { test?: unknown; why?: unknown };
    if (typeof entry.test !== "string" || entry.test.trim() === "") throw new Error(`${source}: allowed[${i}] has no "test"`);
    if (typeof entry.why !== "string" || entry.why.trim().length < 10) throw new Error(`${source}: allowed[${i}] (${entry.test}) must say why it may be skipped`);
    return { test: entry.test, why: entry.why };
  });
}

export function readAllowList(path: string): AllowedSkip[] {
  return parseAllowList(readFileSync(path, "utf8"), path);
}

/** The skips a run must fail on: under CI, every skip that is not on the allow-list. */
export function unexpectedSkips(skipped: readonly SkippedTest[], allowed: readonly AllowedSkip[], ci: boolean): SkippedTest[] {
  if (!ci) return [];
  const ok = new Set(allowed.map((a) => a.test));
  return skipped.filter((s) => !ok.has(s.id));
}
