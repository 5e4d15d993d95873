// test-sources: the TypeScript files of the tests (test/ and injector/, node_modules skipped), for the
// rules that read every test's text. Takes a pattern and the files allowed to match it; gives the
// repo-relative paths of the other files whose text matches. Must not: read anything outside the repo.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const repo = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" ? [] : sources(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** The test sources whose text matches `pattern`, but for those `allowed` names (by absolute path). */
export function testSourcesMatching(pattern: RegExp, allowed: (path: string) => boolean): string[] {
  return [...sources(join(repo, "test")), ...sources(join(repo, "injector"))]
    .filter((f) => !allowed(f))
    .filter((f) => pattern.test(readFileSync(f, "utf8")))
    .map((f) => relative(repo, f));
}
