// Lesson 03 exercise 03.2: build one PhiNet block with the tfjs layers API.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/03-phinet-xinet.ipynb
// prints "exercise 03.2 not implemented yet: showing the reference" and uses the course's builder
// (course-lib/nets/phinet-block.ts). Check your work with `npm run grade -- --only 03.2`.
//
import * as tf from "@tensorflow/tfjs";
import { notImplemented } from "../../course-lib/grader/exercise";
// Hard-swish, x · relu6(x + 3) / 6, as a tfjs layer: `new HardSwish().apply(x)`.
import { HardSwish } from "../../course-lib/primitives/hard-swish";

export { HardSwish };

export interface PhiNetBlockSpec {
  /** Expansion factor t (a float, e.g. one entry of expansionSchedule). */
  expansion: number;
  /** Output channels. */
  out: number;
  /** Depthwise kernel size (default 3). */
  kernel?: number;
  /** Depthwise stride (default 1). */
  stride?: number;
  /** Add squeeze-and-excite (default true). */
  squeezeExcite?: boolean;
}

/**
 * Exercise 03.2: a PhiNet block (an inverted residual block with squeeze-and-excite and hard-swish).
 *
 * `x` is a [batch, H, W, cIn] symbolic tensor. With E = max(1, int(expansion · cIn)) (your
 * expandedChannels from 03.1) and S = max(1, int(E / 6)), TODO: return the block's output:
 *
 *   1. expand:   1×1 conv to E channels, no bias → batch norm → hard-swish
 *   2. filter:   k×k depthwise conv (tf.layers.depthwiseConv2d), the given stride, padding "same", no bias
 *                → batch norm → hard-swish
 *   3. SE (only when squeezeExcite is not false): from the filtered tensor y,
 *                tf.layers.globalAveragePooling2d → tf.layers.reshape to [1, 1, E]
 *                → 1×1 conv to S channels, no bias → hard-swish
 *                → 1×1 conv to E channels, no bias → sigmoid (tf.layers.activation({ activation: "sigmoid" }))
 *                → tf.layers.multiply().apply([y, gate])   (the gate scales each channel of y)
 *   4. project:  1×1 conv to `out` channels, no bias → batch norm (no activation: a linear bottleneck)
 *   5. skip:     when stride is 1 and cIn equals out, tf.layers.add().apply([projected, x]);
 *                otherwise return the projection.
 *
 * Every 1×1 conv is tf.layers.conv2d({ filters, kernelSize: 1, useBias: false }). Hard-swish is
 * `new HardSwish().apply(t)`. You may add PhiNet's spatial dropout after step 1 (tf.layers.dropout, rate
 * 0.05): it has no weights and the tests ignore it. Add no other layers, so the parameter count matches
 * the closed form (exercise 03.3).
 *
 * Throw a RangeError naming the option and its bad value when out, kernel or stride is given but not a
 * positive integer, or expansion is not a number > 0. Throw an Error when x is not a rank-4 tensor with
 * a known channel count (mention its shape).
 *
 * Do not call the course's phinetBlock: this exercise is about writing it.
 */
export function phinetBlock(x: tf.SymbolicTensor, spec: PhiNetBlockSpec): tf.SymbolicTensor {
  notImplemented("03.2");
}
