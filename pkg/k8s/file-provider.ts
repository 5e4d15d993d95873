// file-provider: local mode. Watches a directory of manifests (*.yaml, *.yml, *.json, recursively)
// with fs.watch plus a debounce, parses changed files with parseManifests, and emits immutable
// ResourceSnapshots (buildSnapshot) through the same coalescer as the Kubernetes provider.
// A file with parse errors is logged issue by issue (file:line:column, object, field) and the
// last good objects of that file are kept; a file that never parsed cleanly contributes its valid
// objects. A deleted file drops its objects.
// Must not: crash on any file content, follow the watch into files outside `dir`, or emit a
// snapshot whose content did not change.
import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseManifests } from "../api/parse.ts";
import { buildSnapshot } from "../api/parse-snapshot.ts";
import { SNAPSHOT_FIELD } from "../api/snapshot-builder.ts";
import type { ApiObject } from "../api/parse-types.ts";
import { formatIssue } from "../api/parse-types.ts";
import type { ResourceSnapshot, SnapshotKind } from "../api/index.ts";
import { WeftError } from "../errors/weft-error.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { createCoalescer, type Batch, type CoalescerOptions } from "./coalescer.ts";
import { freezeSnapshot } from "./snapshot-freeze.ts";
import { SILENT_LOG, type Log } from "./log.ts";

const MANIFEST = /\.(ya?ml|json)$/i;
const MAX_FILES = 5_000;

export interface FileProviderOptions {
  readonly dir: string;
  readonly onSnapshot: (snapshot: ResourceSnapshot, batch: Batch) => void;
  readonly log?: Log;
  readonly debounceMs?: number;
  readonly coalescer?: CoalescerOptions;
}

export interface FileProvider {
  /** The newest snapshot (also emitted through onSnapshot). */
  snapshot(): ResourceSnapshot;
  /** Re-reads the directory now (the watcher calls this after its debounce). */
  rescan(): Promise<void>;
  ready(): boolean;
  stop(): void;
}

interface FileState {
  readonly text: string;
  readonly objects: readonly ApiObject[];
}

async function listManifests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile() || !MANIFEST.test(e.name)) continue;
    out.push(join(e.parentPath, e.name));
    if (out.length >= MAX_FILES) break;
  }
  return out.sort();
}

function kindsOf(objects: readonly ApiObject[]): Map<SnapshotKind, string> {
  const by = new Map<SnapshotKind, ApiObject[]>();
  for (const o of objects) {
    const k = SNAPSHOT_FIELD[o.kind];
    const list = by.get(k) ?? [];
    list.push(o);
    by.set(k, list);
  }
  return new Map([...by].map(([k, list]) => [k, canonicalJson(list)]));
}

export async function startFileProvider(opts: FileProviderOptions): Promise<FileProvider> {
  const log = opts.log ?? SILENT_LOG;
  const dirStat = await stat(opts.dir).catch(() => undefined);
  if (dirStat === undefined || !dirStat.isDirectory()) {
    throw new WeftError("WEFT_ERR_CONFIG", `manifest directory ${opts.dir} does not exist or is not a directory`, { dir: opts.dir });
  }
  const files = new Map<string, FileState>();
  let current: ResourceSnapshot = freezeSnapshot(buildSnapshot([]));
  let scanned = false;
  let scanning: Promise<void> | undefined;
  let again = false;

  const coalescer = createCoalescer((batch) => {
    const all = [...files.values()].flatMap((f) => f.objects);
    current = freezeSnapshot(buildSnapshot(all, (message, object) => log.warn({ object }, message)));
    opts.onSnapshot(current, batch);
  }, { ...opts.coalescer, onError: (err) => log.error({ err }, "snapshot consumer failed") });

  const scanOnce = async (): Promise<void> => {
    const paths = await listManifests(opts.dir).catch((err: unknown) => {
      log.error({ dir: opts.dir, err }, "cannot list manifest directory");
      return undefined;
    });
    if (paths === undefined) return;
    const changed = new Set<SnapshotKind>();
    const seen = new Set(paths);
    for (const [path, state] of files) {
      if (seen.has(path)) continue;
      files.delete(path);
      for (const k of kindsOf(state.objects).keys()) changed.add(k);
      log.info({ file: relative(opts.dir, path) }, "manifest file removed");
    }
    for (const path of paths) {
      const text = await readFile(path, "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const prev = files.get(path);
      if (prev !== undefined && prev.text === text) continue;
      const source = relative(opts.dir, path);
      const outcome = parseManifests(text, source);
      for (const w of outcome.warnings) log.warn({ file: source }, formatIssue(w));
      for (const e of outcome.errors) log.error({ file: source }, formatIssue(e));
      let objects = outcome.objects;
      if (outcome.errors.length > 0 && prev !== undefined) {
        objects = prev.objects;
        log.warn({ file: source, errors: outcome.errors.length }, "keeping the last good objects of this file");
      }
      const before = kindsOf(prev?.objects ?? []);
      const after = kindsOf(objects);
      for (const k of new Set([...before.keys(), ...after.keys()])) if (before.get(k) !== after.get(k)) changed.add(k);
      files.set(path, { text, objects });
    }
    const first = !scanned;
    scanned = true;
    if (first && changed.size === 0) changed.add("namespaces");
    for (const k of changed) coalescer.touch(k);
    if (first) coalescer.flush();
  };

  const rescan = async (): Promise<void> => {
    if (scanning !== undefined) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        again = false;
        await scanOnce();
      } while (again);
    })().finally(() => {
      scanning = undefined;
    });
    return scanning;
  };

  await rescan();
  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(opts.dir, { recursive: true }, () => {
      if (debounce !== undefined) clearTimeout(debounce);
      debounce = setTimeout(() => void rescan(), opts.debounceMs ?? 50);
    });
    watcher.on("error", (err) => log.error({ err }, "manifest directory watch failed"));
  } catch (err) {
    log.error({ err }, "cannot watch manifest directory; changes will not be seen");
  }

  return {
    snapshot: () => current,
    rescan,
    ready: () => scanned,
    stop(): void {
      if (debounce !== undefined) clearTimeout(debounce);
      watcher?.close();
      coalescer.close();
    },
  };
}
