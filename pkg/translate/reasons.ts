// reasons: every status condition translate writes, as constants — per object (GatewayClass,
// Gateway, Listener, route parent), per condition type and status, the reasons it may carry (spec §4
// for routes, §6 for Gateways and listeners; "Conflicted" on a route is GEP-1294's mesh route-type
// conflict). condition() only takes a reason listed here, and the golden coverage test reads this
// table: every entry has a golden case that produces it, and no golden output holds a condition that
// is not here.
// Must not: hold behaviour.

export const CONDITION_REASONS = {
  GatewayClass: {
    Accepted: { True: ["Accepted"], False: ["InvalidParameters"] },
  },
  Gateway: {
    // ListenersNotValid: True while one listener serves, False when none does.
    Accepted: { True: ["Accepted", "ListenersNotValid"], False: ["ListenersNotValid", "UnsupportedAddress", "InvalidParameters"] },
    Programmed: { True: ["Programmed"], False: ["Invalid", "AddressNotUsable"] },
  },
  Listener: {
    Accepted: { True: ["Accepted"], False: ["UnsupportedProtocol", "PortUnavailable", "UnsupportedValue"] },
    Conflicted: { False: ["NoConflicts"], True: ["HostnameConflict", "ProtocolConflict"] },
    ResolvedRefs: { True: ["ResolvedRefs"], False: ["InvalidRouteKinds", "InvalidCertificateRef", "RefNotPermitted"] },
    Programmed: { True: ["Programmed"], False: ["Invalid"] },
  },
  RouteParent: {
    Accepted: {
      True: ["Accepted"],
      False: ["NotAllowedByListeners", "NoMatchingListenerHostname", "NoMatchingParent", "UnsupportedValue", "IncompatibleFilters", "Conflicted"],
    },
    ResolvedRefs: { True: ["ResolvedRefs"], False: ["RefNotPermitted", "InvalidKind", "BackendNotFound", "UnsupportedProtocol"] },
    PartiallyInvalid: { True: ["UnsupportedValue"] },
  },
} as const;

type Catalogue = typeof CONDITION_REASONS;
type ReasonsIn<T> = T extends readonly (infer R)[] ? R : T extends object ? { [K in keyof T]: ReasonsIn<T[K]> }[keyof T] : never;

/** Any reason translate may write. */
export type ConditionReason = ReasonsIn<Catalogue>;
/** Why a route is not Accepted on a parent, or why its references do not resolve. */
export type RouteReason = ReasonsIn<Catalogue["RouteParent"]["Accepted"]["False"]> | ReasonsIn<Catalogue["RouteParent"]["ResolvedRefs"]["False"]> | "Accepted" | "ResolvedRefs";
/** A listener problem's reason (not Accepted, conflicted, or references not resolved). */
export type ListenerReason = ReasonsIn<Catalogue["Listener"]["Accepted"]["False"]> | ReasonsIn<Catalogue["Listener"]["Conflicted"]["True"]> | ReasonsIn<Catalogue["Listener"]["ResolvedRefs"]["False"]>;

/** Every catalogue entry as "<object> <Type>=<Status>/<Reason>" (route parents without the object). */
export function conditionEntries(): string[] {
  const out: string[] = [];
  for (const [object, types] of Object.entries(CONDITION_REASONS)) {
    for (const [type, statuses] of Object.entries(types)) {
      for (const [status, reasons] of Object.entries(statuses as Record<string, readonly string[]>)) {
        for (const reason of reasons) out.push(`${object === "RouteParent" ? "" : `${object} `}${type}=${status}/${reason}`);
      }
    }
  }
  return out;
}
