// backend-gate: per-backend caps on what one proxy puts on a backend at once (Envoy's circuit-breaker
// thresholds): HTTP/1.1 upstream connections in use (one request each: the h1 pool never pipelines, so
// an admitted HTTP/1.1 attempt is a connection held), requests waiting for such a connection, and
// requests in flight of any protocol. A request that finds the connections taken waits in the backend's
// queue when it has room; one that finds the queue full, or the request cap reached, is refused (the
// caller answers 503 upstream_overflow). A slot that frees goes straight to the first waiter, so a
// newcomer cannot overtake the queue. Caps: the cluster's limits over the engine's defaults, re-read
// when the cluster's limits change.
// Takes a backend key and its limits; gives slots. Must not: admit past a cap, lose or strand a waiter.
import type { BackendLimitsIR } from "../../ir/types.ts";
import { failure } from "../rescue.ts";

export interface BackendCaps {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
}

interface Waiter {
  settle: ((slot: BackendSlot | undefined) => void) | undefined;
}

class Gate {
  active = 0;
  connections = 0;
  readonly waiting: Waiter[] = [];
  caps: BackendCaps;
  limits: BackendLimitsIR | undefined;
  constructor(caps: BackendCaps, limits: BackendLimitsIR | undefined) {
    this.caps = caps;
    this.limits = limits;
  }
}

/** One admitted attempt; release() once it is over (idempotent). */
export class BackendSlot {
  private gate: Gate | undefined;
  private readonly h1: boolean;
  constructor(gate: Gate, h1: boolean) {
    this.gate = gate;
    this.h1 = h1;
  }
  release(): void {
    const g = this.gate;
    if (g === undefined) return;
    this.gate = undefined;
    if (this.h1) {
      // The first waiter takes the freed HTTP/1.1 slot as it is (counts unchanged).
      const next = g.waiting.shift();
      if (next?.settle !== undefined) {
        const settle = next.settle;
        next.settle = undefined;
        settle(new BackendSlot(g, true));
        return;
      }
      g.connections--;
    }
    g.active--;
  }
}

function capsOf(d: BackendCaps, limits: BackendLimitsIR | undefined): BackendCaps {
  if (limits === undefined) return d;
  return {
    maxConnections: limits.maxConnections ?? d.maxConnections,
    maxPendingRequests: limits.maxPendingRequests ?? d.maxPendingRequests,
    maxRequests: limits.maxRequests ?? d.maxRequests,
  };
}

export class BackendGates {
  private readonly gates = new Map<string, Gate>();
  private readonly defaults: BackendCaps;

  constructor(defaults: BackendCaps) {
    this.defaults = defaults;
  }

  /**
   * Admit one attempt to backend `key`: a slot at once; or, when its HTTP/1.1 connections are all in use,
   * a promise of one (queued; `onCancel` receives the function that gives up the place, and the promise
   * then settles undefined); or a thrown upstream_overflow.
   */
  enter(key: string, limits: BackendLimitsIR | undefined, h1: boolean, onCancel: (cancel: () => void) => void): BackendSlot | Promise<BackendSlot | undefined> {
    let g = this.gates.get(key);
    if (g === undefined) {
      g = new Gate(capsOf(this.defaults, limits), limits);
      this.gates.set(key, g);
    } else if (g.limits !== limits) {
      g.caps = capsOf(this.defaults, limits);
      g.limits = limits;
    }
    if (g.active >= g.caps.maxRequests) throw failure("upstream_overflow", "too many requests in flight to the backend");
    if (!h1 || g.connections < g.caps.maxConnections) {
      g.active++;
      if (h1) g.connections++;
      return new BackendSlot(g, h1);
    }
    if (g.waiting.length >= g.caps.maxPendingRequests) throw failure("upstream_overflow", "backend connections busy and its queue full");
    const gate = g;
    return new Promise((resolve) => {
      const w: Waiter = { settle: resolve };
      gate.waiting.push(w);
      onCancel(() => {
        if (w.settle === undefined) return;
        w.settle = undefined;
        const i = gate.waiting.indexOf(w);
        if (i !== -1) gate.waiting.splice(i, 1);
        resolve(undefined);
      });
    });
  }

  /** Requests in flight to `key`, HTTP/1.1 connections in use and requests waiting. */
  load(key: string): { active: number; connections: number; waiting: number } {
    const g = this.gates.get(key);
    return { active: g?.active ?? 0, connections: g?.connections ?? 0, waiting: g?.waiting.length ?? 0 };
  }

  /** Forget backends that left the config and have nothing in flight (config swap). */
  retain(keep: (key: string) => boolean): void {
    for (const [k, g] of this.gates) if (!keep(k) && g.active === 0 && g.waiting.length === 0) this.gates.delete(k);
  }
}
