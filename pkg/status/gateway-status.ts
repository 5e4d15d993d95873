// gateway-status: merges our Gateway and GatewayClass status into the live status.
// Takes the live status object (unknown shape: it comes from the API server), our StatusUpdate,
// and `now`. Gives the new status with conditions merged by type (conditions.ts) and listener
// conditions merged per listener name; Gateway addresses are ours to set (spec: the implementation
// reports the addresses it bound), other live fields we do not own are kept.
// Must not: mutate inputs; write listener entries for listeners we did not report.
import type { Condition, ListenerStatus, StatusUpdate } from "../api/index.ts";
import { mergeConditions } from "./conditions.ts";

type GatewayUpdate = Extract<StatusUpdate, { target: { kind: "Gateway" } }>;
type GatewayClassUpdate = Extract<StatusUpdate, { target: { kind: "GatewayClass" } }>;

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function conditionsOf(v: unknown): Condition[] | undefined {
  const c = record(v)["conditions"];
  return Array.isArray(c) ? (c as Condition[]) : undefined;
}

export function mergeGatewayStatus(live: unknown, ours: GatewayUpdate, now: string): Record<string, unknown> {
  const base = record(live);
  const generation = ours.target.generation;
  const liveListeners = new Map<string, unknown>();
  const ll = base["listeners"];
  if (Array.isArray(ll)) { for (const l of ll) liveListeners.set(String(record(l)["name"]), l); }
  const listeners = ours.listeners.map((l: ListenerStatus) => ({
    name: l.name,
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: l.attachedRoutes,
    conditions: mergeConditions(conditionsOf(liveListeners.get(l.name)), l.conditions, generation, now),
  }));
  const out: Record<string, unknown> = {
    ...base,
    conditions: mergeConditions(conditionsOf(base), ours.conditions, generation, now),
    listeners,
  };
  if (ours.addresses !== undefined) out["addresses"] = ours.addresses.map((a) => ({ type: a.type, value: a.value }));
  return out;
}

export function mergeGatewayClassStatus(live: unknown, ours: GatewayClassUpdate, now: string): Record<string, unknown> {
  const base = record(live);
  const out: Record<string, unknown> = {
    ...base,
    conditions: mergeConditions(conditionsOf(base), ours.conditions, ours.target.generation, now),
  };
  const features = [...new Set(ours.supportedFeatures)].sort().map((name) => ({ name }));
  if (features.length > 0) out["supportedFeatures"] = features;
  else delete out["supportedFeatures"];
  return out;
}
