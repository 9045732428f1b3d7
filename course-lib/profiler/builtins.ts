// Small built-in models for the profiler CLI and the tests: classic reference networks (mlp, lenet, a
// small MobileNet-like) and one demo per primitive. Primitive demos carry the closed-form cost of the
// same layer (course-lib/primitives/cost.ts) so the CLI can show that the profiler and the formula agree.
import * as tf from "@tensorflow/tfjs";
import {
  conv, dense, depthwiseConv, depthwiseSeparableConv, invertedResidualBlock, pointwiseConv, residualBlock, batchNorm, activation,
} from "../primitives/layers";
import {
  conv2dCost, depthwiseConvCost, depthwiseSeparableBlockCost, invertedResidualBlockCost, pointwiseConvCost,
  residualBlockCost, separableConvCost, type Cost,
} from "../primitives/cost";

export interface Builtin {
  description: string;
  build(): tf.LayersModel;
  /** Closed-form cost of the whole model, for the primitive demos. */
  closedForm?: Cost;
}

function single(shape: number[], body: (x: tf.SymbolicTensor) => tf.SymbolicTensor, name: string): tf.LayersModel {
  const input = tf.input({ shape, name: "input" });
  return tf.model({ inputs: input, outputs: body(input), name });
}

export const BUILTINS: Record<string, Builtin> = {
  mlp: {
    description: "MLP for 28x28 digits: 784 -> 128 -> 64 -> 10 (dense, ReLU)",
    build: () =>
      tf.sequential({
        name: "mlp",
        layers: [
          tf.layers.dense({ inputShape: [784], units: 128, activation: "relu", name: "fc1" }),
          tf.layers.dense({ units: 64, activation: "relu", name: "fc2" }),
          tf.layers.dense({ units: 10, activation: "softmax", name: "out" }),
        ],
      }),
  },
  lenet: {
    description: "LeNet-5 style CNN for 28x28x1: conv5x5(6) pool conv5x5(16) pool dense 120-84-10",
    build: () =>
      tf.sequential({
        name: "lenet",
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: "same", activation: "relu", name: "c1" }),
          tf.layers.averagePooling2d({ poolSize: 2, name: "s2" }),
          tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu", name: "c3" }),
          tf.layers.averagePooling2d({ poolSize: 2, name: "s4" }),
          tf.layers.flatten({ name: "flatten" }),
          tf.layers.dense({ units: 120, activation: "relu", name: "f5" }),
          tf.layers.dense({ units: 84, activation: "relu", name: "f6" }),
          tf.layers.dense({ units: 10, activation: "softmax", name: "out" }),
        ],
      }),
  },
  "mobilenet-like": {
    description: "small MobileNet-v1-like net for 96x96x3, 2 classes: conv s2 + 6 depthwise-separable blocks (ReLU6)",
    build: () =>
      single([96, 96, 3], (input) => {
        let x = conv(input, { filters: 8, kernel: 3, stride: 2, bias: false, name: "stem" });
        x = activation(batchNorm(x, { name: "stem_bn" }), "relu6", "stem_act");
        const blocks: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2]];
        blocks.forEach(([filters, stride], i) => {
          x = depthwiseSeparableConv(x, { filters, stride, name: `ds${i + 1}` });
        });
        x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
        return dense(x, { units: 2, name: "classifier" });
      }, "mobilenet_like"),
  },
  conv3x3: {
    description: "lecture example: 3x3 conv, 64x64x3 -> 64x64x16, no bias (432 MACs per output pixel)",
    build: () => single([64, 64, 3], (x) => conv(x, { filters: 16, kernel: 3, bias: false, name: "conv3x3" }), "conv3x3"),
    closedForm: conv2dCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, bias: false }),
  },
  pointwise: {
    description: "1x1 conv, 32x32x16 -> 32x32x32",
    build: () => single([32, 32, 16], (x) => pointwiseConv(x, { filters: 32, name: "pw" }), "pointwise"),
    closedForm: pointwiseConvCost({ cIn: 16, cOut: 32, h: 32, w: 32 }),
  },
  depthwise: {
    description: "3x3 depthwise conv with depth multiplier 2, 32x32x16 -> 32x32x32",
    build: () => single([32, 32, 16], (x) => depthwiseConv(x, { kernel: 3, depthMultiplier: 2, name: "dw" }), "depthwise"),
    closedForm: depthwiseConvCost({ c: 16, k: 3, h: 32, w: 32, depthMultiplier: 2 }),
  },
  separable: {
    description: "tfjs fused SeparableConv2D 3x3, 32x32x16 -> 32x32x32",
    build: () =>
      single([32, 32, 16], (x) => tf.layers.separableConv2d({ filters: 32, kernelSize: 3, padding: "same", name: "sep" }).apply(x) as tf.SymbolicTensor, "separable"),
    closedForm: separableConvCost({ cIn: 16, cOut: 32, k: 3, h: 32, w: 32 }),
  },
  "dws-block": {
    description: "depthwise-separable block (dw 3x3 s2, BN, ReLU6, pw, BN, ReLU6), 32x32x16 -> 16x16x32",
    build: () => single([32, 32, 16], (x) => depthwiseSeparableConv(x, { filters: 32, stride: 2, name: "ds" }), "dws_block"),
    closedForm: depthwiseSeparableBlockCost({ cIn: 16, h: 32, w: 32, filters: 32, stride: 2 }),
  },
  residual: {
    description: "ResNet bottleneck (wide-narrow-wide) 16x16x64, narrow 16, identity skip",
    build: () => single([16, 16, 64], (x) => residualBlock(x, { narrow: 16, name: "res" }), "residual"),
    closedForm: residualBlockCost({ cIn: 64, h: 16, w: 16, narrow: 16 }),
  },
  "inverted-residual": {
    description: "MobileNetV3 inverted residual (narrow-wide-narrow) 16x16x16, expansion 4, SE, hard-swish, skip",
    build: () =>
      single([16, 16, 16], (x) => invertedResidualBlock(x, { out: 16, expansion: 4, squeezeExcite: { ratio: 4 }, activation: "hard-swish", name: "ir" }), "inverted_residual"),
    closedForm: invertedResidualBlockCost({ cIn: 16, h: 16, w: 16, out: 16, expansion: 4, squeezeExcite: { ratio: 4 } }),
  },
};

export function builtinNames(): string[] {
  return Object.keys(BUILTINS);
}

export function getBuiltin(name: string): Builtin {
  const b = BUILTINS[name];
  if (!b) throw new RangeError(`unknown builtin model ${JSON.stringify(name)}; expected one of: ${builtinNames().join(", ")}`);
  return b;
}
