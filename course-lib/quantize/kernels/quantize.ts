// QUANTIZE with an int8 input and int8 output (a requantization), with TFLM semantics
// (micro/kernels/quantize_common.cc → reference/requantize.h): out = clamp(zp_out +
// MultiplyByQuantizedMultiplier(q − zp_in, M, shift)), M from (double)s_in/(double)s_out.
import { quantizeMultiplier, requantizer, type Rounding } from "../fixed-point";
import { checkShift, checkZeroPoint } from "./common";

export interface RequantizeSpec {
  inScale: number; inZeroPoint: number;
  outScale: number; outZeroPoint: number;
  rounding?: Rounding;
}

export interface RequantizePlan {
  inputZeroPoint: number; outputZeroPoint: number;
  multiplier: number; shift: number;
  rounding: Rounding;
}

export function prepareRequantize(spec: RequantizeSpec): RequantizePlan {
  checkZeroPoint(spec.inZeroPoint, "quantize input");
  checkZeroPoint(spec.outZeroPoint, "quantize output");
  const rounding = spec.rounding ?? "double";
  const real = Math.fround(spec.inScale) / Math.fround(spec.outScale);
  const q = quantizeMultiplier(real, rounding);
  checkShift(q.shift, `quantize: multiplier ${real}`);
  return { inputZeroPoint: spec.inZeroPoint, outputZeroPoint: spec.outZeroPoint, multiplier: q.multiplier, shift: q.shift, rounding };
}

export function requantizeInt8(plan: RequantizePlan, input: Int8Array, output: Int8Array): void {
  const { inputZeroPoint, outputZeroPoint, multiplier, shift } = plan;
  const requantize = requantizer(plan.rounding);
  for (let i = 0; i < input.length; i++) {
    let q = requantize(input[i] - inputZeroPoint, multiplier, shift) + outputZeroPoint;
    if (q < -128) q = -128;
    else if (q > 127) q = 127;
    output[i] = q;
  }
}
