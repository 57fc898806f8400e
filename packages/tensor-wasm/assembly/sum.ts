// The float64 sum of float32 lanes of the reductions.

/**
 * Σ of `length` floats in float64: two f64x2 accumulators over whole f32x4 vectors read `stride`
 * bytes apart (16: contiguous; 0: the same splat every time), then the last 1–3 lanes singly.
 * Always the same order for the same length, so the same floats give the same sum.
 */
export function sumFloats(src: usize, stride: i32, length: i32): f64 {
  const whole = length >> 2;
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let s = src;
  for (let v = 0; v < whole; v++) {
    const value = v128.load(s);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(value));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(f32x4.shuffle(value, value, 2, 3, 0, 1)));
    s += stride;
  }
  let total =
    f64x2.extract_lane(lo, 0) +
    f64x2.extract_lane(lo, 1) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
  for (let t = whole << 2; t < length; t++) total += <f64>load<f32>(s + ((<usize>(t & 3)) << 2));
  return total;
}
