// cluster-demands: the clusters a translate pass needs, collected from accepted routes' backends and
// mirrors and from every mesh Service port, merged per cluster id: a GRPCRoute's demand upgrades an
// undeclared protocol to grpc, and a declared appProtocol wins over none. passClusters is the
// "clusters" step: the demanded clusters with their endpoints (endpoints.ts).
// Must not: build endpoints itself, or depend on the order of equal demands beyond that.
import type { ClusterIR } from "../ir/types.ts";
import { backendLimitsOf } from "./backend-limits.ts";
import type { ClusterDemand } from "./backend-refs.ts";
import { buildClusters, type ClusterSpec } from "./endpoints.ts";
import type { PassContext } from "./pass-context.ts";
import { indexEndpoints } from "./snapshot-index.ts";

export class ClusterDemands {
  readonly #byId = new Map<string, ClusterDemand>();

  readonly add = (d: ClusterDemand): void => {
    const prev = this.#byId.get(d.id);
    if (prev === undefined) this.#byId.set(d.id, d);
    else if ((d.grpc && !prev.grpc) || (prev.declared === undefined && d.declared !== undefined)) {
      const declared = prev.declared ?? d.declared;
      this.#byId.set(d.id, { ...prev, grpc: prev.grpc || d.grpc, ...(declared === undefined ? {} : { declared }) });
    }
  };

  specs(): ClusterSpec[] {
    return [...this.#byId.values()].map((d) => ({
      id: d.id,
      namespace: d.namespace,
      service: d.service,
      port: d.port,
      protocol: d.declared ?? (d.grpc ? "grpc" : "http1"),
    }));
  }
}

/** The "clusters" step: every demanded cluster with its endpoints; a bad weft.dev/max-* annotation is a diagnostic. */
export function passClusters(ctx: PassContext, demands: ClusterDemands): ClusterIR[] {
  const specs = demands.specs();
  const clusters = buildClusters(specs, ctx.idx.services, indexEndpoints(ctx.snapshot), ctx.identity);
  for (const key of new Set(specs.map((c) => `${c.namespace}/${c.service}`))) {
    for (const p of backendLimitsOf(ctx.idx.services.get(key)).problems) {
      ctx.diags.add("warning", "InvalidBackendLimit", `Service/${key}`, p.message, `metadata.annotations["${p.annotation}"]`);
    }
  }
  return clusters;
}
