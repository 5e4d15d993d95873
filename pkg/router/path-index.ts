// path-index: candidate index over the paths of one group of HTTP route entries.
// Takes: entries (by their precedence index) with Exact / PathPrefix / RegularExpression paths.
// Gives: for a request path, the lists of entry indices whose PATH condition can hold; each list is
// sorted ascending. Exact → hash map; PathPrefix → trie by "/"-separated segment (spec §8: `/abc`
// matches `/abc`, `/abc/`, `/abc/def`, never `/abcd`); a regex with a literal leading path → the trie
// node of that path; anything else → an always-checked list. Entries whose path the index does not
// guarantee carry their own path test. Each list is a CandidateBucket (may split by a header value).
// Must not: decide precedence (the caller merges lists by index).
// Paths are compared as received: case-sensitive, percent-encoding kept, no normalisation.
import { CandidateBucket, type ExactHeaders } from "./candidate-bucket.ts";
import type { RequestView } from "./request.ts";

export interface CandidateIndex {
  /** Pushes every candidate list for `req` onto `sink` (never mutate them). */
  collect(req: RequestView, sink: (readonly number[])[]): void;
  /** Finishes the index after the last add. */
  seal(): void;
}

interface TrieNode {
  children: Map<string, TrieNode> | undefined;
  /** Set by seal() when there is exactly one child: compared in place, no substring needed. */
  onlySegment: string | undefined;
  onlyChild: TrieNode | undefined;
  entries: CandidateBucket;
}

function newNode(): TrieNode {
  return { children: undefined, onlySegment: undefined, onlyChild: undefined, entries: new CandidateBucket() };
}

/** Where one entry's path is filed; "Other" ⇒ the always-checked list. */
export type IndexedPath = { readonly type: "Exact" | "PathPrefix"; readonly value: string } | { readonly type: "Other" };

/** PathPrefix value as matched: one trailing "/" is ignored (spec §8), "/" stays "/". */
export function normalizePrefix(value: string): string {
  return value.length > 1 && value.endsWith("/") ? value.slice(0, -1) : value;
}

/**
 * Where the index holds a path match. Exact/PathPrefix values must start with "/". A regex whose
 * every full match starts with a literal "/"-complete prefix is filed under that prefix (its entry
 * still checks the regex); other regexes go to the always list.
 */
export function indexedPathOf(type: string, value: string): IndexedPath {
  if ((type === "Exact" || type === "PathPrefix") && value.startsWith("/")) return { type, value };
  if (type === "RegularExpression") {
    const prefix = regexPathPrefix(value);
    if (prefix !== undefined) return { type: "PathPrefix", value: prefix };
  }
  return { type: "Other" };
}

const literalChar = /[^\\.+*?()|[\]{}^$]/;

/**
 * Longest "/"-complete path every full match of RE2 `pattern` starts with: "/a/b/[0-9]+" → "/a/b",
 * "/ab[0-9]" → "/", "/a/b?" → "/a" (b is optional). Undefined when the pattern may match a path not
 * starting with "/" or contains an alternation anywhere (conservative).
 */
export function regexPathPrefix(pattern: string): string | undefined {
  if (!pattern.startsWith("/") || pattern.includes("|")) return undefined;
  let i = 0;
  while (i < pattern.length && literalChar.test(pattern[i]!)) i++;
  const next = pattern[i];
  if (next === "*" || next === "?" || next === "{") i--;
  const literal = pattern.slice(0, i);
  const cut = literal.lastIndexOf("/");
  if (cut < 0) return undefined;
  return cut === 0 ? "/" : literal.slice(0, cut);
}

export class PathIndex implements CandidateIndex {
  readonly #exact = new Map<string, CandidateBucket>();
  readonly #root: TrieNode = newNode();
  readonly #always = new CandidateBucket();
  #hasPrefixBelowRoot = false;

  /** Adds entry `index`; callers add in ascending index order so every list stays sorted. */
  add(index: number, path: IndexedPath, headers: ExactHeaders): void {
    if (path.type === "Other") {
      this.#always.add(index, headers);
      return;
    }
    if (path.type === "Exact") {
      let bucket = this.#exact.get(path.value);
      if (bucket === undefined) {
        bucket = new CandidateBucket();
        this.#exact.set(path.value, bucket);
      }
      bucket.add(index, headers);
      return;
    }
    const prefix = normalizePrefix(path.value);
    let node = this.#root;
    if (prefix !== "/") {
      this.#hasPrefixBelowRoot = true;
      for (const segment of prefix.slice(1).split("/")) {
        node.children ??= new Map();
        let child = node.children.get(segment);
        if (child === undefined) {
          child = newNode();
          node.children.set(segment, child);
        }
        node = child;
      }
    }
    node.entries.add(index, headers);
  }

  seal(): void {
    this.#always.seal();
    for (const b of this.#exact.values()) b.seal();
    const stack: TrieNode[] = [this.#root];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      node.entries.seal();
      if (node.children === undefined) continue;
      if (node.children.size === 1) {
        const [segment, child] = [...node.children][0]!;
        node.onlySegment = segment;
        node.onlyChild = child;
      }
      stack.push(...node.children.values());
    }
  }

  collect(req: RequestView, sink: (readonly number[])[]): void {
    const path = req.path;
    if (this.#always.size > 0) this.#always.collect(req, sink);
    if (this.#exact.size > 0) this.#exact.get(path)?.collect(req, sink);
    if (path.charCodeAt(0) !== 47 /* "/" */) return;
    let node: TrieNode | undefined = this.#root;
    if (node.entries.size > 0) node.entries.collect(req, sink);
    if (!this.#hasPrefixBelowRoot) return;
    let start = 1;
    for (;;) {
      const children: Map<string, TrieNode> | undefined = node.children;
      if (children === undefined) return;
      const slash = path.indexOf("/", start);
      const only: string | undefined = node.onlySegment;
      if (only !== undefined) {
        const end = slash < 0 ? path.length : slash;
        if (end - start !== only.length || !path.startsWith(only, start)) return;
        node = node.onlyChild!;
      } else {
        node = children.get(slash < 0 ? path.slice(start) : path.slice(start, slash));
        if (node === undefined) return;
      }
      if (node.entries.size > 0) node.entries.collect(req, sink);
      if (slash < 0) return;
      start = slash + 1;
    }
  }
}
