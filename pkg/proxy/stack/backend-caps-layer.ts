// backend-caps-layer: a try takes a place on its backend (upstream/backend-gate: HTTP/1.1 connections in
// use, requests waiting for one, requests in flight; the cluster's limits over the proxy's defaults) —
// at once, after a wait in the backend's queue (the deadline or a leaving client gives the place up), or
// refused with 503 upstream_overflow — and keeps it (`req.slot`) until the try ends (`req.endTry`: it
// failed, or its answer was relayed or dropped).
// Takes the gates, the backend's key and limits, and the next Dispatch; gives a Dispatch.
// Must not: hold a place after the answer is let go or the try failed, or admit past a cap.
import type { BackendLimitsIR } from "../../ir/types.ts";
import { BackendSlot, type BackendGates } from "../upstream/backend-gate.ts";
import type { Dispatch, DispatchReport, ProxyRequest } from "./request.ts";

/** `key`: the cluster id, or "local:<port>" for the local app without a cluster. */
export function backendCapsLayer(gates: BackendGates, key: string, limits: BackendLimitsIR | undefined, next: Dispatch): Dispatch {
  const admitted = (req: ProxyRequest, slot: BackendSlot, to: DispatchReport): void => {
    if (req.over()) {
      slot.release();
      return to.answer(undefined);
    }
    req.slot = slot;
    next(req, to);
  };
  return (req, to) => {
    const target = req.target!;
    let entered: BackendSlot | Promise<BackendSlot | undefined>;
    try {
      entered = gates.enter(key, limits, target.protocol === "http1", (cancel) => {
        req.leaveQueue = cancel;
      });
    } catch (e) {
      // A full backend: enter throws upstream_overflow; this layer's refusals are reported.
      return to.fail(e instanceof Error ? e : new Error(String(e)));
    }
    if (entered instanceof BackendSlot) return admitted(req, entered, to);
    entered.then((slot) => {
      req.leaveQueue = undefined;
      if (slot === undefined) to.answer(undefined);
      else admitted(req, slot, to);
    }, (e: unknown) => to.fail(e));
  };
}
