// gateway-class: takes the GatewayClasses of the snapshot, gives the names of the classes this
// controller owns and their status (Accepted + supportedFeatures). Classes of other controllers get
// nothing from us (no status, their Gateways are ignored).
// Must not: look at Gateways.
import type { GatewayClass, StatusUpdate } from "../api/index.ts";
import { condition, generationOf } from "./conditions.ts";
import { SUPPORTED_FEATURES } from "./features.ts";

export interface ClassOutcome {
  readonly ours: ReadonlySet<string>;
  readonly statuses: readonly StatusUpdate[];
}

export function translateGatewayClasses(classes: readonly GatewayClass[], controllerName: string): ClassOutcome {
  const ours = new Set<string>();
  const statuses: StatusUpdate[] = [];
  for (const c of classes) {
    if (c.spec?.controllerName !== controllerName) continue;
    const generation = generationOf(c.metadata);
    ours.add(c.metadata.name);
    const accepted = c.spec.parametersRef === undefined
      ? condition("Accepted", "True", "Accepted", "GatewayClass is accepted by Weft", generation)
      : condition("Accepted", "False", "InvalidParameters", "parametersRef is not supported by Weft; remove it", generation);
    statuses.push({
      target: { kind: "GatewayClass", namespace: "", name: c.metadata.name, generation },
      conditions: [accepted],
      supportedFeatures: [...SUPPORTED_FEATURES],
    });
  }
  return { ours, statuses };
}
