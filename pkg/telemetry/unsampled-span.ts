// unsampled-span: the span handle for requests the sampler dropped, the random id pool, and a dropped hop's
// header text (droppedHopText: trace and span ids written as hex straight into the traceparent and b3 values).
// An unsampled span records nothing but still carries a context (trace id, a fresh span id,
// tracestate, baggage) so downstream hops see "not sampled" and keep the same trace id — the
// same observable result as the SDK's non-recording span, without its per-span machinery.
// Takes ids and a parent context; gives SpanHandles, hex ids and header text from crypto randomness.
// Must not: record attributes or export anything.
import { randomFillSync } from "node:crypto";
import type { Context, TraceState } from "@opentelemetry/api";
import { otelApi } from "./otel-modules.ts";
import type { SpanAttributes } from "./span-attributes.ts";
import type { SpanHandle } from "./tracing-types.ts";

const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` random bytes as lower-case hex, never all zeros (an invalid id in W3C and B3). One flat string
 *  made by node's hex encoder: hex digits appended one by one made a chain of 8 or 16 string pieces per id,
 *  flattened again when the id was first read or written. */
export function randomHexId(bytes: 8 | 16): string {
  const from = draw(bytes);
  return pool.toString("hex", from, from + bytes);
}

/** The hex digits' character codes. */
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Where a dropped hop's header text is assembled: `00-<trace>-<span>-00` then `<trace>-<span>-0`. */
export const DROPPED_TEXT_LENGTH = 106;
const text = Buffer.from(`00-${"0".repeat(32)}-${"0".repeat(16)}-00${"0".repeat(32)}-${"0".repeat(16)}-0`, "latin1");

/** Takes `bytes` random bytes from the pool, not all zeros; gives their offset in `pool`. */
function draw(bytes: 8 | 16): number {
  for (;;) {
    if (offset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      offset = 0;
    }
    const from = offset;
    offset += bytes;
    for (let i = from; i < offset; i++) if (pool[i] !== 0) return from;
  }
}

/** Writes `bytes` pool bytes from `from` as hex at `at` and at `at + 52` (the b3 copy). */
function hexTwice(from: number, bytes: number, at: number): void {
  for (let i = 0; i < bytes; i++) {
    const b = pool[from + i]!, hi = HEX[b >> 4]!, lo = HEX[b & 15]!;
    const k = at + 2 * i;
    text[k] = hi;
    text[k + 1] = lo;
    text[k + 52] = hi;
    text[k + 53] = lo;
  }
}

/**
 * A dropped hop's header text, one flat string made by one call of node's latin1 decoder:
 * `00-<trace>-<span>-00<trace>-<span>-0` — the traceparent (0..55) and b3 (55..106) values with a fresh span id
 * (36..52), for the trace `traceId` (32 lower-case hex digits; undefined: a fresh trace id too, 3..35). Their
 * slices are what the dropped span writes: no id string of its own, no template pieces to flatten later.
 */
export function droppedHopText(traceId: string | undefined): string {
  if (traceId === undefined) hexTwice(draw(16), 16, 3);
  else {
    for (let i = 0; i < 32; i++) {
      const c = traceId.charCodeAt(i);
      text[3 + i] = c;
      text[55 + i] = c;
    }
  }
  hexTwice(draw(8), 8, 36);
  return text.toString("latin1", 0, DROPPED_TEXT_LENGTH);
}

export class UnsampledSpanHandle implements SpanHandle {
  readonly sampled = false;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: TraceState | undefined;
  /** The extracted request context (carries baggage). */
  readonly baseContext: Context;

  constructor(traceId: string, traceState: TraceState | undefined, baseContext: Context) {
    this.traceId = traceId;
    this.spanId = randomHexId(8);
    this.traceState = traceState;
    this.baseContext = baseContext;
  }

  get context(): Context {
    const api = otelApi();
    return api.trace.setSpanContext(this.baseContext, {
      traceId: this.traceId,
      spanId: this.spanId,
      traceFlags: api.TraceFlags.NONE,
      ...(this.traceState === undefined ? {} : { traceState: this.traceState }),
    });
  }

  child(): UnsampledSpanHandle {
    return new UnsampledSpanHandle(this.traceId, this.traceState, this.baseContext);
  }

  setAttributes(_attrs: SpanAttributes): void {}
  setRoute(_route: string): void {}
  recordReason(_reason: string): void {}
  end(): void {}
}
