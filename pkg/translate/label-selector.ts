// label-selector: takes a Kubernetes LabelSelector and a label map, gives whether it matches, or a
// precise error for a malformed selector (unknown operator, missing values). Spec §6 (Selector).
// Must not: treat a malformed selector as "match everything": it matches nothing.
import type { LabelSelector } from "../api/index.ts";

export type SelectorCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

export function checkSelector(sel: LabelSelector): SelectorCheck {
  for (const [i, r] of (sel.matchExpressions ?? []).entries()) {
    const values = r.values ?? [];
    if (r.operator === "In" || r.operator === "NotIn") {
      if (values.length === 0) return { ok: false, message: `matchExpressions[${i}]: operator ${r.operator} needs values` };
    } else if (r.operator === "Exists" || r.operator === "DoesNotExist") {
      if (values.length !== 0) return { ok: false, message: `matchExpressions[${i}]: operator ${r.operator} takes no values` };
    } else {
      return { ok: false, message: `matchExpressions[${i}]: unknown operator "${r.operator}"` };
    }
  }
  return { ok: true };
}

/** Matches labels against a selector already checked with checkSelector. Empty selector matches all. */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    const values = r.values ?? [];
    switch (r.operator) {
      case "In":
        if (!has || !values.includes(value!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(value!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
