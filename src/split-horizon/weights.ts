// Integer weight arithmetic for the split-horizon plan. BigInt, because the LCM of gateway counts
// times the endpoint count can pass 2^53 before it is reduced or capped.

/** Envoy (and gRPC) hold locality and endpoint weights, and their sums, in a uint32. */
export const MAX_TOTAL_WEIGHT = 0xffffffffn;

export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

export function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

export function gcdOf(values: Iterable<bigint>): bigint {
  let out = 0n;
  for (const v of values) out = gcd(out, v);
  return out;
}

/**
 * Scales weights down so that their sum fits in `limit`, for absurd inputs only (e.g. networks with
 * 1..23 gateways each: the LCM alone passes 2^32). Rule: w' = max(1, floor(w * (limit - n) / total))
 * for n weights summing to total. Equal weights stay equal (so groups stay uniform), every weight stays
 * >= 1, and the sum is at most limit - n + n = limit. Each share moves by less than n / limit.
 */
export function capWeights(total: bigint, count: bigint, limit: bigint = MAX_TOTAL_WEIGHT): (w: bigint) => bigint {
  if (total <= limit) return (w) => w;
  const budget = limit - count;
  if (budget <= 0n) return () => 1n; // more endpoints than a uint32 can count: all equal, still valid
  return (w) => {
    const scaled = (w * budget) / total;
    return scaled < 1n ? 1n : scaled;
  };
}

/** `numerator/denominator` reduced, for debug output. */
export function fraction(numerator: bigint, denominator: bigint): string {
  if (denominator === 0n) return '0/0';
  const d = gcd(numerator, denominator);
  return `${numerator / d}/${denominator / d}`;
}
