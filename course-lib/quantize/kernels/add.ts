// ADD, int8, with TFLM semantics (micro/kernels/add_common.cc + integer_ops/add.h): both inputs are shifted
// left by 20 bits, rescaled to a common scale 2·max(s1, s2) by two "smaller than one" multipliers, summed, and
// the sum is rescaled to the output by a third; + zp_out, fused clamp. Broadcasting follows numpy/TFLite
// (TFLM's BroadcastAdd4DSlow applies the same per-element function).
import { quantizeMultiplierSmallerThanOneExp, requantizer, type Rounding } from "../fixed-point";
import { activationRange, broadcastIndexMap, checkBinaryElementwise, type BinaryElementwiseSpec } from "./common";

/** TFLM's left_shift for int8 ADD: (q − zp)·2^20 keeps 20 fractional bits and fits int32 (255·2^20 < 2^28). */
export const ADD_LEFT_SHIFT = 20;

export type AddSpec = BinaryElementwiseSpec;

export interface AddPlan {
  size: number;
  offsetA: number; offsetB: number; outputOffset: number;
  multiplierA: number; shiftA: number;
  multiplierB: number; shiftB: number;
  multiplierOut: number; shiftOut: number;
  actMin: number; actMax: number;
  rounding: Rounding;
  mapA: Int32Array | null; mapB: Int32Array | null;
}

export function prepareAdd(spec: AddSpec): AddPlan {
  const out = checkBinaryElementwise(spec, "add");
  const rounding = spec.rounding ?? "double";
  const sA = Math.fround(spec.scaleA);
  const sB = Math.fround(spec.scaleB);
  const sOut = Math.fround(spec.outScale);
  // TFLM: twice_max = 2·(double)max(s1, s2) with the max of the float32 values.
  const twiceMax = 2 * Math.max(sA, sB);
  const a = quantizeMultiplierSmallerThanOneExp(sA / twiceMax, rounding);
  const b = quantizeMultiplierSmallerThanOneExp(sB / twiceMax, rounding);
  const o = quantizeMultiplierSmallerThanOneExp(twiceMax / ((1 << ADD_LEFT_SHIFT) * sOut), rounding);
  const [actMin, actMax] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
  return {
    size: out.reduce((p, d) => p * d, 1),
    offsetA: -spec.zeroPointA, offsetB: -spec.zeroPointB, outputOffset: spec.outZeroPoint,
    multiplierA: a.multiplier, shiftA: a.shift,
    multiplierB: b.multiplier, shiftB: b.shift,
    multiplierOut: o.multiplier, shiftOut: o.shift,
    actMin, actMax, rounding,
    mapA: broadcastIndexMap(spec.shapeA, out), mapB: broadcastIndexMap(spec.shapeB, out),
  };
}

export function addInt8(plan: AddPlan, inputA: Int8Array, inputB: Int8Array, output: Int8Array): void {
  const { size, offsetA, offsetB, outputOffset, multiplierA, shiftA, multiplierB, shiftB, multiplierOut, shiftOut, actMin, actMax, mapA, mapB } = plan;
  // MultiplyByQuantizedMultiplierSmallerThanOneExp is RDBPOT(SRDHM(x, M), −shift) in TFLM's default build and
  // MultiplyByQuantizedMultiplier under TFLITE_SINGLE_ROUNDING; with shift ≤ 0 both equal requantizer(rounding).
  const requantize = requantizer(plan.rounding);
  for (let i = 0; i < size; i++) {
    const a = (inputA[mapA === null ? i : mapA[i]] + offsetA) * (1 << ADD_LEFT_SHIFT);
    const b = (inputB[mapB === null ? i : mapB[i]] + offsetB) * (1 << ADD_LEFT_SHIFT);
    const sum = requantize(a, multiplierA, shiftA) + requantize(b, multiplierB, shiftB);
    let q = requantize(sum, multiplierOut, shiftOut) + outputOffset;
    if (q < actMin) q = actMin;
    else if (q > actMax) q = actMax;
    output[i] = q;
  }
}
