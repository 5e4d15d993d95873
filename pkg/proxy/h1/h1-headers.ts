// h1-headers: HTTP/1.x header fields between the wire and node-style header objects.
// headersOf folds a received name/value list into the IncomingHttpHeaders shape the stack reads (names
// lower-cased; duplicates combined as node:http does: set-cookie kept as a list, cookie joined with "; ",
// fields that may appear once keep the first, others joined with ", "). responseHead renders a status
// line and header block, refusing (ERR_INVALID_*) a name that is not a token or a value with CR, LF or
// NUL — a filter can never inject a header line. passThroughFields renders a received head's fields as
// they came (the strict parser already refused what the checks would), minus the ones the caller drops.
// Names are lower-cased once per distinct name (lowerName), status lines made once per status.
// Must not: do I/O.
import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

/** Fields node:http keeps only the first of (duplicates are dropped, RFC 9110 singletons). */
const firstWins = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** Each first-wins field's bit, for passThroughFields' repeats (fewer than 32 fields). */
export const firstWinsBit = new Map([...firstWins].map((name, i) => [name, 1 << i]));

/**
 * Lower-cased field names, by the name as received (the parser hands the same string for the same bytes:
 * own-state's name table), so a name is lower-cased once, not once per message. Bounded in count and
 * size: it keeps at most LOWER_MAX names of at most LOWER_NAME_MAX characters (a peer's long or many
 * made-up names are lower-cased without being kept: at most ~64 kB held, whatever it sends).
 */
const lowered = new Map<string, string>();
const LOWER_MAX = 1024, LOWER_NAME_MAX = 32;
export function lowerName(name: string): string {
  let l = lowered.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowered.size < LOWER_MAX && name.length <= LOWER_NAME_MAX) lowered.set(name, l);
  }
  return l;
}
/** How many names lowerName keeps (for its bound's test). */
export function loweredNamesKept(): number {
  return lowered.size;
}

export function headersOf(raw: readonly string[]): IncomingHttpHeaders {
  // A plain object (fast properties, as node's own): inherited names like "constructor" are not strings,
  // so they never count as an earlier value; a "__proto__" field is dropped (assignment is a no-op).
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    const prior = out[name];
    if (typeof prior === "string") {
      if (!firstWins.has(name)) out[name] = `${prior}${name === "cookie" ? "; " : ", "}${value}`;
    } else if (name === "set-cookie") {
      if (Array.isArray(prior)) prior.push(value);
      else out[name] = [value];
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Cached IMF-fixdate for the Date field, refreshed at most once a second. */
let dateSecond = 0;
let dateText = "";
export function httpDate(now: number): string {
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toUTCString();
  }
  return dateText;
}

/** Field names already checked (names repeat from request to request); bounded. */
const checkedNames = new Set<string>();
const badValue = /[^\t\x20-\x7e\x80-\xff]/;

/** Throws ERR_INVALID_HTTP_TOKEN unless `name` is a token (node's own check, once per distinct name). */
export function checkName(name: string): void {
  if (checkedNames.has(name)) return;
  validateHeaderName(name);
  if (checkedNames.size < 4096) checkedNames.add(name);
}

/** Throws ERR_INVALID_CHAR when `value` holds CR, LF, NUL or another control character. */
export function checkValue(name: string, value: string): void {
  if (badValue.test(value)) validateHeaderValue(name, value);
}

/**
 * Header fields as "name: value" lines, each checked (throws ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR);
 * `omit`, when given, leaves out the fields it returns true for.
 */
export function fieldLines(headers: OutgoingHttpHeaders, omit?: (name: string) => boolean): string {
  let text = "";
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || (omit !== undefined && omit(name))) continue;
    checkName(name);
    if (Array.isArray(v)) {
      for (const one of v) {
        checkValue(name, one);
        text += `${name}: ${one}\r\n`;
      }
    } else {
      const s = typeof v === "string" ? v : String(v);
      checkValue(name, s);
      text += `${name}: ${s}\r\n`;
    }
  }
  return text;
}

/** An HTTP/1.1 status line. */
export function statusLine(status: number): string {
  if (status < 100 || status > 999) return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
  return (statusLines[status - 100] ??= `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`);
}
/** Status lines made so far, by status - 100 (a status line is the same string every time). */
const statusLines: (string | undefined)[] = new Array<string | undefined>(900).fill(undefined);

/** Status line plus the given fields (checked as fieldLines does). */
export function responseHead(status: number, headers: OutgoingHttpHeaders): { text: string; contentLength: boolean; hasDate: boolean } {
  return {
    text: `${statusLine(status)}${fieldLines(headers)}`,
    contentLength: headers["content-length"] !== undefined,
    hasDate: headers.date !== undefined,
  };
}

/** A received head's fields as passThroughFields renders them, with what framing needs from them. */
export interface PassedFields {
  /** "name: value" lines, names lower-cased. */
  readonly text: string;
  /** The (first) Content-Length value, when there is one. */
  readonly contentLength: string | undefined;
  readonly hasDate: boolean;
}

/**
 * A received head's fields (name/value pairs from the strict parser, which refuses a name that is not a
 * token and a value with CR, LF, NUL or another control character: nothing to check again) as lines, as
 * they came: without the fields `drop` names (given the lower-cased name) and without the repeats of a
 * field that may appear once (the first wins, as in headersOf). Other repeated fields stay separate lines
 * (RFC 9110 §5.3: the same as one combined line).
 */
export function passThroughFields(raw: readonly string[], drop: (name: string) => boolean): PassedFields {
  let text = "";
  let contentLength: string | undefined;
  let hasDate = false;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    if (drop(name)) continue;
    const value = raw[i + 1]!;
    const bit = firstWinsBit.get(name);
    if (bit !== undefined) {
      if ((seen & bit) !== 0) continue;
      seen |= bit;
      if (name === "content-length") contentLength = value;
    } else if (name === "date") hasDate = true;
    text += `${name}: ${value}\r\n`;
  }
  return { text, contentLength, hasDate };
}

/** Trailer fields as a chunked-encoding trailer section (after the last chunk, before the final CRLF). */
export function trailerBlock(trailers: OutgoingHttpHeaders): string {
  return fieldLines(trailers);
}
