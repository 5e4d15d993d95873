// own-methods: the request methods node's llhttp knows, by llhttp's own method number, and which of
// them each protocol name of a request line admits (HTTP, RTSP, ICE), as llhttp does. A method is read
// byte by byte through a small trie, so a split request line costs no string, and a byte that no method
// continues with is an error at once (as llhttp's). Takes nothing; gives METHOD_NAMES, the trie, the sets.
// Must not: admit a method llhttp refuses.

/** llhttp's method numbers (llhttp.h HTTP_METHOD_MAP order). */
export const METHOD_NAMES: readonly string[] = [
  "DELETE",
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "COPY",
  "LOCK",
  "MKCOL",
  "MOVE",
  "PROPFIND",
  "PROPPATCH",
  "SEARCH",
  "UNLOCK",
  "BIND",
  "REBIND",
  "UNBIND",
  "ACL",
  "REPORT",
  "MKACTIVITY",
  "CHECKOUT",
  "MERGE",
  "M-SEARCH",
  "NOTIFY",
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "PATCH",
  "PURGE",
  "MKCALENDAR",
  "LINK",
  "UNLINK",
  "SOURCE",
  "PRI",
  "DESCRIBE",
  "ANNOUNCE",
  "SETUP",
  "PLAY",
  "PAUSE",
  "TEARDOWN",
  "GET_PARAMETER",
  "SET_PARAMETER",
  "REDIRECT",
  "RECORD",
  "FLUSH",
  "QUERY",
];

export const CONNECT = 5;
export const PRI = 34;
export const HEAD = 2;

const RTSP_ONLY = new Set([35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45]);
/** Methods an `HTTP/x.y` request line admits (all but the RTSP ones). */
export const HTTP_METHODS = new Uint8Array(METHOD_NAMES.length).map((_, i) => RTSP_ONLY.has(i) ? 0 : 1);
/** Methods an `RTSP/x.y` request line admits. */
export const RTSP_METHODS = new Uint8Array(METHOD_NAMES.length).map((_, i) => RTSP_ONLY.has(i) || i === 1 || i === 3 || i === 6 ? 1 : 0);
/** `ICE/x.y` admits SOURCE only. */
export const ICE_METHOD = 33;

/**
 * Trie over method bytes: node n's child for byte b is TRIE_NEXT[n * 256 + b]! (0 = none; node 0 is the
 * root, never a child); TRIE_METHOD[n]! is the method ending at n, or -1.
 */
const nodes: number[][] = [[]];
const ends: number[] = [-1];
METHOD_NAMES.forEach((name, m) => {
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const b = name.charCodeAt(i);
    let next = nodes[n]![b];
    if (next === undefined) {
      next = nodes.length;
      nodes.push([]);
      ends.push(-1);
      nodes[n]![b] = next;
    }
    n = next;
  }
  ends[n] = m;
});
export const TRIE_NEXT = new Uint16Array(nodes.length * 256);
nodes.forEach((kids, n) =>
  kids.forEach((next, b) => {
    TRIE_NEXT[n * 256 + b] = next;
  })
);
export const TRIE_METHOD = Int8Array.from(ends);
