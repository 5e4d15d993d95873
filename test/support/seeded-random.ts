// seeded-random: the one seeded source of randomness tests use where a draw must be reproducible
// (weighted choice, balancer picks): mulberry32. Takes a seed; gives a function returning numbers in
// [0, 1), the same sequence for the same seed. fast-check properties take their seed from
// fast-check-env.ts instead.
// Must not: be used where the code under test needs real randomness (keys, ids).
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
