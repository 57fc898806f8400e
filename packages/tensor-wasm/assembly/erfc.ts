// erfc(x) = 1 − erf(x) in double precision by W. J. Cody's rational Chebyshev approximations
// (Math. Comp. 23 (1969) 631–638, SPECFUN's CALERF), the same algorithm and coefficients as
// @backprop/tensor's JavaScript erfc: |x| ≤ 0.46875 approximates erf, (0.46875, 4] and (4, ∞)
// approximate erfc(x)·e^{x²}, so the tail keeps full relative precision.

// Cody's coefficients as published (18 significant digits); each rounds to the nearest double when parsed.
// biome-ignore-start lint/correctness/noPrecisionLoss: the published constants, kept verbatim

/** 1/√π */
const SQRT_PI_INV: f64 = 0.5641895835477563;
/** Above this, erfc(x) underflows to 0 in double precision. */
const X_BIG: f64 = 26.543;

/** erf(y) for |y| ≤ 0.46875. */
function erfSmall(y: f64): f64 {
  const ysq = y * y;
  let num = 0.185777706184603153 * ysq;
  let den = ysq;
  num = (num + 3.1611237438705656) * ysq;
  den = (den + 23.6012909523441209) * ysq;
  num = (num + 113.864154151050156) * ysq;
  den = (den + 244.024637934444173) * ysq;
  num = (num + 377.485237685302021) * ysq;
  den = (den + 1282.61652607737228) * ysq;
  return (y * (num + 3209.37758913846947)) / (den + 2844.23683343917062);
}

/** e^{−y²}·r as e^{−ŷ²}·e^{−(y−ŷ)(y+ŷ)}, ŷ = ⌊16y⌋/16, so the square loses no bits. */
function scaleByGaussian(y: f64, r: f64): f64 {
  const yHat = Math.trunc(y * 16) / 16;
  const del = (y - yHat) * (y + yHat);
  return Math.exp(-yHat * yHat) * Math.exp(-del) * r;
}

/** erfc(y) for y > 0.46875. */
function erfcLarge(y: f64): f64 {
  if (y <= 4) {
    let num = 2.15311535474403846e-8 * y;
    let den = y;
    num = (num + 0.564188496988670089) * y;
    den = (den + 15.7449261107098347) * y;
    num = (num + 8.88314979438837594) * y;
    den = (den + 117.693950891312499) * y;
    num = (num + 66.1191906371416295) * y;
    den = (den + 537.181101862009858) * y;
    num = (num + 298.635138197400131) * y;
    den = (den + 1621.38957456669019) * y;
    num = (num + 881.95222124176909) * y;
    den = (den + 3290.79923573345963) * y;
    num = (num + 1712.04761263407058) * y;
    den = (den + 4362.61909014324716) * y;
    num = (num + 2051.07837782607147) * y;
    den = (den + 3439.36767414372164) * y;
    return scaleByGaussian(y, (num + 1230.33935479799725) / (den + 1230.33935480374942));
  }
  if (y >= X_BIG) return 0;
  const z = 1 / (y * y);
  let num = 0.0163153871373020978 * z;
  let den = z;
  num = (num + 0.305326634961232344) * z;
  den = (den + 2.56852019228982242) * z;
  num = (num + 0.360344899949804439) * z;
  den = (den + 1.87295284992346047) * z;
  num = (num + 0.125781726111229246) * z;
  den = (den + 0.527905102951428412) * z;
  num = (num + 0.0160837851487422766) * z;
  den = (den + 0.0605183413124413191) * z;
  const r = (z * (num + 6.58749161529837803e-4)) / (den + 0.00233520497626869185);
  return scaleByGaussian(y, (SQRT_PI_INV - r) / y);
}

/** erfc(x) = 1 − erf(x), accurate in the tail (erfc(10) ≈ 2.09e−45, not 0). */
export function erfc(x: f64): f64 {
  if (F64.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const tail = erfcLarge(y);
  return x < 0 ? 2 - tail : tail;
}

// biome-ignore-end lint/correctness/noPrecisionLoss: the published constants, kept verbatim
