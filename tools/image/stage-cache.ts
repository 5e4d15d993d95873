// stage-cache: the builder stages' snapshot cache (<images>/stages/<stage>-<key>/) kept bounded.
// Takes: the stages dir, a stage name, how many snapshots of that stage to keep.
// Gives: markUsed (a hit counts as a use) and pruneStage (removes all but the most recently used
//   snapshots of that stage; each holds a whole node_modules, ~400 MB, and every source change makes a
//   new one, so without this the cache fills the disk).
// A snapshot is retired by renaming it out of the way (<stage>-<key>.gone) before it is deleted: a
// builder killed in the middle of deleting 400 MB must not leave a half-deleted snapshot that still has
// its .done and so reads as a cache hit (seen: a later build got a node_modules without @types and failed
// `npm run build`). Leftover .gone directories are deleted by the next prune.
// Must not: touch other stages' snapshots, or a snapshot still being written (no .done yet).
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";

/** Snapshots kept per stage: several checkouts share one cache, each with its own sources. */
export const STAGE_SNAPSHOTS_KEPT = 4;

export function markUsed(snapshot: string): void {
  const now = new Date();
  utimesSync(join(snapshot, ".done"), now, now);
}

/** Removes the least recently used finished snapshots of `stage` beyond `keep`; returns their names. */
export function pruneStage(stagesDir: string, stage: string, keep = STAGE_SNAPSHOTS_KEPT): string[] {
  if (!existsSync(stagesDir)) return [];
  const prefix = `${stage}-`;
  for (const n of readdirSync(stagesDir)) {
    if (n.startsWith(prefix) && /^[0-9a-f]+\.gone$/.test(n.slice(prefix.length))) rmSync(join(stagesDir, n), { recursive: true, force: true });
  }
  const done = readdirSync(stagesDir)
    .filter((n) => n.startsWith(prefix) && /^[0-9a-f]+$/.test(n.slice(prefix.length)) && existsSync(join(stagesDir, n, ".done")))
    .map((n) => ({ n, used: statSync(join(stagesDir, n, ".done")).mtimeMs }))
    .sort((a, b) => b.used - a.used || a.n.localeCompare(b.n));
  const gone = done.slice(keep).map((d) => d.n);
  for (const n of gone) {
    const retired = join(stagesDir, `${n}.gone`);
    renameSync(join(stagesDir, n), retired);
    rmSync(retired, { recursive: true, force: true });
  }
  return gone;
}
