// candidate-bucket: one sorted list of candidate entry indices (at a trie node, an exact path, a gRPC
// method…), optionally split by the value of one request header.
// Takes: entry indices in ascending order with each entry's Exact header conditions. Gives: at request
// time, the sorted sub-lists that can still match. When many entries of a bucket require an Exact
// value of the same header (tenant or canary routing: `x-tenant: t1…tN` on `/`), the bucket is split
// into value → entries plus a rest list, so a request checks only the entries for its header value.
// Must not: drop an entry that could match (an entry is filed under a value only when it REQUIRES
// that exact value), reorder entries.
import type { RequestView } from "./request.ts";

/** Exact header conditions of one entry: lower-case name → required value (first condition per name). */
export type ExactHeaders = ReadonlyMap<string, string> | undefined;

/** Split a bucket only when this many entries require an exact value of the same header. */
const SPLIT_MIN_ENTRIES = 4;

interface HeaderSplit {
  readonly header: string;
  readonly byValue: ReadonlyMap<string, number[]>;
  readonly rest: number[];
}

export class CandidateBucket {
  readonly #all: number[] = [];
  readonly #headers: ExactHeaders[] = [];
  #split: HeaderSplit | undefined;

  get size(): number {
    return this.#all.length;
  }

  /** Adds entry `index`; callers add in ascending index order so every list stays sorted. */
  add(index: number, headers: ExactHeaders): void {
    this.#all.push(index);
    this.#headers.push(headers);
  }

  /** Builds the header split when it pays off. Call once after the last add. */
  seal(): void {
    if (this.#all.length < SPLIT_MIN_ENTRIES) return;
    const counts = new Map<string, number>();
    for (const h of this.#headers) if (h !== undefined) { for (const name of h.keys()) counts.set(name, (counts.get(name) ?? 0) + 1); }
    let header: string | undefined;
    let best = 0;
    for (const [name, n] of counts) {
      if (n > best) {
        best = n;
        header = name;
      }
    }
    if (header === undefined || best < SPLIT_MIN_ENTRIES) return;
    const byValue = new Map<string, number[]>();
    const rest: number[] = [];
    for (let i = 0; i < this.#all.length; i++) {
      const value = this.#headers[i]?.get(header);
      const index = this.#all[i]!;
      if (value === undefined) rest.push(index);
      else {
        const list = byValue.get(value);
        if (list === undefined) byValue.set(value, [index]);
        else list.push(index);
      }
    }
    this.#split = { header, byValue, rest };
    this.#headers.length = 0;
  }

  /** Pushes the sorted lists of entries that can match `req` onto `sink`. */
  collect(req: RequestView, sink: (readonly number[])[]): void {
    const split = this.#split;
    if (split === undefined) {
      sink.push(this.#all);
      return;
    }
    if (split.rest.length > 0) sink.push(split.rest);
    const value = req.header(split.header);
    if (value === undefined) return;
    const hit = split.byValue.get(value);
    if (hit !== undefined) sink.push(hit);
  }
}

/** Exact header conditions of a match as a map (undefined when there are none). */
export function exactHeadersOf(headers: readonly { readonly type: string; readonly name: string; readonly value: string }[]): ExactHeaders {
  let out: Map<string, string> | undefined;
  const seen = new Set<string>();
  for (const h of headers) {
    const name = h.name.toLowerCase();
    // Only the first condition per name counts (spec §8), whatever its type.
    if (seen.has(name)) continue;
    seen.add(name);
    if (h.type !== "Exact") continue;
    out ??= new Map();
    out.set(name, h.value);
  }
  return out;
}
