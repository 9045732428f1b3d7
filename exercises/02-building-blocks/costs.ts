// Lesson 02 exercises 02.1-02.5: the parameter and MAC formulas of the building blocks.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/02-building-blocks.ipynb
// prints "exercise 02.1 not implemented yet: showing the reference" and uses the course's own closed forms
// (course-lib/primitives/cost.ts, which you may read after trying). Check your work with:
//
//   npm run grade -- --only 02        (or --only 02.3 for one exercise)
//
// Conventions (the same as the lecture and the course's profiler):
// - tensors are H × W × C (channels last), batch size 1;
// - a MAC is one multiply-accumulate; only the multiplications of convolutions and dense layers count;
// - convolutions use "same" padding, so the output is ceil(H / stride) × ceil(W / stride);
// - `bias` is optional and defaults to false (the lecture counts weights only): a bias adds one parameter
//   per output channel (per output unit for dense) and no MACs.
// Every count must be a whole number. Throw a RangeError that names the field and its bad value when a
// size, channel count, kernel size or stride is not a positive integer (e.g. "cIn must be a positive
// integer, got 0").
import { notImplemented } from "../../course-lib/grader/exercise";

/** What each function returns. */
export interface PrimitiveCost {
  params: number;
  macs: number;
  /** [H, W, C] for convolutions, [units] for dense. */
  outputShape: number[];
}

/**
 * Exercise 02.1: a fully connected (dense) layer from `inUnits` inputs to `outUnits` outputs.
 *
 * TODO: every output is a weighted sum of every input.
 *   denseCost({ inUnits: 3 * 64 * 64, outUnits: 16 * 64 * 64 })
 *   → { params: 805306368, macs: 805306368, outputShape: [65536] }     (the lecture's 805M)
 *   denseCost({ inUnits: 784, outUnits: 10, bias: true }) → { params: 7850, macs: 7840, outputShape: [10] }
 */
export function denseCost(spec: { inUnits: number; outUnits: number; bias?: boolean }): PrimitiveCost {
  notImplemented("02.1");
}

/**
 * Exercise 02.2: a standard k × k convolution from cIn to cOut channels on an H × W input.
 *
 * TODO: each of the cOut filters has k × k × cIn weights; each output value (H' × W' × cOut of them)
 * costs k × k × cIn MACs.
 *   convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64 })  → { params: 432, macs: 1769472, outputShape: [64, 64, 16] }
 *   convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, stride: 2 }) → macs 442368, outputShape [32, 32, 16]
 */
export function convCost(spec: { cIn: number; cOut: number; k: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  notImplemented("02.2");
}

/**
 * Exercise 02.3: a pointwise (1 × 1) convolution: mixes channels, looks at one pixel at a time.
 *
 * TODO: a standard convolution with k = 1.
 *   pointwiseCost({ cIn: 3, cOut: 16, h: 64, w: 64 }) → { params: 48, macs: 196608, outputShape: [64, 64, 16] }
 */
export function pointwiseCost(spec: { cIn: number; cOut: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  notImplemented("02.3");
}

/**
 * Exercise 02.4: a depthwise k × k convolution: one filter per input channel, channels are not mixed.
 *
 * TODO: with depth multiplier m (default 1) each of the c channels gets m filters of k × k weights, so
 * there are c × m output channels and each output value costs k × k MACs.
 *   depthwiseCost({ c: 3, k: 3, h: 64, w: 64 })                     → { params: 27, macs: 110592, outputShape: [64, 64, 3] }
 *   depthwiseCost({ c: 16, k: 3, h: 32, w: 32, depthMultiplier: 2 }) → { params: 288, macs: 294912, outputShape: [32, 32, 32] }
 */
export function depthwiseCost(spec: { c: number; k: number; h: number; w: number; stride?: number; depthMultiplier?: number; bias?: boolean }): PrimitiveCost {
  notImplemented("02.4");
}

/**
 * Exercise 02.5: a depthwise-separable convolution: a depthwise k × k convolution (stride applied here,
 * no bias, depth multiplier 1) followed by a pointwise convolution from cIn to cOut (with the bias, if any).
 *
 * TODO: add up the two parts.
 *   separableCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64 }) → { params: 75, macs: 307200, outputShape: [64, 64, 16] }
 */
export function separableCost(spec: { cIn: number; cOut: number; k: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  notImplemented("02.5");
}
