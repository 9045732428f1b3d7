// Lesson 08 exercise 08.5: model solution (see exercises/08-quantization/power-of-two.ts for the task). Same
// level set as course-lib/quantize/fake-quant.ts quantizePowerOfTwo, which the graded tests compare against.

export function quantizePowerOfTwo(values: ArrayLike<number>, bits: number, maxAbs?: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    throw new RangeError(`quantizePowerOfTwo: bits must be a whole number from 2 to 8, got ${bits}`);
  }
  let alpha = maxAbs;
  if (alpha === undefined) {
    alpha = 0;
    for (let i = 0; i < values.length; i++) alpha = Math.max(alpha, Math.abs(values[i]));
  }
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new RangeError(`quantizePowerOfTwo: maxAbs must be finite and >= 0, got ${alpha}`);
  }
  // Magnitudes ascending: 0, α·2^−(2^(b−1)−2), …, α/2, α.
  const levels = [0];
  for (let j = 2 ** (bits - 1) - 2; j >= 0; j--) levels.push(alpha * 2 ** -j);
  const out = new Float32Array(values.length);
  if (alpha === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const m = Math.abs(values[i]);
    let best = levels[levels.length - 1];
    for (let k = 0; k + 1 < levels.length; k++) {
      if (m < levels[k + 1]) {
        // Halfway or above goes to the larger magnitude.
        best = m - levels[k] < levels[k + 1] - m ? levels[k] : levels[k + 1];
        break;
      }
    }
    out[i] = Math.sign(values[i]) * best + 0; // + 0 turns −0 into 0
  }
  return out;
}
