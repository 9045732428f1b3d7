// TensorFlow Lite Micro's fixed-point requantization arithmetic, exact in JavaScript.
//
// An int8 kernel accumulates in int32 and scales the sum by a real factor (s_in·s_w/s_out) that TFLM stores
// as an int32 multiplier M and a shift: real ≈ M · 2^shift / 2^31 (shift > 0 = left shift, TFLM's sign
// convention). TFLM applies it with *double rounding* (gemmlowp's SaturatingRoundingDoublingHighMul, ties
// toward +∞, then RoundingDivideByPOT, ties away from zero); builds with TFLITE_SINGLE_ROUNDING (XNNPACK in
// desktop TFLite) round once, ties toward +∞. Both are here; "double" is the default everywhere.
//
// The 64-bit products are computed exactly without BigInt: when |x·M| < 2^52 the double product is exact and
// one floor() does the rounding; otherwise x is split into 16-bit halves so every partial product and sum
// stays below 2^53. The same formulas in C are in course-lib/deploy/c/fixed_point.h (the firmware's copy);
// fixed-point.test.ts checks the two against each other on 10^6 random cases compiled with gcc.

export type Rounding = "double" | "single";

export interface QuantizedMultiplier {
  /** int32 multiplier with the binary point at bit 31 (2^30..2^31−1 for a normalised positive real). */
  multiplier: number;
  /** TFLM convention: > 0 shifts left, < 0 shifts right. */
  shift: number;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_52 = 4503599627370496;
const TWO_30 = 1073741824;
const TWO_31 = 2147483648;

/** POW2[k] = 2^k for k = 0..63, exact doubles. */
const POW2 = new Float64Array(64);
for (let k = 0; k < 64; k++) POW2[k] = Math.pow(2, k);

function checkInt32(value: number, name: string): void {
  if ((value | 0) !== value) throw new RangeError(`${name} must be an int32, got ${value}`);
}

/** floor(a·b / 2^16), exact for int32 a and b (the split keeps every term below 2^48). */
function mulHigh16(a: number, b: number): number {
  const lo = a & 0xffff;
  const hi = a >> 16;
  return hi * b + Math.floor((lo * b) / 65536);
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2·a·b, rounded half toward +∞, i.e.
 * floor((a·b + 2^30) / 2^31). The only saturation: INT32_MIN × INT32_MIN → INT32_MAX.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  checkInt32(a, "saturatingRoundingDoublingHighMul: a");
  checkInt32(b, "saturatingRoundingDoublingHighMul: b");
  return srdhm(a, b);
}

function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const p = a * b;
  // A rounded product below 2^52 in magnitude means the exact product is below 2^52 (rounding is monotone
  // and integers up to 2^53 are exact), so p + 2^30 is exact too.
  if (p > -TWO_52 && p < TWO_52) return Math.floor((p + TWO_30) / TWO_31) | 0;
  // floor((P + 2^30)/2^31) = floor((floor(P/2^16) + 2^14) / 2^15).
  return Math.floor((mulHigh16(a, b) + 16384) / 32768) | 0;
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded half away from zero, exponent ∈ [0, 31]. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  checkInt32(x, "roundingDivideByPOT: x");
  if (!(Number.isInteger(exponent) && exponent >= 0 && exponent <= 31)) {
    throw new RangeError(`roundingDivideByPOT: exponent must be an integer in [0, 31], got ${exponent}`);
  }
  return rdbpot(x, exponent);
}

