// Lesson 03 exercise 03.3: the closed-form cost of one PhiNet block.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/03-phinet-xinet.ipynb
// prints "exercise 03.3 not implemented yet: showing the reference" and uses the course's version
// (course-lib/nets/phinet-block.ts). Check your work with `npm run grade -- --only 03.3`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

export interface BlockCostSpec {
  /** Input height, width and channels. */
  h: number;
  w: number;
  cIn: number;
  /** Expansion factor t. */
  expansion: number;
  out: number;
  /** Depthwise kernel size (default 3). */
  kernel?: number;
  /** Depthwise stride (default 1). */
  stride?: number;
  /** Squeeze-and-excite (default true). */
  squeezeExcite?: boolean;
}

export interface BlockCost {
  /** Every weight of the block, as model.countParams() counts them (batch norm: 4 per channel). */
  params: number;
  /** Multiply-accumulates of the convolutions for one input. */
  macs: number;
  /** [H', W', out]. */
  outputShape: [number, number, number];
}

/**
 * Exercise 03.3: parameters and MACs of the PhiNet block of exercise 03.2, without building it.
 *
 * With E = max(1, int(expansion · cIn)), S = max(1, int(E / 6)) (0 without squeeze-and-excite),
 * k the kernel, s the stride, and the output size H' = ceil(H / s), W' = ceil(W / s) ("same" padding):
 *
 *   part       parameters                              MACs
 *   expand     cIn·E (1×1 conv, no bias) + 4·E (BN)    H·W·cIn·E       (at the input resolution)
 *   depthwise  k²·E + 4·E (BN)                          H'·W'·E·k²
 *   SE         E·S + S·E (two 1×1 convs, no bias)      E·S + S·E       (on a 1×1 "image")
 *   project    E·out + 4·out (BN)                       H'·W'·E·out
 *
 * Batch norm has 4 numbers per channel (gamma, beta, moving mean, moving variance) and costs 0 MACs; so do
 * activations, pooling, the SE multiply and the skip addition.
 *
 * TODO: return { params, macs, outputShape: [H', W', out] }.
 *
 *   phinetBlockCost({ h: 8, w: 8, cIn: 16, expansion: 4, out: 16 })
 *     → { params: 4480, macs: 169216, outputShape: [8, 8, 16] }     (E = 64, S = 10)
 *
 * Throw a RangeError naming the bad value when h, w, cIn, out, kernel or stride is not a positive integer,
 * or expansion is not a number > 0.
 */
export function phinetBlockCost(spec: BlockCostSpec): BlockCost {
  notImplemented("03.3");
}
