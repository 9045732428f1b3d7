// Lesson 08 exercise 08.1: the affine map between real numbers and int8, real = (q − zeroPoint) · scale.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/08-quantization.ipynb
// prints "exercise 08.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/quantize/calibrate.ts activationParams). Check your work with `npm run grade -- --only 08.1`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** How an int8 activation tensor encodes reals: real = (q − zeroPoint) · scale. */
export interface AffineParams {
  /** The real step between two neighbouring int8 values, a float32 value (Math.fround). */
  scale: number;
  /** The int8 value (−128..127) that stands for real 0. */
  zeroPoint: number;
}

/**
 * Exercise 08.1a: TFLite's scale and zero point for an activation whose values lie in [min, max].
 *
 * TODO:
 * 1. Widen the range to contain 0: lo = min(min, 0), hi = max(max, 0). (Zero must be exactly representable:
 *    zero padding and ReLU's cut-off are real 0, and must land on an integer.)
 * 2. scale = Math.fround((hi − lo) / 255) (int8 has 255 steps from −128 to 127; a .tflite stores float32).
 *    When hi = lo (the range [0, 0]) use scale = Math.fround(1 / 255).
 * 3. zeroPoint = round(−128 − lo / scale), rounding half away from zero, then clamped to [−128, 127].
 *
 *   affineParams(-3, 1)  →  { scale: Math.fround(4 / 255), zeroPoint: 63 }     (−128 + 3·255/4 = 63.25 → 63)
 *   affineParams(0, 6)   →  { scale: Math.fround(6 / 255), zeroPoint: -128 }   (ReLU6 outputs)
 *   affineParams(2, 5)   →  the range becomes [0, 5]: { scale: Math.fround(5 / 255), zeroPoint: -128 }
 *
 * Throw a RangeError naming both values when min or max is not a finite number or min > max.
 */
export function affineParams(min: number, max: number): AffineParams {
  notImplemented("08.1");
}

/**
 * Exercise 08.1b: quantize reals to int8.
 *
 * TODO: q = clamp(round(x / scale) + zeroPoint, −128, 127), rounding half away from zero (C's round, which
 * TFLite uses: 2.5 → 3, −2.5 → −3; JavaScript's Math.round sends −2.5 to −2). Compute x / scale in double.
 * Return an Int8Array with one value per input.
 *
 *   quantize([0, 1, -1, 100], { scale: 0.5, zeroPoint: -10 })  →  [-10, -8, -12, 127]   (100 clamps)
 */
export function quantize(values: ArrayLike<number>, params: AffineParams): Int8Array {
  notImplemented("08.1");
}

/**
 * Exercise 08.1c: dequantize int8 back to reals.
 *
 * TODO: real = (q − zeroPoint) · scale, as a Float32Array.
 *
 *   dequantize([-10, -8, -12], { scale: 0.5, zeroPoint: -10 })  →  [0, 1, -1]
 */
export function dequantize(q: ArrayLike<number>, params: AffineParams): Float32Array {
  notImplemented("08.1");
}
