// A model around one layer or block, so the profiler and the cost formulas can look at it alone.
import * as tf from "@tensorflow/tfjs";

/**
 * `singleModel([64, 64, 3], (x) => conv(x), "conv3x3")`: a tf.LayersModel whose input has `shape` (no batch
 * axis) and whose output is whatever `body` builds on it.
 */
export function singleModel(
  shape: number[],
  body: (x: tf.SymbolicTensor) => tf.SymbolicTensor,
  name: string,
): tf.LayersModel {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`singleModel("${name}"): shape must be positive integers without the batch axis, e.g. [64, 64, 3]; got ${JSON.stringify(shape)}`);
  }
  if (typeof body !== "function") throw new TypeError(`singleModel("${name}"): body must be a function (x) => layer.apply(x)`);
  const input = tf.input({ shape, name: "input" });
  return tf.model({ inputs: input, outputs: body(input), name });
}
