/**
 * The two-proportion z-test on hit rates (lists with an attributed event over impressions), as in
 * any statistics textbook: pooled standard error for the test, unpooled for the confidence
 * interval of the difference (candidate minus control). A fixed-horizon test: read it once the
 * sample is large enough (`enough`), not at every peek.
 */
export interface ProportionTest {
  control: number
  candidate: number
  /** candidate - control */
  difference: number
  z: number
  /** Two-sided. */
  pValue: number
  /** Of the difference, at 1 - alpha. */
  confidenceInterval: [number, number]
  significant: boolean
  /** Each arm's impressions needed to detect the observed difference at 80% power (null: no difference). */
  requiredPerArm: number | null
  /** Both arms have minImpressions and at least 10 lists with and without an event (the normal approximation holds). */
  enough: boolean
}

export function twoProportionTest (control: { hits: number, n: number }, candidate: { hits: number, n: number }, { alpha = 0.05, minImpressions = 0 } = {}): ProportionTest {
  const p1 = control.n === 0 ? 0 : control.hits / control.n
  const p2 = candidate.n === 0 ? 0 : candidate.hits / candidate.n
  const difference = p2 - p1
  const pooled = control.n + candidate.n === 0 ? 0 : (control.hits + candidate.hits) / (control.n + candidate.n)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / candidate.n))
  const z = se > 0 && Number.isFinite(se) ? difference / se : 0
  const pValue = se > 0 && Number.isFinite(se) ? 2 * (1 - normalCdf(Math.abs(z))) : 1
  const zAlpha = normalQuantile(1 - alpha / 2)
  const unpooled = Math.sqrt((control.n === 0 ? 0 : p1 * (1 - p1) / control.n) + (candidate.n === 0 ? 0 : p2 * (1 - p2) / candidate.n))
  const normal = [control, candidate].every(({ hits, n }) => hits >= 10 && n - hits >= 10)
  return {
    control: p1,
    candidate: p2,
    difference,
    z,
    pValue,
    confidenceInterval: [difference - zAlpha * unpooled, difference + zAlpha * unpooled],
    significant: pValue < alpha,
    requiredPerArm: difference === 0 ? null : Math.ceil(requiredSample(p1, p2, alpha, 0.8)),
    enough: normal && control.n >= minImpressions && candidate.n >= minImpressions
  }
}

/** Per-arm sample size to tell p1 from p2 (two-sided alpha, power), normal approximation. */
export function requiredSample (p1: number, p2: number, alpha: number, power: number): number {
  const mean = (p1 + p2) / 2
  const a = normalQuantile(1 - alpha / 2) * Math.sqrt(2 * mean * (1 - mean))
  const b = normalQuantile(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
  return (a + b) ** 2 / (p2 - p1) ** 2
}

/** Standard normal CDF, through the complementary error function. */
export function normalCdf (x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

// Numerical Recipes' erfc (Chebyshev fit), fractional error below 1.2e-7 everywhere
function erfc (x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

/** The standard normal quantile (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile (p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`)
  const a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
  const b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
  const c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
  const d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
  const low = 0.02425
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  }
  if (p > 1 - low) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}
