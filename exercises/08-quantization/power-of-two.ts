// Lesson 08 exercise 08.5: power-of-two (log2) weights, whose multiplies become shifts.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/08-quantization.ipynb
// prints "exercise 08.5 not implemented yet: showing the reference" and uses the course's version
// (course-lib/quantize/fake-quant.ts quantizePowerOfTwo). Check your work with `npm run grade -- --only 08.5`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 08.5: quantize-dequantize values to the power-of-two levels of a b-bit code.
 *
 * A b-bit code is one sign bit and b − 1 bits of magnitude code. Code 0 is zero; the other 2^(b−1) − 1 codes
 * are α·2^−j for j = 0, 1, …, 2^(b−1) − 2, where α = maxAbs. So the levels are
 *   {0} ∪ {±α·2^−j : 0 ≤ j ≤ 2^(b−1) − 2}       e.g. bits 3: 0, ±α/4, ±α/2, ±α   (7 levels, like 3-bit uniform)
 *
 * TODO: map every value to the nearest level: the same sign, the nearest magnitude in the set; a magnitude
 * exactly halfway between two levels goes to the larger one; magnitudes above α become α. Return a
 * Float32Array. When maxAbs is 0, every value becomes 0.
 *
 *   quantizePowerOfTwo([1, -0.3, 0.2, 0.1, 0.05], 3, 1)  →  [1, -0.25, 0.25, 0, 0]
 *       (0.3 → 0.25; 0.2 is nearer 0.25 than 0; 0.1 is nearer 0 than 0.25, halfway is 0.125)
 *
 * `maxAbs` defaults to the largest |value| (so the largest value is kept exactly).
 * Throw a RangeError naming the value when bits is not a whole number from 2 to 8, or maxAbs is negative or
 * not finite.
 */
export function quantizePowerOfTwo(values: ArrayLike<number>, bits: number, maxAbs?: number): Float32Array {
  notImplemented("08.5");
}
