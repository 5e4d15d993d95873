// durations: takes a GEP-2257 duration string, gives milliseconds or a precise error message.
// Spec §11: format ^([0-9]{1,5}(h|m|s|ms)){1,4}$; "0s" means "disabled" (callers map 0 to absent).
// Must not: accept Go-style fractions ("1.5s"), signs, or spaces (they are not GEP-2257).

const durationRe = /^([0-9]{1,5}(h|ms|m|s)){1,4}$/;
const partRe = /([0-9]{1,5})(h|ms|m|s)/g;
const unitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

export function parseDuration(text: string): DurationResult {
  if (typeof text !== "string" || text.length > 64 || !durationRe.test(text)) {
    return { ok: false, message: `"${String(text).slice(0, 64)}" is not a GEP-2257 duration (e.g. "1h30m", "500ms")` };
  }
  let ms = 0;
  for (const m of text.matchAll(partRe)) ms += Number(m[1]) * (unitMs[m[2]!] ?? 0);
  return { ok: true, ms };
}
