// replica-report: what one controller replica tells the leader about the proxies connected to it, so
// that `weft.dev/Programmed` counts every replica's proxies (issue 15: with two replicas the leader
// counted only its own). A report is, per route key, the route's generation in that replica's IR, how
// many of its proxies need the route and how many acknowledged that generation; it travels as gzip'd
// JSON in base64 (an annotation value), at most MAX_REPORT_CHARS.
// combineProgrammed adds the leader's own counts and its peers' for one route at the leader's generation:
// a peer still on an older generation has none of its proxies programmed for it; a peer already on a
// newer one counts the proxies that acknowledged that newer one.
// Takes and gives plain values. Must not: do I/O, or trust a report's shape (decode checks every field).
import { gunzipSync, gzipSync } from "node:zlib";
import type { RouteProgrammed } from "../distribution/index.ts";

export interface ReplicaReport {
  readonly identity: string;
  /** When the replica wrote it (its clock, ms since the epoch). */
  readonly at: number;
  readonly routes: ReadonlyMap<string, RouteProgrammed>;
  /** Routes were left out to stay within MAX_REPORT_CHARS. */
  readonly truncated: boolean;
}

/** An annotation value stays well under the API server's 256 KiB for all annotations of one object. */
export const MAX_REPORT_CHARS = 48 * 1024;
const MAX_DECODED_BYTES = 8 * 1024 * 1024;

type Row = [string, number, number, number];

function pack(identity: string, at: number, rows: readonly Row[], truncated: boolean): string {
  return gzipSync(JSON.stringify({ v: 1, id: identity, at, r: rows, ...(truncated ? { t: true } : {}) })).toString("base64");
}

/** Encodes a report; routes beyond what fits in MAX_REPORT_CHARS are dropped (sorted by key) and the report says so. */
export function encodeReport(identity: string, at: number, routes: ReadonlyMap<string, RouteProgrammed>): { text: string; truncated: boolean } {
  const rows: Row[] = [...routes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, r]) => [k, r.generation, r.total, r.programmed]);
  let text = pack(identity, at, rows, false);
  if (text.length <= MAX_REPORT_CHARS) return { text, truncated: false };
  let keep = rows.length;
  while (keep > 0 && text.length > MAX_REPORT_CHARS) {
    keep = Math.floor((keep * MAX_REPORT_CHARS) / text.length * 0.9);
    text = pack(identity, at, rows.slice(0, keep), true);
  }
  return { text, truncated: true };
}

const count = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** The report in `text`, or undefined when it is not one (never throws). */
export function decodeReport(text: string): ReplicaReport | undefined {
  try {
    if (text.length > MAX_REPORT_CHARS * 2) return undefined;
    const body = JSON.parse(gunzipSync(Buffer.from(text, "base64"), { maxOutputLength: MAX_DECODED_BYTES }).toString("utf8")) as Record<string, unknown>;
    if (body["v"] !== 1 || typeof body["id"] !== "string" || !count(body["at"]) || !Array.isArray(body["r"])) return undefined;
    const routes = new Map<string, RouteProgrammed>();
    for (const row of body["r"] as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== "string" || !count(row[1]) || !count(row[2]) || !count(row[3]) || row[3] > row[2]) return undefined;
      routes.set(row[0], { generation: row[1], total: row[2], programmed: row[3] });
    }
    return { identity: body["id"], at: body["at"], routes, truncated: body["t"] === true };
  } catch {
    return undefined;
  }
}

/** The leader's counts for one route plus every peer's, at the leader's generation of that route. */
export function combineProgrammed(local: { programmed: number; total: number }, peers: readonly ReplicaReport[], routeKey: string, generation: number): { programmed: number; total: number } {
  let { programmed, total } = local;
  for (const p of peers) {
    const r = p.routes.get(routeKey);
    if (r === undefined) continue;
    total += r.total;
    if (r.generation >= generation) programmed += r.programmed;
  }
  return { programmed, total };
}
