// quantity: Kubernetes resource quantities ("100m", "1.5", "64Mi", "1e3"). Takes a string; gives
// whether it is a valid non-negative quantity and its numeric value (for request ≤ limit checks).
// Must not: accept signs, spaces, empty strings or over-long input.
// Spec: k8s.io/apimachinery/pkg/api/resource Quantity — <number><suffix>, suffix one of binary SI
// (Ki Mi Gi Ti Pi Ei), decimal SI (n u m "" k M G T P E) or decimal exponent (e|E<int>).

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d{1,3})?$/;

const SUFFIX: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export function isQuantity(s: string): boolean {
  return typeof s === "string" && s.length > 0 && s.length <= 32 && QUANTITY.test(s);
}

/** Numeric value of a valid quantity (NaN when invalid). */
export function quantityValue(s: string): number {
  const m = QUANTITY.exec(s);
  if (!m || s.length > 32) return Number.NaN;
  const num = Number(m[1]);
  const suffix = m[2] ?? "";
  if (/^[eE]/.test(suffix)) return num * 10 ** Number(suffix.slice(1));
  return num * (SUFFIX[suffix] ?? Number.NaN);
}
