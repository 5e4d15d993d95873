// coverage: the corpus shows every condition translate can write — the constants of
// pkg/translate/reasons.ts (GatewayClass, Gateway, Listener and route parent; Type=Status/Reason) —
// at least once, so every failing reason has a golden case; and no .out.yaml holds a condition that
// is not in that table (it is exact both ways). `Accepted=Unknown/Pending` is the API server's
// default before any controller acts; translate never writes it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { conditionEntries } from "../../pkg/translate/reasons.ts";
import { goldenCases, hasOutput, REPO_ROOT } from "./golden-cases.ts";

interface Cond {
  type?: string;
  status?: string;
  reason?: string;
}
interface StatusDoc {
  target?: { kind?: string };
  conditions?: Cond[];
  listeners?: { conditions?: Cond[] }[];
  parents?: { conditions?: Cond[] }[];
}

function seen(): Map<string, string> {
  const found = new Map<string, string>();
  const note = (prefix: string, c: Cond, file: string): void => {
    const key = `${prefix}${c.type}=${c.status}/${c.reason}`;
    if (!found.has(key)) found.set(key, file);
  };
  for (const c of goldenCases().filter(hasOutput)) {
    const doc = parse(readFileSync(join(REPO_ROOT, c.output), "utf8")) as { statuses?: StatusDoc[] } | null;
    for (const s of doc?.statuses ?? []) {
      const kind = s.target?.kind ?? "";
      for (const cond of s.conditions ?? []) note(`${kind} `, cond, c.output);
      for (const l of s.listeners ?? []) for (const cond of l.conditions ?? []) note("Listener ", cond, c.output);
      for (const p of s.parents ?? []) for (const cond of p.conditions ?? []) note("", cond, c.output);
    }
  }
  return found;
}

/**
 * Conditions no manifest can produce, each with why and where it is tested instead. A listener port
 * outside 1..65535 is refused by the parser (pkg/api) and by the Gateway CRD's schema before
 * translate sees it; translate still checks it for snapshots built otherwise.
 */
const NOT_FROM_MANIFESTS: Readonly<Record<string, string>> = {
  "Listener Accepted=False/PortUnavailable": "test/translate/listeners.test.ts",
};

describe("golden coverage of status reasons (pkg/translate/reasons.ts)", () => {
  const found = seen();
  const table = conditionEntries().filter((e) => NOT_FROM_MANIFESTS[e] === undefined);
  it("the reason table lists the conditions of spec §4 and §6", () => {
    expect(table.length).toBeGreaterThan(30);
    for (const e of ["Accepted=False/NotAllowedByListeners", "ResolvedRefs=False/RefNotPermitted", "Listener Conflicted=True/HostnameConflict", "Gateway Programmed=True/Programmed"])
      expect(table).toContain(e);
    expect(Object.keys(NOT_FROM_MANIFESTS).filter((e) => !conditionEntries().includes(e)), "exceptions that are not in the table").toEqual([]);
  });
  it("every condition of the table has a golden case", () => {
    expect(table.filter((e) => !found.has(e)), "conditions with no golden case").toEqual([]);
  });
  it("no golden output holds a condition outside the table", () => {
    expect([...found].filter(([e]) => !table.includes(e)).map(([e, file]) => `${e} (${file})`)).toEqual([]);
  });
});
