// The three fixed benchmark architectures (tfjs layers, channels-last), exported as builders so lessons and
// tests can reuse them. course-lib/bench/torch_bench.py defines the very same networks in PyTorch (NCHW); the
// benchmark asserts that both sides have identical parameter counts, so a change here must be mirrored there.
import * as tf from "@tensorflow/tfjs";
import { HardSigmoid, HardSwish } from "../primitives/hard-swish";

export type BenchModelName = "bench" | "lenet" | "phinet-like";

/** What the classifier head ends with: raw logits (pair with a softmax cross-entropy loss) or probabilities. */
export type HeadKind = "logits" | "softmax";

export interface BuildOptions {
  /** Default "softmax", the usual choice with `categoricalCrossentropy`; the benchmark uses "logits". */
  head?: HeadKind;
  /** Number of classes of the final dense layer (default 10). */
  numClasses?: number;
}

export interface BenchModelSpec {
  name: BenchModelName;
  description: string;
  /** Channels-last input shape without the batch dimension. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Batch size for the training measurement. */
  trainBatch: number;
  /** Batch size for the inference measurement (predict). */
  inferBatch: number;
  build(options?: BuildOptions): tf.LayersModel;
}

export interface ParamCounts {
  trainable: number;
  /** Non-trainable weights, i.e. the BatchNorm moving mean and variance. */
  nonTrainable: number;
  total: number;
}

// Hard-swish / hard-sigmoid are the course's own layers (course-lib/primitives/hard-swish.ts); hard-swish runs
// the runtime's fused op on wasm, like PyTorch's fused nn.Hardswish.
export { HardSigmoid, HardSwish };

function headActivation(options: BuildOptions | undefined): "linear" | "softmax" {
  const head = options?.head ?? "softmax";
  if (head !== "logits" && head !== "softmax") {
    throw new Error(`head must be "logits" or "softmax", got ${JSON.stringify(head)}`);
  }
  return head === "logits" ? "linear" : "softmax";
}

