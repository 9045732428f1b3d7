// Lesson 03 exercise 03.2: model solution (see exercises/03-phinet-xinet/block.ts for the task).
import * as tf from "@tensorflow/tfjs";
import { HardSwish } from "../../course-lib/primitives/hard-swish";

export { HardSwish };

export interface PhiNetBlockSpec {
  expansion: number;
  out: number;
  kernel?: number;
  stride?: number;
  squeezeExcite?: boolean;
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;
const hswish = (x: T): T => apply(new HardSwish(), x);
const bn = (x: T): T => apply(tf.layers.batchNormalization({ axis: -1 }), x);
const pw = (x: T, filters: number): T => apply(tf.layers.conv2d({ filters, kernelSize: 1, useBias: false }), x);

/** Exercise 03.2 */
export function phinetBlock(x: tf.SymbolicTensor, spec: PhiNetBlockSpec): tf.SymbolicTensor {
  if (!x || !Array.isArray(x.shape) || x.shape.length !== 4 || typeof x.shape[3] !== "number") {
    throw new Error(`x must be a [batch, H, W, C] tensor with a known channel count, got shape ${JSON.stringify(x?.shape)}`);
  }
  const cIn = x.shape[3] as number;
  const out = positiveInteger(spec.out, "out");
  const kernel = positiveInteger(spec.kernel ?? 3, "kernel");
  const stride = positiveInteger(spec.stride ?? 1, "stride");
  if (typeof spec.expansion !== "number" || !Number.isFinite(spec.expansion) || spec.expansion <= 0) {
    throw new RangeError(`expansion must be a number > 0, got ${String(spec.expansion)}`);
  }
  const expanded = Math.max(1, Math.trunc(spec.expansion * cIn));

  let y = hswish(bn(pw(x, expanded)));
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding: "same", useBias: false }), y);
  y = hswish(bn(y));
  if (spec.squeezeExcite ?? true) {
    const se = Math.max(1, Math.trunc(expanded / 6));
    let gate = apply(tf.layers.globalAveragePooling2d({}), y);
    gate = apply(tf.layers.reshape({ targetShape: [1, 1, expanded] }), gate);
    gate = hswish(pw(gate, se));
    gate = apply(tf.layers.activation({ activation: "sigmoid" }), pw(gate, expanded));
    y = apply(tf.layers.multiply(), [y, gate]);
  }
  y = bn(pw(y, out));
  return stride === 1 && cIn === out ? apply(tf.layers.add(), [y, x]) : y;
}
