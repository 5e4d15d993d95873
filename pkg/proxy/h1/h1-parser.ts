// h1-parser: node's own llhttp binding (the strict parser node:http runs), reached through the
// `_http_common` module. The proxy no longer runs it: both HTTP/1.1 sides parse with Weft's own parser
// (own-parser.ts). It stays as the reference the own parser is checked against (the differential tests,
// test/support/h1-llhttp-trace.ts) and as the llhttp floor of the benchmarks (bench-llhttp-minimal*.ts).
// Strictness is node:http's default (no lenient flags): CL+TE, differing duplicate Content-Length, obs-fold,
// bad bytes, bad chunk sizes and bad Transfer-Encoding are parse errors (HPE_* codes).
// Takes parse limits and callbacks; gives a parser (callsOnComplete switches its message-complete callback
// off and on). Fails loudly at load if the binding is missing (a node
// upgrade that removed it must not silently run a weaker parser).
// Must not: enable any lenient flag.
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";

export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): number | ParseError | undefined;
  consume(handle: object): void;
  /** Un-pause after a head callback returned HPE_PAUSED (21). */
  resume(): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  close(): void;
  free(): void;
  remove(): void;
  [slot: number]: unknown;
}

export interface ParseError extends Error {
  code?: string;
  reason?: string;
  bytesParsed?: number;
}

interface HttpCommon {
  HTTPParser: {
    new(): LlhttpParser;
    REQUEST: number;
    RESPONSE: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
  };
  methods: readonly string[];
}

const common = createRequire(import.meta.url)("_http_common") as HttpCommon;
const P = common.HTTPParser;
const binding: unknown = P;
if (typeof binding !== "function" || typeof (P.prototype as { consume?: unknown }).consume !== "function" || typeof P.kOnHeadersComplete !== "number") {
  throw new Error("node's llhttp binding (_http_common.HTTPParser) is not available in this node version");
}

/** Request methods by llhttp's method index. */
export const METHODS: readonly string[] = common.methods;

/** Called once a request head is parsed: `headers` is the flat name/value list as received. */
export type OnRequestHead = (versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number, url: string | undefined, statusCode: undefined, statusMessage: undefined,
  upgrade: boolean, shouldKeepAlive: boolean) => number | void;

/** Plain functions, not methods: llhttp calls them with the parser as `this`. */
export interface RequestParserCallbacks {
  /** A head split over several reads arrives first as partial header lists (then headers = undefined below). */
  onHeadersPartial: (headers: string[], url: string) => void;
  onHead: OnRequestHead;
  onBody: (chunk: Buffer) => void;
  onMessageComplete: () => void;
  /** Only when consuming a handle: the result of each native read (bytes parsed or the parse error). */
  onExecute: (ret: number | ParseError) => void;
}

export function newRequestParser(maxHeaderBytes: number, cb: RequestParserCallbacks): LlhttpParser {
  return newParser(P.REQUEST, maxHeaderBytes, cb);
}

/** One strict parser of `type` with the callbacks in node's slots. */
function newParser(type: number, maxHeaderBytes: number, cb: RequestParserCallbacks | ResponseParserCallbacks): LlhttpParser {
  const p = new P();
  p.initialize(type, {}, maxHeaderBytes, P.kLenientNone);
  p[P.kOnHeaders] = cb.onHeadersPartial;
  p[P.kOnHeadersComplete] = cb.onHead;
  p[P.kOnBody] = cb.onBody;
  p[P.kOnMessageComplete] = cb.onMessageComplete;
  p[P.kOnExecute] = cb.onExecute;
  return p;
}

/**
 * Whether node calls the parser's message-complete callback: node reads the slot at each message's end and
 * skips the call (a C++ to JS entry) when it holds no function. A request the caller knows complete at its
 * head may switch it off; the next one that needs it switches it on before its end (its head comes first).
 */
export function callsOnComplete(p: LlhttpParser, fn: (() => void) | null): void {
  p[P.kOnMessageComplete] = fn;
}

const closing = new WeakSet<LlhttpParser>();

/**
 * Ends a parser for good (once; later calls do nothing). node's `free()` only emits the destroy hooks of a parser it pools for reuse; the
 * native parser (and, through its callbacks, the connection with everything it references) stays alive
 * until `close()` deletes it. The callbacks are dropped at once; `close()` waits for the current stack to
 * unwind, as node's own freeParser does, since this may be called from inside a parser callback.
 */
export function closeParser(p: LlhttpParser): void {
  if (closing.has(p)) return;
  closing.add(p);
  p[P.kOnHeaders] =
    p[P.kOnHeadersComplete] =
    p[P.kOnBody] =
    p[P.kOnMessageComplete] =
    p[P.kOnExecute] =
      null;
  setImmediate(() => p.close());
}

export interface ResponseParserCallbacks {
  /** Partial header lists of a long head, and trailer fields after a chunked body. */
  onHeadersPartial: (headers: string[], url: string) => void;
  onHead: (versionMajor: number, versionMinor: number, headers: string[] | undefined, method: undefined, url: undefined, statusCode: number, statusMessage: string, upgrade: boolean,
    shouldKeepAlive: boolean) => number;
  onBody: (chunk: Buffer) => void;
  onMessageComplete: () => void;
  /** Only when consuming a handle: the result of each native read (bytes parsed or the parse error). */
  onExecute: (ret: number | ParseError) => void;
}

/** Upstream answers: 64 KiB of head at most (as the upstream pool always allowed). */
export function newResponseParser(cb: ResponseParserCallbacks): LlhttpParser {
  return newParser(P.RESPONSE, 64 * 1024, cb);
}

interface StreamHandle {
  readStart(): number;
  readStop(): number;
  reading?: boolean;
  isStreamBase?: boolean;
  _consumed?: boolean;
}

/**
 * How a parser gets a socket's bytes: straight from the socket's native handle when it has one
 * (`consume`, no JS "data" event per read), otherwise through the caller's "data" listener. Pausing,
 * resuming and handing the handle back work the same either way.
 */
export class SocketReads {
  private readonly parser: LlhttpParser;
  private readonly socket: Duplex;
  private handle: StreamHandle | undefined;

  constructor(parser: LlhttpParser, socket: Duplex) {
    this.parser = parser;
    this.socket = socket;
  }

  /** Let the parser read from the handle when there is one not already consumed (node's own mark). */
  consume(): void {
    const h = (this.socket as { _handle?: StreamHandle | null })._handle;
    if (h === undefined || h === null || h.isStreamBase !== true || h._consumed === true) return;
    h._consumed = true;
    this.parser.consume(h);
    this.handle = h;
  }

  get consumed(): boolean {
    return this.handle !== undefined;
  }

  /** Reading is stopped (pause(), not yet resume()). */
  get paused(): boolean {
    const h = this.handle;
    return h === undefined ? this.socket.isPaused() : h.reading === false;
  }

  pause(): void {
    const h = this.handle;
    if (h === undefined) this.socket.pause();
    else if (h.reading !== false) {
      h.reading = false;
      h.readStop();
    }
  }

  resume(): void {
    const h = this.handle;
    if (h === undefined) { if (this.socket.isPaused()) this.socket.resume(); }
    else if (h.reading === false) {
      h.reading = true;
      h.readStart();
    }
  }

  /** Hand the handle back to the socket (upgrade, close): later bytes arrive as "data" again. */
  release(): void {
    const h = this.handle;
    if (h === undefined) return;
    this.handle = undefined;
    try {
      this.parser.unconsume();
    } catch { /* the parser is already gone */ }
    h._consumed = false;
  }
}