function classCount(options: BuildOptions | undefined): number {
  const n = options?.numClasses ?? 10;
  if (!Number.isInteger(n) || n < 2) throw new Error(`numClasses must be an integer >= 2, got ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// (a) bench: the smallest network that exercises every conv-net training kernel (conv, depthwise, pointwise,
// max pool, batch norm, pooling, dense).

export function buildBenchModel(options?: BuildOptions): tf.Sequential {
  return tf.sequential({
    name: "bench",
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 1, padding: "same", activation: "relu" }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization({ epsilon: 1e-5 }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: classCount(options), activation: headActivation(options) }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------
// (b) LeNet-style digit classifier on 28x28x1 (valid convolutions, as in the original).

export function buildLeNet(options?: BuildOptions): tf.Sequential {
  return tf.sequential({
    name: "lenet",
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: classCount(options), activation: headActivation(options) }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------
// (c) PhiNet-like: inverted residual blocks with squeeze-excite and hard-swish on 96x96x3, widths in the range
// of PhiNet at alpha ~ 0.25. The table is mirrored in torch_bench.py (PHINET_BLOCKS).

export interface InvertedResidualSpec {
  /** Output channels. */
  out: number;
  /** Depthwise stride (2 halves the resolution). */
  stride: 1 | 2;
  /** Expansion factor t of the 1x1 expand conv (1 = no expand conv). */
  expansion: number;
}

export const PHINET_STEM_CHANNELS = 8; // stem: 96x96x3 -> 48x48x8
export const PHINET_BLOCKS: readonly InvertedResidualSpec[] = [
  { out: 8, stride: 2, expansion: 1 }, // -> 24x24 (depthwise-separable, no expand conv)
  { out: 16, stride: 2, expansion: 6 }, // -> 12x12
  { out: 16, stride: 1, expansion: 6 }, // residual
  { out: 24, stride: 2, expansion: 6 }, // -> 6x6
  { out: 24, stride: 1, expansion: 6 }, // residual
  { out: 32, stride: 1, expansion: 6 }, // widen
];

/** Squeeze-excite bottleneck width for a block with `channels` channels (same rule in torch_bench.py). */
export function squeezeChannels(channels: number): number {
  return Math.max(4, Math.floor(channels / 4));
}

const BN_EPSILON = 1e-5; // PyTorch's default, so both frameworks normalise identically

function convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number, stride: number, name: string) {
  const conv = tf.layers.conv2d({ filters, kernelSize, strides: stride, padding: "same", useBias: false, name: `${name}_conv` });
  return tf.layers.batchNormalization({ epsilon: BN_EPSILON, name: `${name}_bn` }).apply(conv.apply(x)) as tf.SymbolicTensor;
}

function squeezeExcite(x: tf.SymbolicTensor, channels: number, name: string): tf.SymbolicTensor {
  const squeezed = tf.layers.globalAveragePooling2d({ name: `${name}_se_pool` }).apply(x) as tf.SymbolicTensor;
  const reduced = tf.layers
    .dense({ units: squeezeChannels(channels), activation: "relu", name: `${name}_se_reduce` })
    .apply(squeezed) as tf.SymbolicTensor;
  const expanded = tf.layers.dense({ units: channels, name: `${name}_se_expand` }).apply(reduced) as tf.SymbolicTensor;
  const gate = new HardSigmoid({ name: `${name}_se_gate` }).apply(expanded) as tf.SymbolicTensor;
  const gate4d = tf.layers.reshape({ targetShape: [1, 1, channels], name: `${name}_se_reshape` }).apply(gate) as tf.SymbolicTensor;
  return tf.layers.multiply({ name: `${name}_se_scale` }).apply([x, gate4d]) as tf.SymbolicTensor;
}

/** One inverted residual block: [1x1 expand, BN, h-swish], depthwise 3x3, BN, h-swish, SE, 1x1 project, BN, [+x]. */
export function invertedResidual(
  x: tf.SymbolicTensor,
  inChannels: number,
  spec: InvertedResidualSpec,
  name: string,
): tf.SymbolicTensor {
  if (!Number.isInteger(spec.expansion) || spec.expansion < 1) {
    throw new Error(`${name}: expansion must be an integer >= 1, got ${spec.expansion}`);
  }
  const hidden = inChannels * spec.expansion;
  let h = x;
  if (spec.expansion !== 1) {
    h = convBn(h, hidden, 1, 1, `${name}_expand`);
    h = new HardSwish({ name: `${name}_expand_hswish` }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides: spec.stride, padding: "same", useBias: false, name: `${name}_dw` })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ epsilon: BN_EPSILON, name: `${name}_dw_bn` }).apply(h) as tf.SymbolicTensor;
  h = new HardSwish({ name: `${name}_dw_hswish` }).apply(h) as tf.SymbolicTensor;
  h = squeezeExcite(h, hidden, name);
  h = convBn(h, spec.out, 1, 1, `${name}_project`);
  if (spec.stride === 1 && inChannels === spec.out) {
    h = tf.layers.add({ name: `${name}_add` }).apply([x, h]) as tf.SymbolicTensor;
  }
  return h;
}

export function buildPhiNetLike(options?: BuildOptions): tf.LayersModel {
  const input = tf.input({ shape: [96, 96, 3], name: "image" });
  let x = convBn(input, PHINET_STEM_CHANNELS, 3, 2, "stem");
  x = new HardSwish({ name: "stem_hswish" }).apply(x) as tf.SymbolicTensor;
  let channels = PHINET_STEM_CHANNELS;
  PHINET_BLOCKS.forEach((spec, i) => {
    x = invertedResidual(x, channels, spec, `block${i + 1}`);
    channels = spec.out;
  });
  x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: classCount(options), activation: headActivation(options), name: "classifier" })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "phinet_like" });
}

// ---------------------------------------------------------------------------------------------------------

export const BENCH_MODELS: Record<BenchModelName, BenchModelSpec> = {
  bench: {
    name: "bench",
    description: "conv3x3 3->16, depthwise 3x3, pointwise 16->32, maxpool, batchnorm, GAP, dense 10 on 32x32x3",
    inputShape: [32, 32, 3],
    numClasses: 10,
    trainBatch: 64,
    inferBatch: 128,
    build: buildBenchModel,
  },
  lenet: {
    name: "lenet",
    description: "LeNet: conv 8 5x5, maxpool, conv 16 5x5, maxpool, dense 64, dense 10 on 28x28x1",
    inputShape: [28, 28, 1],
    numClasses: 10,
    trainBatch: 64,
    inferBatch: 128,
    build: buildLeNet,
  },
  "phinet-like": {
    name: "phinet-like",
    description: `PhiNet-like: stem conv s2, ${PHINET_BLOCKS.length} inverted residual blocks (t=6, SE, h-swish), GAP, dense 10 on 96x96x3`,
    inputShape: [96, 96, 3],
    numClasses: 10,
    trainBatch: 64,
    inferBatch: 128,
    build: buildPhiNetLike,
  },
};

export const BENCH_MODEL_NAMES = Object.keys(BENCH_MODELS) as BenchModelName[];

export function getBenchModel(name: string): BenchModelSpec {
  const spec = (BENCH_MODELS as Record<string, BenchModelSpec | undefined>)[name];
  if (!spec) {
    throw new Error(`unknown benchmark model ${JSON.stringify(name)}; expected one of ${BENCH_MODEL_NAMES.join(", ")}`);
  }
  return spec;
}

/** Parameter counts the way PyTorch reports them: trainable parameters, plus BatchNorm running statistics. */
export function countParams(model: tf.LayersModel): ParamCounts {
  const size = (weights: tf.LayerVariable[]) =>
    weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}
