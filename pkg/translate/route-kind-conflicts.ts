// route-kind-conflicts: takes every route's parent outcomes, gives HTTPRoute/GRPCRoute conflicts
// resolved. Mesh (spec §1.9, GEP-1294): on one Service port within one producer/consumer group the
// GRPCRoute wins and the HTTPRoute gets Accepted=False/Conflicted. Gateway listeners (spec §6, from
// the grpcroute Hostnames doc): an HTTPRoute and a GRPCRoute with intersecting hostnames on one
// listener: the oldest (then namespace/name) is accepted, the other is Conflicted there.
// Must not: touch routes of the same kind (they merge normally).
import type { Diagnostics } from "./diagnostics.ts";
import { cmp } from "./diagnostics.ts";
import { intersectHostname } from "./hostnames.ts";
import type { MeshAttachment } from "./mesh-parents.ts";
import type { ListenerAttachment } from "./parent-refs.ts";
import { creationMs } from "./precedence.ts";
import type { ParentOutcome, RouteWork } from "./route-work.ts";
import { keyOf } from "./snapshot-index.ts";

function meshPortKey(m: Extract<MeshAttachment, { ok: true }>, port: number): string {
  return `${keyOf(m.service.metadata)}:${port}|${m.group}`;
}

/** Spec §1.9: on one Service port (within one producer/consumer group) GRPCRoute beats HTTPRoute. */
export function resolveMeshConflicts(works: readonly RouteWork[], diags: Diagnostics): void {
  const grpc = new Map<string, string>();
  for (const w of works) {
    if (w.kind !== "GRPCRoute" || w.tooMany) continue;
    for (const p of w.parents) {
      if (p.mesh?.ok !== true || p.compiled.routeProblem) continue;
      for (const sp of p.mesh.ports) {
        const k = meshPortKey(p.mesh, sp.port);
        if (!grpc.has(k)) grpc.set(k, `${p.compiled.ref.namespace}/${p.compiled.ref.name}`);
      }
    }
  }
  if (grpc.size === 0) return;
  for (const w of works) {
    if (w.kind !== "HTTPRoute") continue;
    for (const p of w.parents) {
      const m = p.mesh;
      if (m?.ok !== true) continue;
      const lost = m.ports.filter((sp) => grpc.has(meshPortKey(m, sp.port)));
      if (lost.length === 0) continue;
      const svc = `Service ${keyOf(m.service.metadata)}`;
      const names = lost.map((sp) => `port ${sp.port} (GRPCRoute ${grpc.get(meshPortKey(m, sp.port))})`).join(", ");
      if (lost.length === m.ports.length) {
        p.conflict = { reason: "Conflicted", message: `${svc}: GRPCRoutes take precedence over HTTPRoutes on ${names} (GEP-1294)` };
      } else {
        p.mesh = { ...m, ports: m.ports.filter((sp) => !lost.includes(sp)) };
        diags.add("warning", "Conflicted", w.object, `${svc}: not applied on ${names}: GRPCRoutes take precedence (GEP-1294)`);
      }
    }
  }
}

function hostsIntersect(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.some((x) => b.some((y) => intersectHostname(x, y) !== undefined));
}

interface Candidate {
  readonly work: RouteWork;
  readonly parent: ParentOutcome;
  readonly attachment: ListenerAttachment;
  readonly age: number;
}

function olderFirst(a: Candidate, b: Candidate): number {
  return a.age - b.age || cmp(a.parent.compiled.ref.namespace, b.parent.compiled.ref.namespace) || cmp(a.parent.compiled.ref.name, b.parent.compiled.ref.name) ||
    cmp(a.work.kind, b.work.kind);
}

export function resolveListenerConflicts(works: readonly RouteWork[], diags: Diagnostics): void {
  if (!works.some((w) => w.kind === "GRPCRoute" && w.parents.some((p) => p.gatewayAttachment?.ok === true))) return;
  const byListener = new Map<string, Candidate[]>();
  const kinds = new Map<string, Set<string>>();
  for (const w of works) {
    if (w.tooMany) continue;
    for (const p of w.parents) {
      if (p.gatewayAttachment?.ok !== true || p.compiled.routeProblem) continue;
      for (const a of p.gatewayAttachment.listeners) {
        const list = byListener.get(a.listener.id);
        const c = { work: w, parent: p, attachment: a, age: creationMs(p.compiled.creationTimestamp) };
        if (list) list.push(c);
        else byListener.set(a.listener.id, [c]);
        let ks = kinds.get(a.listener.id);
        if (ks === undefined) kinds.set(a.listener.id, ks = new Set());
        ks.add(w.kind);
      }
    }
  }
  const lost = new Map<ParentOutcome, { listeners: Set<string>; winners: string[] }>();
  for (const [id, list] of byListener) {
    if ((kinds.get(id)?.size ?? 0) < 2) continue;
    const accepted: Candidate[] = [];
    for (const c of list.sort(olderFirst)) {
      const winner = accepted.find((o) => o.work.kind !== c.work.kind && hostsIntersect(o.attachment.hostnames, c.attachment.hostnames));
      if (winner === undefined) {
        accepted.push(c);
        continue;
      }
      let l = lost.get(c.parent);
      if (l === undefined) lost.set(c.parent, l = { listeners: new Set(), winners: [] });
      l.listeners.add(id);
      l.winners.push(`${winner.work.kind} ${winner.parent.compiled.ref.namespace}/${winner.parent.compiled.ref.name} on listener ${winner.attachment.listener.listener.name}`);
    }
  }
  for (const w of works) {
    for (const p of w.parents) {
      const l = lost.get(p);
      if (l === undefined || p.gatewayAttachment?.ok !== true) continue;
      const remaining = p.gatewayAttachment.listeners.filter((a) => !l.listeners.has(a.listener.id));
      const message = `an older route with intersecting hostnames is accepted instead: ${[...new Set(l.winners)].join(", ")}`;
      if (remaining.length === 0) p.conflict = { reason: "Conflicted", message: `HTTPRoute and GRPCRoute conflict: ${message}` };
      else {
        p.gatewayAttachment = { ok: true, listeners: remaining };
        diags.add("warning", "Conflicted", w.object, `not attached to some listeners: ${message}`);
      }
    }
  }
}
