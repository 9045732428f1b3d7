// Lesson 08 exercise 08.6: model solution (see exercises/08-quantization/dense.ts for the task). The graded
// tests compare it with course-lib/quantize/kernels/fully-connected.ts (TFLM's reference FULLY_CONNECTED).
import { multiplyByQuantizedMultiplier } from "../../course-lib/quantize/fixed-point";

export interface DenseInt8Layer {
  inDim: number;
  outDim: number;
  weights: Int8Array;
  bias: Int32Array | null;
  inZeroPoint: number;
  outZeroPoint: number;
  multiplier: number;
  shift: number;
  relu: boolean;
}

export function denseInt8(input: Int8Array, layer: DenseInt8Layer): Int8Array {
  const { inDim, outDim, weights, bias } = layer;
  if (input.length !== inDim) throw new RangeError(`denseInt8: the input has ${input.length} values, expected inDim = ${inDim}`);
  if (weights.length !== outDim * inDim) {
    throw new RangeError(`denseInt8: ${weights.length} weights, expected outDim × inDim = ${outDim} × ${inDim} = ${outDim * inDim}`);
  }
  const low = layer.relu ? Math.max(-128, layer.outZeroPoint) : -128;
  const out = new Int8Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let acc = bias ? bias[o] : 0;
    for (let i = 0; i < inDim; i++) acc += weights[o * inDim + i] * (input[i] - layer.inZeroPoint);
    const q = multiplyByQuantizedMultiplier(acc, layer.multiplier, layer.shift) + layer.outZeroPoint;
    out[o] = Math.min(127, Math.max(low, q));
  }
  return out;
}
