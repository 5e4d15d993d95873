// translate-run: the offline translate pipeline shared by `weftctl translate` and the golden
// corpus. Takes manifest texts (with a source label); gives the rendered document
// `{ statuses, ir, diagnostics }` as YAML or JSON with keys sorted (statuses first, then ir, then
// diagnostics) so equal inputs print equal bytes. Parse errors and warnings become diagnostics
// (codes ParseError / ParseWarning / DuplicateObject) after translate's own.
// Must not: print key material — TLS private keys in the IR are replaced by a redaction marker.
import { basename } from "node:path";
import { stringify } from "yaml";
import { buildSnapshot, parseManifests } from "../api/index.ts";
import type { ApiObject, ParseIssue, ResourceSnapshot } from "../api/index.ts";
import { translate } from "../translate/index.ts";
import { sortKeys } from "./output.ts";
import type { Diagnostic, TranslateResult } from "../translate/result.ts";

export const REDACTED = "[redacted]";

export interface ManifestInput {
  readonly text: string;
  readonly source: string;
}

export interface TranslateRun {
  readonly snapshot: ResourceSnapshot;
  readonly result: TranslateResult;
  readonly errors: readonly ParseIssue[];
  readonly warnings: readonly ParseIssue[];
  /** translate's diagnostics followed by the parse findings. */
  readonly diagnostics: readonly Diagnostic[];
}

export function runTranslate(inputs: readonly ManifestInput[]): TranslateRun {
  const objects: ApiObject[] = [];
  const errors: ParseIssue[] = [];
  const warnings: ParseIssue[] = [];
  for (const input of inputs) {
    const out = parseManifests(input.text, input.source);
    objects.push(...out.objects);
    errors.push(...out.errors);
    warnings.push(...out.warnings);
  }
  const duplicates: Diagnostic[] = [];
  const snapshot = buildSnapshot(objects, (message, object) => duplicates.push({ severity: "warning", code: "DuplicateObject", object, message }));
  const result = translate(snapshot);
  const diagnostics = [
    ...result.diagnostics,
    ...errors.map((e) => issueDiagnostic("error", "ParseError", e)),
    ...warnings.map((w) => issueDiagnostic("warning", "ParseWarning", w)),
    ...duplicates,
  ];
  return { snapshot, result, errors, warnings, diagnostics };
}

function issueDiagnostic(severity: "error" | "warning", code: string, i: ParseIssue): Diagnostic {
  const at = i.line === undefined ? "" : `:${i.line}:${i.column ?? 1}`;
  const message = `${basename(i.source)}${at} (document ${i.document}): ${i.message}`;
  return i.path === "" ? { severity, code, object: i.object, message } : { severity, code, object: i.object, path: i.path, message };
}

/** The plain document that is printed: statuses, then the IR (keys redacted), then diagnostics. */
export function outputDocument(run: TranslateRun): Record<string, unknown> {
  const ir = run.result.ir;
  const redacted = { ...ir, secrets: ir.secrets.map((s) => ({ ...s, keyPem: REDACTED })) };
  return {
    statuses: sortKeys(run.result.statuses),
    ir: sortKeys(redacted),
    diagnostics: sortKeys(run.diagnostics),
  };
}

export function renderOutput(run: TranslateRun, format: "yaml" | "json" = "yaml"): string {
  const doc = outputDocument(run);
  if (format === "json") return `${JSON.stringify(doc, null, 2)}\n`;
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
