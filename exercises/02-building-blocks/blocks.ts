// Lesson 02 exercise 02.6: build an inverted residual block (MobileNetV2), narrow → wide → narrow.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/02-building-blocks.ipynb
// prints "exercise 02.6 not implemented yet: showing the reference" and uses the course's builder
// (course-lib/primitives/layers.ts). Check your work with `npm run grade -- --only 02.6`.
//
import * as tf from "@tensorflow/tfjs";
import { notImplemented } from "../../course-lib/grader/exercise";

export interface InvertedResidualSpec {
  /** Output channels (the narrow end of the block). */
  out: number;
  /** Expansion factor t: the wide middle has cIn × t channels. t = 1 means no expand conv. */
  expansion: number;
  /** Stride of the depthwise conv (default 1; 2 halves H and W). */
  stride?: number;
  /** Kernel size of the depthwise conv (default 3). */
  kernel?: number;
}

/**
 * Exercise 02.6: the inverted residual block of MobileNetV2.
 *
 * `x` is a [batch, H, W, cIn] symbolic tensor (from tf.input or a previous layer). TODO: return the block's
 * output, built with the tfjs layers API (`tf.layers.xxx({...}).apply(x) as tf.SymbolicTensor`):
 *
 *   1. expand:   1×1 conv to cIn × expansion channels, no bias → batch norm → ReLU6
 *                (skip this step entirely when expansion is 1)
 *   2. filter:   k×k depthwise conv (tf.layers.depthwiseConv2d), the given stride, padding "same", no bias
 *                → batch norm → ReLU6
 *   3. project:  1×1 conv to `out` channels, no bias → batch norm, and NO activation (a "linear
 *                bottleneck": ReLU on few channels would destroy information)
 *   4. skip:     when stride is 1 and cIn equals out, add the block's input to the result
 *                (tf.layers.add().apply([y, x])); otherwise return the projection as is.
 *
 * ReLU6 is `tf.layers.reLU({ maxValue: 6 })` (or tf.layers.activation({ activation: "relu6" })). Batch norm
 * is `tf.layers.batchNormalization()`: it normalises each channel, then scales and shifts it (gamma, beta),
 * and stores 4 numbers per channel (gamma and beta are trained, the moving mean and variance are not). At
 * deployment it is folded into the conv before it (its scale into the weights, its shift into one bias per
 * channel), so on the device it costs no MACs. The convs have no bias because the batch norm right after
 * them has its own offset (beta). For the parameter count to match the closed form, use default batch-norm
 * settings and no other layers.
 *
 * Throw a RangeError that names the option and its bad value when out or expansion is not a positive
 * integer, or when stride or kernel is given but not a positive integer. Throw an Error when `x` is not a
 * rank-4 tensor with a known channel count (mention its shape).
 *
 * Do not call the course's invertedResidualBlock: this exercise is about writing it.
 */
export function invertedResidualBlock(x: tf.SymbolicTensor, spec: InvertedResidualSpec): tf.SymbolicTensor {
  notImplemented("02.6");
}
