// MEAN, int8, with TFLM semantics (micro/kernels/reduce_common.cc → reference/reduce.h QuantizedMeanOrSum):
// int32 sums over the reduced axes, then MultiplyByQuantizedMultiplier(sum − zp_in·N, M', shift') + zp_out with
// the 1/N folded into the multiplier of s_in/s_out (foldMeanMultiplier), clamped to int8 (no fused activation).
import { foldMeanMultiplier, quantizeMultiplier, requantizer, type Rounding } from "../fixed-point";
import { checkShift, checkZeroPoint, product } from "./common";

export interface MeanSpec {
  inShape: number[];
  /** Axes to reduce (negative counts from the end, repeats ignored, as TFLM's ResolveAxis). */
  axes: number[];
  keepDims: boolean;
  inScale: number; inZeroPoint: number;
  outScale: number; outZeroPoint: number;
  rounding?: Rounding;
}

export interface MeanPlan {
  inSize: number; outSize: number; count: number;
  /** The output shape this mean produces (with or without the kept 1s). */
  outShape: number[];
  inputZeroPoint: number; outputZeroPoint: number;
  multiplier: number; shift: number;
  rounding: Rounding;
  /** For each input element, the output element it sums into. */
  outIndex: Int32Array;
  sums: Int32Array;
}

export function prepareMean(spec: MeanSpec): MeanPlan {
  const rank = spec.inShape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const axis of spec.axes) {
    const a = axis < 0 ? axis + rank : axis;
    if (!(Number.isInteger(a) && a >= 0 && a < rank)) throw new RangeError(`mean: axis ${axis} is out of range for rank ${rank}`);
    reduced[a] = true;
  }
  checkZeroPoint(spec.inZeroPoint, "mean input");
  checkZeroPoint(spec.outZeroPoint, "mean output");
  const count = product(spec.inShape.filter((_, i) => reduced[i]));
  const keptShape = spec.inShape.map((d, i) => (reduced[i] ? 1 : d));
  const outShape = spec.keepDims ? keptShape : spec.inShape.filter((_, i) => !reduced[i]);
  const rounding = spec.rounding ?? "double";
  const real = Math.fround(spec.inScale) / Math.fround(spec.outScale);
  const folded = foldMeanMultiplier(quantizeMultiplier(real, rounding), count);
  checkShift(folded.shift, `mean: multiplier ${real}/${count}`);
  const inSize = product(spec.inShape);
  const outIndex = new Int32Array(inSize);
  const index = new Array<number>(rank).fill(0);
  for (let e = 0; e < inSize; e++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o = o * keptShape[d] + (reduced[d] ? 0 : index[d]);
    outIndex[e] = o;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < spec.inShape[d]) break;
      index[d] = 0;
    }
  }
  const outSize = product(keptShape);
  return {
    inSize, outSize, count, outShape,
    inputZeroPoint: spec.inZeroPoint, outputZeroPoint: spec.outZeroPoint,
    multiplier: folded.multiplier, shift: folded.shift, rounding,
    outIndex, sums: new Int32Array(outSize),
  };
}

export function meanInt8(plan: MeanPlan, input: Int8Array, output: Int8Array): void {
  const { inSize, outSize, count, inputZeroPoint, outputZeroPoint, multiplier, shift, outIndex, sums } = plan;
  const requantize = requantizer(plan.rounding);
  sums.fill(0);
  for (let e = 0; e < inSize; e++) sums[outIndex[e]] += input[e];
  const zeroPointSum = inputZeroPoint * count;
  for (let o = 0; o < outSize; o++) {
    let q = requantize(sums[o] - zeroPointSum, multiplier, shift) + outputZeroPoint;
    if (q < -128) q = -128;
    else if (q > 127) q = 127;
    output[o] = q;
  }
}
