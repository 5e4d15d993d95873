// source: where explain and status get their resources. Takes `-f` paths (files or
// directories, read exactly as `weftctl translate` reads them) or a kubeconfig (live cluster, listed
// once); gives the TranslateRun (snapshot, translate result, parse findings) plus problems (input
// errors ⇒ exit 1) and notes (kinds not listable). Reuses translate-run.ts runTranslate.
// Must not: print anything (callers choose stderr), or keep Secret data beyond translate's input.
import { translate } from "../translate/index.ts";
import { readInputs } from "./inputs.ts";
import { runTranslate, type TranslateRun } from "./translate-run.ts";
import { EXPLAIN_KINDS, kubeClientFor, listSnapshot } from "./kube.ts";

export interface LoadedSource {
  readonly run: TranslateRun;
  /** Input errors (unreadable files, parse errors). */
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  readonly live: boolean;
}

export function loadManifests(paths: readonly string[]): LoadedSource {
  const { inputs, problems } = readInputs(paths);
  const run = runTranslate(inputs);
  const parse = run.errors.map((e) => `${e.source}${e.line === undefined ? "" : `:${e.line}:${e.column ?? 1}`}: ${e.message}`);
  const notes = run.warnings.map((w) => `warning: ${w.source}${w.line === undefined ? "" : `:${w.line}`}: ${w.message}`);
  return { run, problems: [...problems, ...parse], notes, live: false };
}

export async function loadCluster(kubeconfig: string | undefined, namespace?: string): Promise<LoadedSource> {
  const client = kubeClientFor(kubeconfig);
  const { snapshot, notes } = await listSnapshot(client, namespace, EXPLAIN_KINDS);
  const result = translate(snapshot);
  const run: TranslateRun = { snapshot, result, errors: [], warnings: [], diagnostics: result.diagnostics };
  return { run, problems: [], notes, live: true };
}
