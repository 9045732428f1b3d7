// int8 SOFTMAX with TensorFlow Lite Micro's integer semantics (micro/kernels/softmax_common.cc prepare,
// kernels/internal/reference/softmax.h eval), over rows of `depth` values along the last dimension.
//
// Per row: d = q − max(row) ≤ 0 (the zero point cancels). Differences below diff_min give exp ≈ 0 and output
// −128. The rest are scaled by beta·s_in into Q5.26 (input_beta_multiplier/left_shift), exponentiated with
// gemmlowp's exp_on_negative_values (Q0.31), summed in Q12.19, the sum inverted with TFLM's GetReciprocal,
// and each exp times the reciprocal is shifted to the output scale 1/256 and offset by −128.
// A difference of two int8 values takes only 256 values (−255..0), so prepare evaluates the scaling and
// exp once for each; the row loop then does TFLM's sum, reciprocal and output multiply exactly as before.
//
// rounding: "double" is TFLM (no TFLITE_SINGLE_ROUNDING). "single" is this same reference kernel built with
// TFLITE_SINGLE_ROUNDING: the beta multiplier is capped at 2^30 − 1 instead of 2^31 − 1 and applied with the
// single-rounding MultiplyByQuantizedMultiplier. It is NOT desktop TFLite's optimized int8 softmax (which
// works from a float exp table) nor XNNPACK; outputs of those can differ by a few LSB.

import {
  multiplyByQuantizedMultiplierSingle,
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from "../fixed-point";
import type { Rounding } from "../fixed-point";
import { expOnNegativeValues, getReciprocal, rescale } from "./gemmlowp-fixed-point";

export interface SoftmaxParams {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  beta: number;
  rounding: Rounding;
}

export interface SoftmaxPlan {
  rounding: Rounding;
  /** beta·s_in·2^26 as TFLM's (multiplier, left shift ≥ 0). */
  inputMultiplier: number;
  inputLeftShift: number;
  /** Differences below this (≤ 0) contribute nothing and output −128. */
  diffMin: number;
  /** expOfDiff[−d] = exp(d·beta·s_in) in Q0.31 for d = 0..−255, or −1 when d < diffMin. */
  expOfDiff: Int32Array;
  /** The same in the Q12.19 accumulator (gemmlowp Rescale<12>), 0 when d < diffMin. */
  expOfDiffQ12: Int32Array;
}

const SCALED_DIFF_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;

/** TFLM's CalculateInputRadius: floor((2^ib − 1)·2^(31−ib) / 2^leftShift). */
export function calculateInputRadius(integerBits: number, leftShift: number, totalSignedBits = 31): number {
  return Math.floor(((2 ** integerBits - 1) * 2 ** (totalSignedBits - integerBits)) / 2 ** leftShift);
}

export function prepareSoftmax(p: SoftmaxParams): SoftmaxPlan {
  if (p.outZeroPoint !== -128 || p.outScale !== 1 / 256) {
    throw new Error(
      `softmax: int8 output must have scale 1/256 and zero point -128 (TFLM checks both exactly), got scale ${p.outScale}, zero point ${p.outZeroPoint}`,
    );
  }
  if (!(p.inScale > 0) || !(p.beta > 0)) {
    throw new Error(`softmax: input scale and beta must be positive, got scale ${p.inScale}, beta ${p.beta}`);
  }
  // PreprocessSoftmaxScaling: beta and the scale are float32 in the .tflite, the product is in double.
  const maxRealMultiplier = p.rounding === "single" ? 2 ** 30 - 1 : 2 ** 31 - 1;
  const real = Math.min(
    Math.fround(p.beta) * Math.fround(p.inScale) * 2 ** (31 - SCALED_DIFF_INTEGER_BITS),
    maxRealMultiplier,
  );
  if (!(real > 1)) {
    throw new Error(`softmax: beta·input scale·2^26 must exceed 1 (TFLM's QuantizeMultiplierGreaterThanOne), got ${real}`);
  }
  const { multiplier, shift } = quantizeMultiplier(real, p.rounding);
  const diffMin = 0 - calculateInputRadius(SCALED_DIFF_INTEGER_BITS, shift); // 0 − r, not −r: no −0
  const leftFactor = 1 << shift; // C's (1 << left_shift), wrapping at 31 as int32
  const expOfDiff = new Int32Array(256);
  const expOfDiffQ12 = new Int32Array(256);
  for (let k = 0; k < 256; k++) {
    const diff = -k;
    if (diff < diffMin) {
      expOfDiff[k] = -1;
      continue;
    }
    // MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(d·2^shift, M) (the product wraps as int32 in C;
    // diffMin keeps it in range), or its single-rounding form under TFLITE_SINGLE_ROUNDING.
    const scaled =
      p.rounding === "single"
        ? multiplyByQuantizedMultiplierSingle(diff, multiplier, shift)
        : saturatingRoundingDoublingHighMul(Math.imul(diff, leftFactor), multiplier);
    expOfDiff[k] = expOnNegativeValues(scaled, SCALED_DIFF_INTEGER_BITS);
    expOfDiffQ12[k] = rescale(expOfDiff[k], 0, ACCUMULATION_INTEGER_BITS);
  }
  return { rounding: p.rounding, inputMultiplier: multiplier, inputLeftShift: shift, diffMin, expOfDiff, expOfDiffQ12 };
}

/** Softmax of each row of `depth` values; input.length must be a multiple of depth. */
export function softmaxInt8(plan: SoftmaxPlan, input: Int8Array, output: Int8Array, depth: number): void {
  if (!(Number.isInteger(depth) && depth > 0) || input.length % depth !== 0 || output.length !== input.length) {
    throw new Error(
      `softmax: need depth > 0 dividing the input length and output.length === input.length, got depth ${depth}, input ${input.length}, output ${output.length}`,
    );
  }
  const { expOfDiff, expOfDiffQ12 } = plan;
  for (let base = 0; base < input.length; base += depth) {
    let maxInRow = -128;
    for (let c = 0; c < depth; c++) if (input[base + c] > maxInRow) maxInRow = input[base + c];
    let sumOfExps = 0; // Q12.19; at most depth·2^19, far below int32 for any real depth
    for (let c = 0; c < depth; c++) sumOfExps = (sumOfExps + expOfDiffQ12[maxInRow - input[base + c]]) | 0;
    const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, ACCUMULATION_INTEGER_BITS);
    const exponent = numBitsOverUnit + 31 - 8;
    if (exponent < 0 || exponent > 31) {
      throw new Error(`softmax: reciprocal exponent ${exponent} outside [0, 31] (TFLM's TFLITE_CHECK)`);
    }
    for (let c = 0; c < depth; c++) {
      const e = expOfDiff[maxInRow - input[base + c]];
      if (e < 0) {
        output[base + c] = -128;
      } else {
        const unsat = roundingDivideByPOT(saturatingRoundingDoublingHighMul(reciprocal, e), exponent);
        const shifted = unsat - 128;
        output[base + c] = shifted > 127 ? 127 : shifted < -128 ? -128 : shifted;
      }
    }
  }
}
