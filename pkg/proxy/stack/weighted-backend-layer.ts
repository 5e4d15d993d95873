// weighted-backend-layer: a rule's backends (spec §3): one is chosen per request by weight — an invalid
// backend's share answered 500 / UNAVAILABLE, no backend (or no positive weight) 500 — unless the request
// carries a session pin naming one of the rule's backends (spec §13: persistence overrides weights, even
// towards weight 0), and that backend's own decide stack (its filters, then its destination) goes on.
// Takes the rule, each backend's compiled Decide and a random source; gives a Decide. Must not: do I/O.
import type { BackendIR, RuleIR } from "../../ir/types.ts";
import { failure } from "../rescue.ts";
import { pickBackend } from "../router-bridge.ts";
import type { Decide } from "./request.ts";
import { pinnedBackend, readPin } from "./session-persistence.ts";

export function weightedBackendLayer(rule: RuleIR, backends: ReadonlyMap<BackendIR, Decide>, random: () => number): Decide {
  const all = rule.backends;
  const sp = rule.sessionPersistence;
  return (req) => {
    if (all.length === 0) throw failure("no_backends", "route rule has no backends");
    let backend: BackendIR | undefined;
    if (sp !== undefined) {
      let pin = readPin(sp, req.down.headers, Date.now());
      backend = pin === undefined ? undefined : pinnedBackend(all, pin);
      if (backend === undefined) pin = undefined;
      req.session = { sp, pin };
    }
    backend ??= pickBackend(all, random);
    if (backend === undefined) throw failure("no_backends", "route rule has no backends with weight");
    if (backend.kind === "invalid") throw failure("invalid_backend", `invalid backend: ${backend.reason}`);
    return backends.get(backend)!(req);
  };
}
