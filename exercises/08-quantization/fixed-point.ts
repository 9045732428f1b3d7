// Lesson 08 exercises 08.2 and 08.3: the fixed-point arithmetic TensorFlow Lite Micro requantizes with.
//
//   08.2  quantizeMultiplier   a real factor like s_in·s_w/s_out as an int32 multiplier and a shift
//   08.3  saturatingRoundingDoublingHighMul, roundingDivideByPOT, multiplyByQuantizedMultiplier
//         the int32 accumulator × that factor, rounded exactly as TFLM rounds (twice)
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/08-quantization.ipynb
// prints "exercise 08.2 not implemented yet: showing the reference" and uses the course's version
// (course-lib/quantize/fixed-point.ts). Check your work with `npm run grade -- --only 08.2` (or 08.3).
//
// A 32 × 32-bit product needs 64 bits, more than a JavaScript number holds exactly (2^53). BigInt is the
// simple exact way (BigInt(a) * BigInt(b)); the library splits the product into 16-bit halves instead,
// which is faster. Either is fine here: the answers must be exact.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface QuantizedMultiplier {
  /** int32 multiplier with the binary point at bit 31: 2^30..2^31−1 for a positive real, 0 for 0. */
  multiplier: number;
  /** TFLM's convention: > 0 shifts left, < 0 shifts right. real ≈ multiplier · 2^shift / 2^31. */
  shift: number;
}

/**
 * Exercise 08.2: TFLM's QuantizeMultiplier.
 *
 * TODO:
 * - real = 0 → { multiplier: 0, shift: 0 }.
 * - Otherwise write real = q · 2^shift with q ∈ [0.5, 1) (C's frexp: shift = the smallest integer with
 *   real < 2^shift; powers of two and Math.log2 need care at the edges, so check q really is in [0.5, 1)).
 * - multiplier = round(q · 2^31), half away from zero. If that rounds up to exactly 2^31, halve it and add
 *   1 to shift.
 * - If shift < −31, the factor is too small to matter: return { multiplier: 0, shift: 0 }.
 *
 *   quantizeMultiplier(0.25)   →  { multiplier: 2^30, shift: -1 }          (0.25 = 0.5 · 2^−1)
 *   quantizeMultiplier(1 / 3)  →  { multiplier: 1431655765, shift: -1 }
 *   quantizeMultiplier(3)      →  { multiplier: 1610612736, shift: 2 }     (3 = 0.75 · 2^2)
 *
 * Throw a RangeError naming the value when real is negative or not a finite number.
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  notImplemented("08.2");
}

/**
 * Exercise 08.3a: gemmlowp's SaturatingRoundingDoublingHighMul(a, b) for int32 a and b.
 *
 * TODO: the high 32 bits of 2·a·b, rounded half toward +∞: floor((a·b + 2^30) / 2^31), computed exactly.
 * The one case that overflows, a = b = −2^31, returns 2^31 − 1.
 *
 *   saturatingRoundingDoublingHighMul(1, 2^30)   →  1     (0.5 rounds up)
 *   saturatingRoundingDoublingHighMul(-1, 2^30)  →  0     (−0.5 rounds toward +∞, to 0)
 *   saturatingRoundingDoublingHighMul(-3, 2^30)  →  -1    (−1.5 → −1)
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  notImplemented("08.3");
}

/**
 * Exercise 08.3b: gemmlowp's RoundingDivideByPOT(x, exponent): x / 2^exponent for int32 x and exponent
 * 0..31, rounded half AWAY from zero.
 *
 * TODO: one way, as gemmlowp does it: mask = 2^exponent − 1, remainder = x & mask,
 * threshold = (mask >> 1) + (x < 0 ? 1 : 0), result = (x >> exponent) + (remainder > threshold ? 1 : 0).
 *
 *   roundingDivideByPOT(3, 1)   →  2     (1.5 → 2)
 *   roundingDivideByPOT(-3, 1)  →  -2    (−1.5 → −2)
 *   roundingDivideByPOT(-1, 1)  →  -1    (−0.5 → −1)
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  notImplemented("08.3");
}

/**
 * Exercise 08.3c: TFLM's MultiplyByQuantizedMultiplier(x, multiplier, shift), the requantization of every
 * int8 kernel: x · multiplier · 2^shift / 2^31, rounded twice.
 *
 * TODO: left = max(shift, 0), right = max(−shift, 0);
 *   result = roundingDivideByPOT(saturatingRoundingDoublingHighMul(x · 2^left, multiplier), right)
 * (x · 2^left as an int32 multiply, Math.imul(x, 1 << left): it wraps on overflow as C does).
 *
 * With multiplier 2^30 and shift −1 (a factor of 0.25) the two roundings give
 *   x = 1 → 1,  5 → 2,  −2 → −1,  −6 → −2,  6 → 2     (a single exact rounding would give 0, 1, 0, −1, 2)
 *
 * Throw a RangeError naming the value when x or multiplier is not an int32 or shift is not an integer in
 * [−31, 30].
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  notImplemented("08.3");
}
