// Lesson 08 exercise 08.4: fold a batch norm into the layer before it.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/08-quantization.ipynb
// prints "exercise 08.4 not implemented yet: showing the reference" and uses the course's version
// (course-lib/primitives/batch-norm.ts). Check your work with `npm run grade -- --only 08.4`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** The numbers per channel of a batch norm (tfjs: (x − mean) / sqrt(variance + epsilon) · gamma + beta). */
export interface BatchNormParams {
  /** Trained scale γ; absent means 1 for every channel. */
  gamma?: ArrayLike<number>;
  /** Trained offset β; absent means 0 for every channel. */
  beta?: ArrayLike<number>;
  movingMean: ArrayLike<number>;
  movingVariance: ArrayLike<number>;
  epsilon: number;
}

/** Where the kernel keeps its output channels: "conv" = the last axis (Conv2D [kh, kw, in, out], Dense [in, out]);
 * "depthwise" = the last two axes (DepthwiseConv2D [kh, kw, c, m], output channel c·m + q). */
export type KernelLayout = "conv" | "depthwise";

export interface FoldedWeights {
  kernel: Float32Array;
  kernelShape: number[];
  bias: Float32Array;
}

/**
 * Exercise 08.4: the kernel and bias that compute conv-then-BN in one layer.
 *
 * TODO: with f[c] = gamma[c] / sqrt(movingVariance[c] + epsilon), for every output channel c:
 *   kernel'[..., c] = f[c] · kernel[..., c]          bias'[c] = f[c] · (bias[c] − movingMean[c]) + beta[c]
 * (bias = null means a layer without bias: use 0.) The kernel is row-major in `kernel.shape`, so the output
 * channel of flat index i is i mod C, with C = the last dimension ("conv") or the product of the last two
 * ("depthwise"). Compute in double, return Float32Arrays; kernelShape is a copy of kernel.shape.
 *
 *   kernel [1, 2] = [[2, 4]], bias [1, 1], gamma [1, 2], beta [0, 1], mean [1, 3], variance [4, 16], epsilon 0:
 *   f = [0.5, 0.5]  →  kernel [[1, 2]], bias [0.5·(1 − 1) + 0, 0.5·(1 − 3) + 1] = [0, 0]
 *
 * Throw a RangeError naming the values when a per-channel array does not have C values or when
 * movingVariance[c] + epsilon is not > 0.
 */
export function foldBatchNorm(
  kernel: { values: ArrayLike<number>; shape: number[] },
  bias: ArrayLike<number> | null,
  bn: BatchNormParams,
  layout: KernelLayout,
): FoldedWeights {
  notImplemented("08.4");
}
