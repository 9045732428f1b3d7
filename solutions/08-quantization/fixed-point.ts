// Lesson 08 exercises 08.2-08.3: model solutions (see exercises/08-quantization/fixed-point.ts for the
// tasks). Written with BigInt for clarity; course-lib/quantize/fixed-point.ts computes the same integers
// without BigInt (faster), and the graded tests compare against it and against the notes' vectors.

export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function isInt32(v: number): boolean {
  return typeof v === "number" && (v | 0) === v;
}

export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!Number.isFinite(real) || real < 0) {
    throw new RangeError(`quantizeMultiplier: the real factor must be finite and >= 0, got ${real}`);
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  // frexp: real = q · 2^shift, q ∈ [0.5, 1). log2 can be off by one near powers of two: correct it.
  let shift = Math.ceil(Math.log2(real)) + 0; // + 0: Math.ceil(−0.4) is −0
  if (real / 2 ** shift >= 1) shift += 1;
  if (real / 2 ** shift < 0.5) shift -= 1;
  const q = real / 2 ** shift; // exact: dividing by a power of two only moves the exponent
  let multiplier = Math.round(q * 2 ** 31); // q > 0, so Math.round is half away from zero here
  if (multiplier === 2 ** 31) {
    multiplier /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier, shift };
}

export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const product = BigInt(a) * BigInt(b) + BigInt(2 ** 30);
  // BigInt >> is an arithmetic shift, i.e. floor division by 2^31.
  return Number(product >> BigInt(31));
}

export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = exponent === 0 ? 0 : 0xffffffff >>> (32 - exponent);
  const remainder = x & mask;
  const threshold = (mask >>> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  if (!isInt32(x)) throw new RangeError(`multiplyByQuantizedMultiplier: x must be an int32, got ${x}`);
  if (!isInt32(multiplier)) throw new RangeError(`multiplyByQuantizedMultiplier: multiplier must be an int32, got ${multiplier}`);
  if (!Number.isInteger(shift) || shift < -31 || shift > 30) {
    throw new RangeError(`multiplyByQuantizedMultiplier: shift must be an integer in [-31, 30], got ${shift}`);
  }
  const left = Math.max(shift, 0);
  const right = Math.max(-shift, 0);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(Math.imul(x, 2 ** left), multiplier), right);
}
