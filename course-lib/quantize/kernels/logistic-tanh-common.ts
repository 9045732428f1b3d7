// What TFLM's int8 LOGISTIC and TANH share: the prepare step that maps input scale to a Q4.27 multiplier and
// an input radius (micro/kernels/logistic_common.cc and tanh.cc compute it identically), the fixed-point
// eval around a gemmlowp function, and, for rounding "single", desktop TFLite's 256-entry table.
//
// An int8 elementwise op has only 256 possible inputs, so prepare evaluates TFLM's fixed-point path once per
// input value and eval is a table lookup: the same bytes as running it per element, ~100× faster.

import { frexp, multiplyByQuantizedMultiplierDouble } from "../fixed-point";
import type { Rounding } from "../fixed-point";
import { roundingDivideByPOT } from "../fixed-point";
import { calculateInputRadius } from "./softmax";

export interface FixedPointActivationPlan {
  rounding: Rounding;
  inZeroPoint: number;
  /** s_in·2^27 as (multiplier, left shift): input − zp → Q4.27. */
  inputMultiplier: number;
  inputLeftShift: number;
  /** |input − zp| at or beyond this saturates to −128 / 127 without evaluating the function. */
  inputRadius: number;
  /** out[q + 128]: TFLM's fixed-point result for each input (or, rounding "single", desktop TFLite's LUT). */
  table: Int8Array;
}

const INPUT_INTEGER_BITS = 4;

/**
 * The input scales prepareFixedPointActivation accepts: frexp(s_in·2^27) must have an exponent in [0, 31],
 * i.e. min ≤ s_in < below (on the float32 scale). quantizeModel keeps LOGISTIC/TANH inputs inside it.
 */
export const FIXED_POINT_ACTIVATION_INPUT_SCALE = { min: 2 ** -28, below: 2 ** 4 } as const;

/** TFLM prepare: frexp(s_in·2^27) → (round(q·2^31), exponent), radius = CalculateInputRadius(4, shift). */
export function prepareFixedPointActivation(
  op: string,
  inScale: number,
  inZeroPoint: number,
  rounding: Rounding,
  f: (q4: number, integerBits: number) => number,
  outShift: number,
  outZeroPoint: number,
): FixedPointActivationPlan {
  if (!(inScale > 0 && Number.isFinite(inScale))) throw new Error(`${op}: input scale must be positive, got ${inScale}`);
  if (!(Number.isInteger(inZeroPoint) && inZeroPoint >= -128 && inZeroPoint <= 127)) {
    throw new Error(`${op}: input zero point must be an int8, got ${inZeroPoint}`);
  }
  const { fraction, exponent } = frexp(Math.fround(inScale) * 2 ** (31 - INPUT_INTEGER_BITS));
  // fraction·2^31 is an integer: a float32 mantissa has 24 bits, so no rounding happens here.
  const inputMultiplier = Math.round(fraction * 2 ** 31);
  if (exponent < 0 || exponent > 31) {
    // CalculateInputRadius shifts by it (1LL << shift); TFLM has no meaning for a negative one.
    throw new Error(`${op}: input scale ${inScale} gives input left shift ${exponent}, outside [0, 31] (scale must be in [2^-27, 16])`);
  }
  const plan: FixedPointActivationPlan = {
    rounding,
    inZeroPoint,
    inputMultiplier,
    inputLeftShift: exponent,
    inputRadius: calculateInputRadius(INPUT_INTEGER_BITS, exponent, 31),
    table: new Int8Array(256),
  };
  for (let q = -128; q <= 127; q++) plan.table[q + 128] = fixedPointActivation(plan, q, f, outShift, outZeroPoint);
  return plan;
}

/**
 * TFLM's eval for one input value: saturate outside the radius, else f(Q4.27) in Q0.31,
 * RoundingDivideByPOT(·, outShift) (23 for logistic, 24 for tanh), plus the output zero point, clamped.
 */
function fixedPointActivation(
  plan: FixedPointActivationPlan,
  q: number,
  f: (q4: number, integerBits: number) => number,
  outShift: number,
  outZeroPoint: number,
): number {
  const x = q - plan.inZeroPoint;
  if (x <= -plan.inputRadius) return -128;
  if (x >= plan.inputRadius) return 127;
  const q4 = multiplyByQuantizedMultiplierDouble(x, plan.inputMultiplier, plan.inputLeftShift);
  const v = roundingDivideByPOT(f(q4, INPUT_INTEGER_BITS), outShift) + outZeroPoint;
  return v > 127 ? 127 : v < -128 ? -128 : v;
}

/** output[i] = table[input[i] + 128]. */
export function lookupInt8(op: string, table: Int8Array, input: Int8Array, output: Int8Array): void {
  if (output.length !== input.length) {
    throw new Error(`${op}: output length ${output.length} must equal input length ${input.length}`);
  }
  for (let i = 0; i < input.length; i++) output[i] = table[input[i] + 128];
}

/**
 * Desktop TFLite's LUTPopulate<int8_t> (kernels/internal/common.h): in float32, x = s_in·(q − zp),
 * y = f(x), round(y · (1/s_out)) half away from zero, + zp_out, clamped. `f` is evaluated in double and
 * rounded to float32, standing in for C's float expf/tanhf (they can differ in the last bit in rare cells).
 */
export function buildDesktopTable(
  inScale: number,
  inZeroPoint: number,
  outScale: number,
  outZeroPoint: number,
  f: (x: number) => number,
): Int8Array {
  const table = new Int8Array(256);
  const inverseScale = Math.fround(1 / Math.fround(outScale));
  const s = Math.fround(inScale);
  for (let q = -128; q <= 127; q++) {
    const x = Math.fround(s * (q - inZeroPoint));
    const y = Math.fround(f(x));
    const scaled = Math.fround(y * inverseScale);
    const rounded = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
    const v = rounded + outZeroPoint;
    table[q + 128] = v > 127 ? 127 : v < -128 ? -128 : v;
  }
  return table;
}
