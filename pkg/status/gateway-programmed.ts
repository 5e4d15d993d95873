// gateway-programmed: a provisioned Gateway's `Programmed` condition follows its data plane, not its
// spec. Translate says whether the spec can be served (Programmed=False/Invalid when no listener can);
// when it can, the Gateway is Programmed only once its Deployment has a ready pod and its proxies
// have acknowledged the current listeners. Until then Programmed=False with why:
//   Pending      the Deployment is not created yet, has no ready pod ("0/1 ready"), or no proxy has
//                acknowledged the current listeners ("0/1 proxies");
//   NoResources  the pods cannot be created (the Deployment's ReplicaFailure condition, e.g. Pod
//                Security rejecting the ReplicaSet's pods, or a ResourceQuota), with that message.
// A ready Deployment whose proxies report to another controller replica (none connected here) counts
// as programmed, and the message says so. Spec (GEP-1364): Programmed "indicates whether the Gateway
// has generated some configuration that is assumed to be ready soon in the underlying data plane".
// Takes Gateway statuses and what the controller sees (workload view, proxy counts); gives new statuses.
// Must not: mutate its input, touch conditions other than the Gateway's Programmed, or raise a
// Programmed condition translate set to False.
import type { Condition, StatusUpdate } from "../api/index.ts";

/** A Gateway's provisioned Deployment as the provisioner last saw it. */
export interface GatewayWorkload {
  /** "<ns>/<deployment>". */
  readonly deployment: string;
  readonly replicas: number;
  readonly readyReplicas: number;
  /** The Deployment's ReplicaFailure=True message (pods cannot be created), if any. */
  readonly replicaFailure?: string;
}

export interface GatewayDataPlane {
  /** undefined: the Deployment does not exist (yet). */
  workload(namespace: string, name: string): GatewayWorkload | undefined;
  /** This Gateway's proxies connected here, and how many acknowledged its current listeners. */
  proxies(namespace: string, name: string): { programmed: number; total: number };
}

export const GATEWAY_PROGRAMMED_REASONS = { ready: "Programmed", waiting: "Pending", cannotRun: "NoResources" } as const;

function programmed(c: Condition, status: "True" | "False", reason: string, message: string): Condition {
  return { ...c, status, reason, message };
}

export function gatewayProgrammedCondition(current: Condition, namespace: string, name: string, plane: GatewayDataPlane): Condition {
  if (current.status !== "True") return current;
  const w = plane.workload(namespace, name);
  const R = GATEWAY_PROGRAMMED_REASONS;
  if (w === undefined) return programmed(current, "False", R.waiting, `waiting for the gateway Deployment to be created (${current.message})`);
  if (w.replicaFailure !== undefined) return programmed(current, "False", R.cannotRun, `the gateway's pods cannot be created (Deployment ${w.deployment}): ${w.replicaFailure}`);
  const pods = `${w.readyReplicas}/${w.replicas} pods ready`;
  if (w.readyReplicas < 1) return programmed(current, "False", R.waiting, `waiting for the gateway's pods: ${pods} (Deployment ${w.deployment})`);
  const p = plane.proxies(namespace, name);
  if (p.total === 0) return programmed(current, "True", R.ready, `${current.message}; ${pods}, its proxies report to another controller replica`);
  if (p.programmed < 1) return programmed(current, "False", R.waiting, `waiting for the gateway's proxies to apply its listeners: ${p.programmed}/${p.total} proxies, ${pods}`);
  return programmed(current, "True", R.ready, `${current.message}; applied by ${p.programmed}/${p.total} proxies, ${pods}`);
}

export function withGatewayProgrammed(statuses: readonly StatusUpdate[], plane: GatewayDataPlane): readonly StatusUpdate[] {
  return statuses.map((u) => {
    if (u.target.kind !== "Gateway" || !("listeners" in u)) return u;
    const i = u.conditions.findIndex((c) => c.type === "Programmed");
    if (i === -1) return u;
    const next = gatewayProgrammedCondition(u.conditions[i]!, u.target.namespace, u.target.name, plane);
    if (next === u.conditions[i]) return u;
    return { ...u, conditions: u.conditions.map((c, j) => (j === i ? next : c)) };
  });
}