function rdbpot(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = 0xffffffff >>> (32 - exponent);
  const remainder = x & mask;
  const threshold = (mask >>> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLM's default MultiplyByQuantizedMultiplier: RoundingDivideByPOT(SRDHM(x·2^left, M), right). The left
 * shift is an int32 multiply that wraps as on the MCU (C's x * (1 << left), which no sane graph overflows).
 * No argument checks: the kernels' inner loops call this with parameters validated at prepare time.
 */
export function multiplyByQuantizedMultiplierDouble(x: number, multiplier: number, shift: number): number {
  if (shift > 0) return srdhm(Math.imul(x, 1 << shift), multiplier);
  return rdbpot(srdhm(x, multiplier), -shift);
}

/**
 * TFLITE_SINGLE_ROUNDING's MultiplyByQuantizedMultiplier: (x·M + 2^(30−shift)) >> (31−shift) in int64,
 * one rounding, half toward +∞. TFLM only DCHECKs that the result fits int32; here a result outside int32
 * is a RangeError rather than a silently wrapped value. No other argument checks (see the double variant).
 */
export function multiplyByQuantizedMultiplierSingle(x: number, multiplier: number, shift: number): number {
  const totalShift = 31 - shift; // 1..62 for shift ∈ [−31, 30]
  const p = x * multiplier;
  let result: number;
  if (totalShift <= 52 && p > -TWO_52 && p < TWO_52) {
    result = Math.floor((p + POW2[totalShift - 1]) / POW2[totalShift]);
  } else if (totalShift >= 17) {
    // floor((P + 2^(t−1))/2^t) = floor((floor(P/2^16) + 2^(t−17)) / 2^(t−16)).
    result = Math.floor((mulHigh16(x, multiplier) + POW2[totalShift - 17]) / POW2[totalShift - 16]);
  } else {
    result = Infinity; // |P| ≥ 2^52 with a shift of at most 16: the result is at least 2^36
  }
  if (result > INT32_MAX || result < INT32_MIN) {
    throw new RangeError(
      `multiplyByQuantizedMultiplier (single rounding): ${x}·${multiplier}·2^${shift}/2^31 does not fit int32`,
    );
  }
  return result;
}

/** The requantization function of a rounding mode, for kernels to pick once per call instead of per element. */
export function requantizer(rounding: Rounding): (x: number, multiplier: number, shift: number) => number {
  if (rounding === "double") return multiplyByQuantizedMultiplierDouble;
  if (rounding === "single") return multiplyByQuantizedMultiplierSingle;
  throw new RangeError(`rounding must be "double" (TFLM) or "single" (TFLITE_SINGLE_ROUNDING), got ${String(rounding)}`);
}

/**
 * x · M · 2^shift / 2^31 rounded as TFLM does: `rounding: "double"` (default, TFLM and CMSIS-NN) or "single"
 * (TFLITE_SINGLE_ROUNDING, desktop XNNPACK). x and M are int32, shift ∈ [−31, 30]; single rounding also
 * needs M ≥ 0 (TFLM's precondition).
 */
export function multiplyByQuantizedMultiplier(
  x: number,
  multiplier: number,
  shift: number,
  rounding: Rounding = "double",
): number {
  checkInt32(x, "multiplyByQuantizedMultiplier: x");
  checkInt32(multiplier, "multiplyByQuantizedMultiplier: multiplier");
  if (!(Number.isInteger(shift) && shift >= -31 && shift <= 30)) {
    throw new RangeError(`multiplyByQuantizedMultiplier: shift must be an integer in [-31, 30], got ${shift}`);
  }
  if (rounding === "single" && multiplier < 0) {
    throw new RangeError(`multiplyByQuantizedMultiplier (single rounding): multiplier must be ≥ 0, got ${multiplier}`);
  }
  return requantizer(rounding)(x, multiplier, shift);
}

const frexpView = new DataView(new ArrayBuffer(8));

/** C's frexp: m = q · 2^exponent with |q| ∈ [0.5, 1), exact (reads the IEEE-754 fields). */
export function frexp(m: number): { fraction: number; exponent: number } {
  if (m === 0 || !Number.isFinite(m)) return { fraction: m, exponent: 0 };
  let bias = 0;
  if (Math.abs(m) < 2.2250738585072014e-308) {
    m *= POW2[63] * 2; // subnormal: scale into the normal range first (×2^64, exact)
    bias = -64;
  }
  frexpView.setFloat64(0, m);
  const high = frexpView.getUint32(0);
  const biasedExponent = (high >>> 20) & 0x7ff;
  frexpView.setUint32(0, (high & 0x800fffff) | (1022 << 20)); // exponent field of [0.5, 1)
  return { fraction: frexpView.getFloat64(0), exponent: biasedExponent - 1022 + bias };
}

/**
 * C's round() / TfLiteRound: half away from zero (Math.round sends −2.5 to −2). The one definition in
 * course-lib/quantize; Math.round of the magnitude, not floor(v + 0.5), which rounds 0.49999999999999994 up.
 */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * TFLM's QuantizeMultiplier: real ≈ multiplier · 2^shift / 2^31 with q = frexp(real), multiplier =
 * round(q · 2^31) (half away from zero), renormalised when that rounds up to 2^31; multipliers below 2^−32
 * flush to (0, 0). With `rounding: "single"`, shifts above 30 saturate to (2^31−1, 30) as under
 * TFLITE_SINGLE_ROUNDING. `real` is a double: pass products/quotients of Math.fround'ed scales in TFLM's order.
 */
export function quantizeMultiplier(real: number, rounding: Rounding = "double"): QuantizedMultiplier {
  if (!Number.isFinite(real)) throw new RangeError(`quantizeMultiplier: the real multiplier must be finite, got ${real}`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(real);
  let shift = exponent;
  let qFixed = roundHalfAway(fraction * TWO_31);
  if (qFixed === TWO_31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (rounding === "single" && shift > 30) return { multiplier: INT32_MAX, shift: 30 };
  return { multiplier: qFixed, shift };
}

/** TFLM's QuantizeMultiplierSmallerThanOneExp (ADD's multipliers): requires 0 < real < 1 and a shift ≤ 0. */
export function quantizeMultiplierSmallerThanOneExp(real: number, rounding: Rounding = "double"): QuantizedMultiplier {
  if (!(real > 0 && real < 1)) {
    throw new RangeError(`quantizeMultiplierSmallerThanOneExp: the real multiplier must be in (0, 1), got ${real}`);
  }
  const q = quantizeMultiplier(real, rounding);
  if (q.shift > 0) {
    throw new RangeError(`quantizeMultiplierSmallerThanOneExp: ${real} rounds to a multiplier ≥ 1 (shift ${q.shift})`);
  }
  return q;
}

/**
 * MEAN's folded 1/N (TFLM reference/reduce.h, QuantizedMeanOrSum): k = min(floor(log2 N), 32, 31 + shift),
 * multiplier' = trunc((int64 multiplier << k) / N), shift' = shift − k. Runs once per op, so BigInt is fine.
 */
export function foldMeanMultiplier(q: QuantizedMultiplier, count: number): QuantizedMultiplier {
  if (!(Number.isInteger(count) && count > 0 && count <= 0xffffffff)) {
    throw new RangeError(`foldMeanMultiplier: count must be an integer in [1, 2^32), got ${count}`);
  }
  const floorLog2 = 31 - Math.clz32(count); // 63 − CountLeadingZeros(uint64 N) in TFLM
  const k = Math.min(floorLog2, 32, 31 + q.shift);
  const folded = (BigInt(q.multiplier) << BigInt(k)) / BigInt(count); // BigInt division truncates, as C's
  return { multiplier: Number(folded), shift: q.shift - k };
}
