// Lesson 02 exercises 02.1-02.5: the parameter and MAC formulas of the building blocks.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/02-building-blocks.ipynb
// prints "exercise 02.1 not implemented yet: showing the reference" and uses the course's own closed forms
// (course-lib/primitives/cost.ts, which you may read after trying). Check your work with:
//
//   npm run grade -- --only 02        (or --only 02.3 for one exercise)
//
// Conventions (the course's, which its profiler measures on real tfjs models):
// - tensors are H × W × C (channels last), batch size 1;
// - a MAC is one multiply-accumulate; only the multiplications of convolutions and dense layers count;
// - convolutions use "same" padding, so the output is ceil(H / stride) × ceil(W / stride);
// - `bias` is optional and defaults to false: a bias adds one parameter per output channel (per output
//   unit for dense) and 0 MACs, because adding it is an addition, not a multiply-accumulate.
// How this differs from the lecture: the slide's formulas are Params = c_in·c_out·k² + c_out and
// MAC = H·W·(c_in·c_out·k² + c_out), so they count the bias and also count it as a MAC at every output
// pixel; for the 3×3 conv from 3×64×64 to 16 channels that gives 448 parameters and 1,835,008 MACs (the
// slide's "1.84M") where the course says 432 (448 with bias) and 1,769,472 MACs. Three of the slide's
// figures do not follow its own formula: conv 480 parameters (448), pointwise 96 / 0.28M (64 / 0.26M),
// depthwise 180 / 0.61M (30 / 0.12M). Lesson 02's "lecture vs course" box shows all of them side by side.
// The tests use the course's convention.
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
