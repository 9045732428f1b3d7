// int8 HARD_SWISH, x·relu6(x + 3)/6, with TensorFlow Lite Micro's integer semantics
// (micro/kernels/hard_swish_common.cc prepare, kernels/internal/reference/hard_swish.h eval), in int16
// fixed point:
//   prepare, in float32 as TFLM: hires = s_in/128, output multiplier from hires/s_out, "reluish" multiplier
//   from hires/(3/32768), each QuantizeMultiplier'd and then rounded down to an int16 multiplier.
//   eval: v = (q − zp_in)·128; pre = SRDHM16(v, out_mult) (x on the output scale before its shift);
//   reluish = v rescaled so that 3.0 ↦ 32768 (saturating), mapped from [−1, 1] to [0, 1];
//   out = RoundingDivideByPOT16(SQDMULH16(reluish, pre), −out_exp) + zp_out, clamped. The last multiply
//   truncates on purpose (TFLM's comment: it cancels the bias of the rounding ones).
// TFLM rejects a positive output exponent (roughly s_out < s_in/128); so does prepareHardSwish.
// Prepare runs this per-element arithmetic once for each of the 256 int8 inputs; eval is a table lookup
// (the same bytes, much faster).
//
// rounding: "single" gives the same arithmetic: the op never calls MultiplyByQuantizedMultiplier, and
// desktop TFLite's builtin int8 HARD_SWISH runs this same int16 code (activations.cc shares hard_swish.h).
// Whether a given XNNPACK build delegates int8 HARD_SWISH (newer ones have a qs8 table) is not verified here.

import { quantizeMultiplier } from "../fixed-point";
import type { Rounding } from "../fixed-point";
import {
  roundingDivideByPOT16,
  saturatingDoublingHighMul16,
  saturatingLeftShift16,
  saturatingRoundingDoublingHighMul16,
  toInt16,
} from "./gemmlowp-fixed-point";

export interface HardSwishPlan {
  rounding: Rounding;
  inZeroPoint: number;
  outZeroPoint: number;
  outputMultiplierInt16: number;
  outputExponent: number;
  reluishMultiplierInt16: number;
  reluishExponent: number;
  /** out[q + 128] for every int8 input q, computed by hardSwishElement. */
  table: Int8Array;
}

/**
 * Input scales at or above this are rejected by prepareHardSwish: the reluish multiplier (s_in/128)/(3/32768)
 * needs an exponent ≤ 30, i.e. s_in < 3·2^22 (rounding of the multiplier can move the edge by an ulp).
 */
export const HARD_SWISH_INPUT_SCALE_BELOW = 3 * 2 ** 22;

/** TFLM's DownScaleInt32ToInt16Multiplier: (M + 2^15) >> 16, saturating at 32767. */
export function downScaleInt32ToInt16Multiplier(multiplier: number): number {
  if (multiplier >= 2147483647 - 32768) return 32767;
  return (multiplier + 32768) >> 16;
}

export function prepareHardSwish(p: {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  rounding: Rounding;
}): HardSwishPlan {
  for (const [name, zp] of [["input", p.inZeroPoint], ["output", p.outZeroPoint]] as [string, number][]) {
    if (!(Number.isInteger(zp) && zp >= -128 && zp <= 127)) throw new Error(`hardSwish: ${name} zero point must be an int8, got ${zp}`);
  }
  if (!(p.inScale > 0) || !(p.outScale > 0)) {
    throw new Error(`hardSwish: scales must be positive, got input ${p.inScale}, output ${p.outScale}`);
  }
  const hiresInputScale = Math.fround(Math.fround(1 / 128) * Math.fround(p.inScale));
  const reluishScale = Math.fround(3 / 32768);
  // float32 divisions, as in TFLM, then widened to double for QuantizeMultiplier (double rounding always:
  // TFLM has no single-rounding variant of this op).
  const output = quantizeMultiplier(Math.fround(hiresInputScale / Math.fround(p.outScale)));
  if (output.shift > 0) {
    throw new Error(
      `hardSwish: output multiplier (s_in/128)/s_out = ${hiresInputScale / p.outScale} has exponent ${output.shift} > 0, which TFLM rejects; the output scale ${p.outScale} must be at least about input scale/128 = ${p.inScale / 128}`,
    );
  }
  const reluish = quantizeMultiplier(Math.fround(hiresInputScale / reluishScale));
  if (reluish.shift > 30) {
    throw new Error(`hardSwish: input scale ${p.inScale} is too large (reluish exponent ${reluish.shift} > 30)`);
  }
  const plan: HardSwishPlan = {
    rounding: p.rounding,
    inZeroPoint: p.inZeroPoint,
    outZeroPoint: p.outZeroPoint,
    outputMultiplierInt16: downScaleInt32ToInt16Multiplier(output.multiplier),
    outputExponent: output.shift,
    reluishMultiplierInt16: downScaleInt32ToInt16Multiplier(reluish.multiplier),
    reluishExponent: reluish.shift,
    table: new Int8Array(256),
  };
  for (let q = -128; q <= 127; q++) plan.table[q + 128] = hardSwishElement(plan, q);
  return plan;
}

export function hardSwishInt8(plan: HardSwishPlan, input: Int8Array, output: Int8Array): void {
  if (output.length !== input.length) {
    throw new Error(`hardSwish: output length ${output.length} must equal input length ${input.length}`);
  }
  const table = plan.table;
  for (let i = 0; i < input.length; i++) output[i] = table[input[i] + 128];
}

/** TFLM's reference_ops::HardSwish for one int8 input value q. */
export function hardSwishElement(plan: HardSwishPlan, q: number): number {
  const { inZeroPoint, outZeroPoint, outputMultiplierInt16, outputExponent, reluishMultiplierInt16, reluishExponent } = plan;
  const hires = toInt16(toInt16(q - inZeroPoint) * 128);
  const preshift = saturatingRoundingDoublingHighMul16(hires, outputMultiplierInt16);
  let reluish = hires;
  // Left shifts saturate in two steps so that only the last one can clip the result (TFLM's comment).
  if (reluishExponent > 0) reluish = saturatingLeftShift16(reluish, reluishExponent - 1);
  reluish = saturatingRoundingDoublingHighMul16(reluish, reluishMultiplierInt16);
  if (reluishExponent > 0) reluish = saturatingLeftShift16(reluish, 1);
  if (reluishExponent < 0) reluish = roundingDivideByPOT16(reluish, -reluishExponent);
  reluish = (reluish + 32768) >> 1; // [−1, 1] → [0, 1] in Q0.15
  const product = saturatingDoublingHighMul16(reluish, preshift);
  // int16 arithmetic as in C: the zero point is added to an int16_t (wraps), then clamped to int8.
  const v = toInt16(roundingDivideByPOT16(product, -outputExponent) + outZeroPoint);
  return v > 127 ? 127 : v < -128 ? -128 : v;
}
