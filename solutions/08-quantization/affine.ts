// Lesson 08 exercise 08.1: model solution (see exercises/08-quantization/affine.ts for the task). Same rule
// as course-lib/quantize/calibrate.ts activationParams, which the graded tests compare against.

export interface AffineParams {
  scale: number;
  zeroPoint: number;
}

/** C's round(): half away from zero. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

export function affineParams(min: number, max: number): AffineParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`affineParams: need finite min <= max, got min ${min}, max ${max}`);
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1 / 255);
  const zeroPoint = Math.min(127, Math.max(-128, roundHalfAway(-128 - lo / scale)));
  return { scale, zeroPoint };
}

export function quantize(values: ArrayLike<number>, params: AffineParams): Int8Array {
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(127, Math.max(-128, roundHalfAway(values[i] / params.scale) + params.zeroPoint));
  }
  return out;
}

export function dequantize(q: ArrayLike<number>, params: AffineParams): Float32Array {
  return Float32Array.from(q, (v) => (v - params.zeroPoint) * params.scale);
}
