// coverage: the corpus must show every condition reason of spec §4's table and the Gateway /
// listener reasons at least once. Scans every .out.yaml's statuses and fails naming each
// required "Type=Status/Reason" that no case produces.
// `Accepted=Unknown/Pending` is the API server's default before any controller acts; translate
// never writes it, so it is not required here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { goldenCases, hasOutput, REPO_ROOT } from "./golden-cases.ts";

export const REQUIRED_ROUTE_REASONS = [
  "Accepted=True/Accepted",
  "Accepted=False/NotAllowedByListeners",
  "Accepted=False/NoMatchingListenerHostname",
  "Accepted=False/NoMatchingParent",
  "Accepted=False/UnsupportedValue",
  "Accepted=False/IncompatibleFilters",
  "Accepted=False/Conflicted",
  "ResolvedRefs=True/ResolvedRefs",
  "ResolvedRefs=False/RefNotPermitted",
  "ResolvedRefs=False/InvalidKind",
  "ResolvedRefs=False/BackendNotFound",
  "ResolvedRefs=False/UnsupportedProtocol",
  "PartiallyInvalid=True/UnsupportedValue",
];

export const REQUIRED_GATEWAY_REASONS = [
  "GatewayClass Accepted=True/Accepted",
  "Gateway Accepted=True/Accepted",
  "Gateway Programmed=True/Programmed",
  "Gateway *=*/ListenersNotValid",
  "Gateway Accepted=False/UnsupportedAddress",
  "Listener Accepted=True/Accepted",
  "Listener Programmed=True/Programmed",
  "Listener ResolvedRefs=True/ResolvedRefs",
  "Listener Accepted=False/UnsupportedProtocol",
  "Listener ResolvedRefs=False/InvalidRouteKinds",
  "Listener ResolvedRefs=False/InvalidCertificateRef",
  "Listener ResolvedRefs=False/RefNotPermitted",
  "Listener Conflicted=True/HostnameConflict",
  "Listener Conflicted=True/ProtocolConflict",
];

interface Cond { type?: string; status?: string; reason?: string }
interface StatusDoc {
  target?: { kind?: string };
  conditions?: Cond[];
  listeners?: { conditions?: Cond[] }[];
  parents?: { conditions?: Cond[] }[];
}

function seen(): Map<string, string> {
  const found = new Map<string, string>();
  const note = (prefix: string, c: Cond, file: string): void => {
    for (const key of [`${prefix}${c.type}=${c.status}/${c.reason}`, `${prefix}*=*/${c.reason}`]) if (!found.has(key)) found.set(key, file);
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

describe("golden coverage of status reasons", () => {
  const found = seen();
  it("every route condition reason of spec §4 has a case", () => {
    expect(REQUIRED_ROUTE_REASONS.filter((r) => !found.has(r)), "reasons with no golden case").toEqual([]);
  });
  it("every GatewayClass/Gateway/listener reason has a case", () => {
    expect(REQUIRED_GATEWAY_REASONS.filter((r) => !found.has(r)), "reasons with no golden case").toEqual([]);
  });
});
