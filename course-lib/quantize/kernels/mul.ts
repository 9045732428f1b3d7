// MUL, int8, with TFLM semantics (micro/kernels/mul_common.cc + integer_ops/mul.h): out = zp_out +
// MultiplyByQuantizedMultiplier((q1 − zp1)·(q2 − zp2), M, shift) with M from (double)s1·(double)s2/(double)s_out,
// fused clamp. Broadcasting as numpy/TFLite (BroadcastMul4DSlow), e.g. a squeeze-excite gate [1,1,1,C]
// times a feature map [1,H,W,C].
import { quantizeMultiplier, requantizer, type Rounding } from "../fixed-point";
import { activationRange, broadcastIndexMap, checkBinaryElementwise, checkShift, type BinaryElementwiseSpec } from "./common";

export type MulSpec = BinaryElementwiseSpec;

export interface MulPlan {
  size: number;
  offsetA: number; offsetB: number; outputOffset: number;
  multiplier: number; shift: number;
  actMin: number; actMax: number;
  rounding: Rounding;
  mapA: Int32Array | null; mapB: Int32Array | null;
}

export function prepareMul(spec: MulSpec): MulPlan {
  const out = checkBinaryElementwise(spec, "mul");
  const rounding = spec.rounding ?? "double";
  const real = (Math.fround(spec.scaleA) * Math.fround(spec.scaleB)) / Math.fround(spec.outScale);
  const q = quantizeMultiplier(real, rounding);
  checkShift(q.shift, `mul: multiplier ${real}`);
  const [actMin, actMax] = activationRange(spec.activation, spec.outScale, spec.outZeroPoint);
  return {
    size: out.reduce((p, d) => p * d, 1),
    offsetA: -spec.zeroPointA, offsetB: -spec.zeroPointB, outputOffset: spec.outZeroPoint,
    multiplier: q.multiplier, shift: q.shift, actMin, actMax, rounding,
    mapA: broadcastIndexMap(spec.shapeA, out), mapB: broadcastIndexMap(spec.shapeB, out),
  };
}

export function mulInt8(plan: MulPlan, inputA: Int8Array, inputB: Int8Array, output: Int8Array): void {
  const { size, offsetA, offsetB, outputOffset, multiplier, shift, actMin, actMax, mapA, mapB } = plan;
  const requantize = requantizer(plan.rounding);
  for (let i = 0; i < size; i++) {
    const a = inputA[mapA === null ? i : mapA[i]] + offsetA;
    const b = inputB[mapB === null ? i : mapB[i]] + offsetB;
    let q = requantize(a * b, multiplier, shift) + outputOffset;
    if (q < actMin) q = actMin;
    else if (q > actMax) q = actMax;
    output[i] = q;
  }
}
