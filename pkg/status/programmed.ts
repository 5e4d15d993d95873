// programmed: adds the `weft.dev/Programmed` condition to route parent statuses — how many
// connected proxies that need a route have acknowledged a config holding its current generation
// ("applied by 47/50 proxies at generation 7"). Accepted=True parents only: a route that is not
// accepted is not programmed anywhere, and says so through Accepted.
// Takes statuses and a counter (the distribution server's programmedCount); gives new statuses.
// Must not: mutate its input, or touch conditions other than weft.dev/Programmed.
import type { Condition, StatusUpdate } from "../api/index.ts";

export const PROGRAMMED_CONDITION = "weft.dev/Programmed";

export type ProgrammedCounter = (routeKey: string, generation: number) => { programmed: number; total: number };

export function programmedCondition(counts: { programmed: number; total: number }, generation: number): Condition {
  const { programmed, total } = counts;
  if (total === 0) {
    return { type: PROGRAMMED_CONDITION, status: "Unknown", reason: "NoProxies", message: `no connected proxy serves this route yet (generation ${generation})`, observedGeneration: generation };
  }
  const message = `applied by ${programmed}/${total} proxies at generation ${generation}`;
  return programmed >= total
    ? { type: PROGRAMMED_CONDITION, status: "True", reason: "Programmed", message, observedGeneration: generation }
    : { type: PROGRAMMED_CONDITION, status: "False", reason: "Pending", message, observedGeneration: generation };
}

export function withProgrammedConditions(statuses: readonly StatusUpdate[], count: ProgrammedCounter): readonly StatusUpdate[] {
  return statuses.map((s) => {
    if (!("parents" in s)) return s;
    const route = s;
    const { target } = route;
    const key = `${target.kind}/${target.namespace}/${target.name}`;
    let counts: { programmed: number; total: number } | undefined;
    return {
      ...route,
      parents: route.parents.map((p) => {
        const accepted = p.conditions.some((c) => c.type === "Accepted" && c.status === "True");
        const rest = p.conditions.filter((c) => c.type !== PROGRAMMED_CONDITION);
        if (!accepted) return { ...p, conditions: rest };
        counts ??= count(key, target.generation);
        return { ...p, conditions: [...rest, programmedCondition(counts, target.generation)] };
      }),
    };
  });
}
