// Lesson 02 exercise 02.6: model solution (see exercises/02-building-blocks/blocks.ts for the task).
import * as tf from "@tensorflow/tfjs";

export interface InvertedResidualSpec {
  out: number;
  expansion: number;
  stride?: number;
  kernel?: number;
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
const relu6 = (x: tf.SymbolicTensor) => apply(tf.layers.reLU({ maxValue: 6 }), x);
const bn = (x: tf.SymbolicTensor) => apply(tf.layers.batchNormalization({ axis: -1 }), x);

/** Exercise 02.6 */
export function invertedResidualBlock(x: tf.SymbolicTensor, spec: InvertedResidualSpec): tf.SymbolicTensor {
  if (!x || !Array.isArray(x.shape) || x.shape.length !== 4 || x.shape[3] == null) {
    throw new Error(`x must be a [batch, H, W, C] tensor with a known channel count, got shape ${JSON.stringify(x?.shape)}`);
  }
  const cIn = x.shape[3] as number;
  const out = positiveInteger(spec.out, "out");
  const expansion = positiveInteger(spec.expansion, "expansion");
  const stride = positiveInteger(spec.stride ?? 1, "stride");
  const kernel = positiveInteger(spec.kernel ?? 3, "kernel");

  let y = x;
  if (expansion !== 1) {
    y = apply(tf.layers.conv2d({ filters: cIn * expansion, kernelSize: 1, useBias: false }), y);
    y = relu6(bn(y));
  }
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding: "same", useBias: false }), y);
  y = relu6(bn(y));
  y = apply(tf.layers.conv2d({ filters: out, kernelSize: 1, useBias: false }), y);
  y = bn(y);
  if (stride === 1 && cIn === out) y = apply(tf.layers.add(), [y, x]);
  return y;
}
