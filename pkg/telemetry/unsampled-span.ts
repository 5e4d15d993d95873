// unsampled-span: the span handle for requests the sampler dropped, and the random id pool.
// An unsampled span records nothing but still carries a context (trace id, a fresh span id,
// tracestate, baggage) so downstream hops see "not sampled" and keep the same trace id — the
// same observable result as the SDK's non-recording span, without its per-span machinery.
// Takes ids and a parent context; gives SpanHandles and hex ids from crypto randomness.
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
  for (;;) {
    if (offset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      offset = 0;
    }
    const from = offset;
    offset += bytes;
    for (let i = from; i < offset; i++) if (pool[i] !== 0) return pool.toString("hex", from, offset);
  }
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
