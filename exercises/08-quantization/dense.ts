// Lesson 08 exercise 08.6: an int8 fully-connected layer, as TensorFlow Lite Micro computes it.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/08-quantization.ipynb
// prints "exercise 08.6 not implemented yet: showing the reference" and uses the course's version
// (course-lib/quantize/kernels/fully-connected.ts). Check your work with `npm run grade -- --only 08.6`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** The integers of one int8 dense layer, as a .tflite file and TFLM's prepare step give them. */
export interface DenseInt8Layer {
  inDim: number;
  outDim: number;
  /** Row-major [outDim, inDim] int8 weights (TFLite's layout), symmetric: zero point 0. */
  weights: Int8Array;
  /** outDim int32 biases at scale s_in·s_w (zero point 0), or null. */
  bias: Int32Array | null;
  /** The input activation's zero point. */
  inZeroPoint: number;
  /** The output activation's zero point. */
  outZeroPoint: number;
  /** quantizeMultiplier(s_in · s_w / s_out), already computed. */
  multiplier: number;
  shift: number;
  /** Fused ReLU: clamp the output at outZeroPoint (real 0) from below. */
  relu: boolean;
}

/**
 * Exercise 08.6: one inference of an int8 dense layer.
 *
 * TODO: for each output o:
 *   acc = Σ_i weights[o·inDim + i] · (input[i] − inZeroPoint)  +  bias[o]          (an int32)
 *   q   = multiplyByQuantizedMultiplier(acc, multiplier, shift) + outZeroPoint
 *   output[o] = clamp(q, relu ? max(−128, outZeroPoint) : −128, 127)
 * The input's zero point must come off every input value (real = (q − zp)·s): forgetting it adds
 * inZeroPoint·Σ weights to each accumulator. Use your multiplyByQuantizedMultiplier from fixed-point.ts or
 * the course's (import { multiplyByQuantizedMultiplier } from "../../course-lib/quantize/fixed-point").
 *
 *   input [10, -10], inZeroPoint 0, weights [[1, 2]], bias [5], multiplier 2^30, shift 0 (a factor of 0.5),
 *   outZeroPoint 3:  acc = 10 − 20 + 5 = −5  →  −2.5 rounds to −2 (ties toward +∞ in the high multiply)  →  −2 + 3 = 1
 *
 * Throw a RangeError naming the values when input.length is not inDim or weights.length is not outDim·inDim.
 */
export function denseInt8(input: Int8Array, layer: DenseInt8Layer): Int8Array {
  notImplemented("08.6");
}
