// DS-CNN, the depthwise-separable keyword-spotting network of "Hello Edge" (Zhang et al. 2017,
// arXiv 1711.07128; the model Arm ships for Cortex-M KWS): a standard convolution stem, then blocks of a 3×3
// depthwise convolution and a 1×1 pointwise convolution, each followed by BatchNorm and ReLU, a global
// average pool and a dense layer of logits. Lesson 06 uses a narrow one as the distilled student: it is
// cheap to train many times (one seeded run per arm, seed and data size) and small enough for a 16 KB MCU.
//
// Layer names are fixed so a feature-distillation loss can point at them: "stem", "block<i>_dw",
// "block<i>_pw" (i from 1), "embedding" (the pooled features the head reads) and "head_logits".
// BatchNorm momentum is 0.9 rather than tfjs's 0.99: runs here are a few hundred steps, and with 0.99 the
// moving statistics used at test time would still carry a quarter of their initial values after 140 steps.
import * as tf from "@tensorflow/tfjs";
import { NetOptionError, rejectUnknownOptions, requireInteger } from "./common";

export interface DsCnnOptions {
  /** [height, width, channels], e.g. [49, 10, 1] for 10 MFCCs over 49 frames. */
  inputShape: number[];
  numClasses: number;
  /** Filters of the stem convolution (default 64, Hello Edge's DS-CNN-S). */
  stemFilters?: number;
  /** Stem kernel [height, width] (default [10, 4], Hello Edge's, over time × frequency). */
  stemKernel?: [number, number];
  /** Stem stride [height, width] (default [2, 2]). */
  stemStride?: [number, number];
  /** Pointwise filters of each depthwise-separable block (default four blocks of 64). */
  blockFilters?: number[];
  /** Strides of each block's depthwise convolution (default 1 for every block). */
  blockStrides?: number[];
}

const F = "dsCnn";
const OPTION_NAMES = ["inputShape", "numClasses", "stemFilters", "stemKernel", "stemStride", "blockFilters", "blockStrides"];

function pair(option: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new NetOptionError(F, option, `must be two positive integers [height, width], got ${JSON.stringify(value)}`);
  }
  return value as [number, number];
}

/** Builds a DS-CNN (see the header); every random initialiser draws from Math.random (seed it with withSeededRandom). */
export function dsCnn(options: DsCnnOptions): tf.LayersModel {
  rejectUnknownOptions(F, options, OPTION_NAMES);
  const shape = options.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new NetOptionError(F, "inputShape", `must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const classes = requireInteger(F, "numClasses", options.numClasses, 2);
  const stemFilters = requireInteger(F, "stemFilters", options.stemFilters ?? 64, 1);
  const stemKernel = pair("stemKernel", options.stemKernel ?? [10, 4]);
  const stemStride = pair("stemStride", options.stemStride ?? [2, 2]);
  const blockFilters = options.blockFilters ?? [64, 64, 64, 64];
  if (!Array.isArray(blockFilters) || blockFilters.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new NetOptionError(F, "blockFilters", `must be a list of positive integers, got ${JSON.stringify(blockFilters)}`);
  }
  const blockStrides = options.blockStrides ?? blockFilters.map(() => 1);
  if (!Array.isArray(blockStrides) || blockStrides.length !== blockFilters.length || blockStrides.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new NetOptionError(F, "blockStrides", `must list one positive integer stride per block (${blockFilters.length}), got ${JSON.stringify(blockStrides)}`);
  }

  const bnRelu = (x: tf.SymbolicTensor, name: string) => {
    const y = tf.layers.batchNormalization({ momentum: 0.9, name: `${name}_bn` }).apply(x) as tf.SymbolicTensor;
    return tf.layers.reLU({ name: `${name}_relu` }).apply(y) as tf.SymbolicTensor;
  };
  const input = tf.input({ shape, name: "input" });
  let x = tf.layers.conv2d({ filters: stemFilters, kernelSize: stemKernel, strides: stemStride, padding: "same", useBias: false, name: "stem" })
    .apply(input) as tf.SymbolicTensor;
  x = bnRelu(x, "stem");
  blockFilters.forEach((filters, i) => {
    const n = `block${i + 1}`;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: blockStrides[i], padding: "same", useBias: false, name: `${n}_dw` }).apply(x) as tf.SymbolicTensor;
    x = bnRelu(x, `${n}_dw`);
    x = tf.layers.conv2d({ filters, kernelSize: 1, useBias: false, name: `${n}_pw` }).apply(x) as tf.SymbolicTensor;
    x = bnRelu(x, `${n}_pw`);
  });
  x = tf.layers.globalAveragePooling2d({ name: "embedding" }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes, name: "head_logits" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: "ds_cnn" });
}
