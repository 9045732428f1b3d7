// The course's lesson models in one place, built as the lessons build them, for everything that needs "every
// lesson model": the size table of lesson 08 (size-report.ts), the Arm NN and TFLite comparisons, lesson 10's
// C generator. Each entry builds a fresh, untrained model (seeded, so every build has the same weights) and
// gives a small calibration batch: real inputs from the dataset the lesson trains it on, or seeded random
// inputs where the lesson uses none (lesson 02's blocks and lesson 03's 96×96 example networks).
//
// Where each comes from (keep in step with the notebooks):
// - 00: `buildTinyCnn` (notebooks/00-getting-started, MNIST digits of loadMnist({ seed: 42 })).
// - 02: `threeConvs(true)` on 32×32×16, the inverted residual 16-64-64-16 and the ResNet bottleneck
//   64-16-16-64 on 16×16, and the profiler's builtin "mobilenet-like" (96×96×3); no dataset.
// - 03: the six MNIST networks the lesson trains (PhiNet α 0.25/0.5/0.75 and XiNet α 0.5/0.75/1 on
//   28×28×1, withSeededRandom(3)) and the two example backbones it costs (PhiNet α 0.5 and XiNet α 1,
//   96×96×3, no top).
// - 05: the tiny CNN on keyword log-mel features (loadKeywords train, seed 1), the same CNN on 28×28 digits
//   (the augmentation experiment's 200 digits), the motion statistics MLP (perAxisStatistics of the motion
//   windows) and the raw-window 1-D CNN (loadMotion train, seed 1).
import * as tf from "@tensorflow/tfjs";
import { loadKeywords } from "../data/keywords";
import { loadMnist } from "../data/mnist";
import { loadMotion, perAxisStatistics } from "../data/motion";
import { phinet } from "../nets/phinet";
import { withSeededRandom } from "../nets/seeded";
import { xinet } from "../nets/xinet";
import * as P from "../primitives/layers";
import { singleModel } from "../primitives/single";
import { getBuiltin } from "../profiler/builtins";

type Sym = tf.SymbolicTensor;

export interface LessonModel {
  /** Unique, e.g. "lesson03 PhiNet α 0.5 (MNIST)". */
  name: string;
  /** The notebook that defines it: "00", "02", "03" or "05". */
  lesson: string;
  /** One example's shape as the tfjs model takes it (channels last, no batch axis). */
  inputShape: number[];
  /** What calibration() returns, e.g. "MNIST train digits (loadMnist seed 42)" or "seeded N(0, 1)". */
  calibrationSource: string;
  /** A new untrained model with the lesson's architecture and seeded initial weights (the caller disposes it). */
  build(): tf.LayersModel;
  /** `count` (default 32, at most CALIBRATION_MAX) inputs [count, ...inputShape]; the caller disposes it. */
  calibration(count?: number): Promise<tf.Tensor>;
}

/** The largest calibration batch an entry gives (datasets are read once per process and kept this long). */
export const CALIBRATION_MAX = 200;

// ---------------------------------------------------------------------------------------------------------
// Calibration sources: each dataset is read once per process (the motion CSVs take seconds) and its first
// CALIBRATION_MAX examples kept as a Float32Array.

interface Samples {
  data: Float32Array;
  shape: number[];
}
const cache = new Map<string, Promise<Samples>>();

function cached(key: string, load: () => Promise<tf.Tensor>): Promise<Samples> {
  let p = cache.get(key);
  if (!p) {
    p = load().then((t) => {
      const kept = t.shape[0] > CALIBRATION_MAX ? t.slice(0, CALIBRATION_MAX) : t;
      const samples = { data: kept.dataSync() as Float32Array, shape: kept.shape.slice(1) };
      tf.dispose([t, kept]);
      return samples;
    });
    cache.set(key, p);
  }
  return p;
}

const mnistDigits = () =>
  cached("mnist-42", async () => {
    const mnist = loadMnist({ seed: 42 });
    const images = mnist.train.images.slice(0, CALIBRATION_MAX);
    mnist.dispose();
    return images;
  });
// Lesson 05's augmentation experiment: 200 training digits of a 2,000-digit load with seed 3.
const fewDigits = () =>
  cached("mnist-few", async () => {
    const few = loadMnist({ seed: 3, limit: 2000, fractions: { train: 0.1, validation: 0, test: 0.9 } });
    const images = few.train.images.clone();
    few.dispose();
    return images;
  });
const keywordFeatures = () =>
  cached("keywords", async () => {
    const kw = await loadKeywords({ split: "train", seed: 1, limit: CALIBRATION_MAX });
    const inputs = kw.inputs.clone();
    kw.dispose();
    return inputs;
  });
const motionWindows = () =>
  cached("motion", async () => {
    const motion = await loadMotion({ split: "train", seed: 1, limit: CALIBRATION_MAX });
    const inputs = motion.inputs.clone();
    motion.dispose();
    return inputs;
  });
const motionStatistics = () =>
  cached("motion-statistics", async () => {
    const w = await motionWindows();
    return tf.tidy(() => perAxisStatistics(tf.tensor(w.data, [w.data.length / 768, 128, 6]) as tf.Tensor3D));
  });

function batchOf(name: string, source: () => Promise<Samples>, inputShape: number[]) {
  return async (count = 32): Promise<tf.Tensor> => {
    checkCount(name, count);
    const s = await source();
    if (s.shape.join() !== inputShape.join()) {
      throw new Error(`lesson model "${name}": its dataset gives inputs of shape [${s.shape}], the model takes [${inputShape}]`);
    }
    const size = inputShape.reduce((a, b) => a * b, 1);
    const available = s.data.length / size;
    if (count > available) throw new RangeError(`lesson model "${name}": calibration(${count}) asks for more than the ${available} examples kept`);
    return tf.tensor(s.data.slice(0, count * size), [count, ...inputShape]);
  };
}

function seededNormal(name: string, inputShape: number[], seed: number) {
  return async (count = 32): Promise<tf.Tensor> => {
    checkCount(name, count);
    return tf.randomNormal([count, ...inputShape], 0, 1, "float32", seed);
  };
}

function checkCount(name: string, count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > CALIBRATION_MAX) {
    throw new RangeError(`lesson model "${name}": calibration count must be an integer 1..${CALIBRATION_MAX}, got ${count}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The architectures, as the notebooks define them.

/** Lesson 00's buildTinyCnn (seed 1): three conv + ReLU + 2×2 max-pool blocks and a softmax classifier. */
export function lesson00TinyCnn(seed = 1): tf.Sequential {
  const block = (filters: number, seedOffset: number) => [
    tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.heNormal({ seed: seed + seedOffset }) }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
  ];
  const classifier = tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 4 }) });
  return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [28, 28, 1] }), ...block(8, 1), ...block(16, 2), ...block(16, 3), tf.layers.flatten(), classifier] });
}

/** Lesson 02's threeConvs(withSkip): three 3×3 convs (16 filters, fused ReLU, ReLU, linear) on 32×32×16. */
export function lesson02ThreeConvs(withSkip = true): tf.LayersModel {
  const conv3x3 = (name: string, activation: "relu" | "linear") => tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", activation, name });
  return singleModel([32, 32, 16], (input) => {
    let x = conv3x3("conv1", "relu").apply(input) as Sym;
    x = conv3x3("conv2", "relu").apply(x) as Sym;
    x = conv3x3("conv3", "linear").apply(x) as Sym;
    return withSkip ? (tf.layers.add({ name: "add" }).apply([x, input]) as Sym) : x;
  }, withSkip ? "with_skip" : "plain");
}

/** Lesson 05's tinyCnn: two 3×3 stride-2 convs (8, 16 filters, ReLU), flatten, softmax dense. */
export function lesson05TinyCnn(inputShape: number[], classes: number): tf.Sequential {
  const conv = (filters: number) => tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: "same", activation: "relu" });
  return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), conv(8), conv(16), tf.layers.flatten(), tf.layers.dense({ units: classes, activation: "softmax" })] });
}

/** Lesson 05's statisticsModel: 24 per-axis statistics → dense 16 ReLU → 6 activities. */
export function lesson05MotionStats(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [24], units: 16, activation: "relu" }), tf.layers.dense({ units: 6, activation: "softmax" })] });
}

/** Lesson 05's rawCnn: two 1-D convs (16 filters, 5 taps, stride 2, ReLU) on 128×6, global average pool, dense. */
export function lesson05MotionRaw(): tf.Sequential {
  const conv1d = (o: object) => tf.layers.conv1d({ filters: 16, kernelSize: 5, strides: 2, activation: "relu", ...o });
  return tf.sequential({ layers: [conv1d({ inputShape: [128, 6] }), conv1d({}), tf.layers.globalAveragePooling1d({}), tf.layers.dense({ units: 6, activation: "softmax" })] });
}

/** Lesson 03's MNIST networks (cell "MNIST_PHINET" / "MNIST_XINET"). */
const MNIST_PHINET = { inputShape: [28, 28, 1], inputLayout: "hwc" as const, beta: 0.75, t0: 4, numLayers: 5, downsamplingLayers: [5], includeTop: true, numClasses: 10 };
const MNIST_XINET = { inputShape: [28, 28, 1], inputLayout: "hwc" as const, gamma: 4, numLayers: 3, includeTop: true, numClasses: 10 };
/** Lesson 03's example networks (96×96×3 backbones it costs and profiles). */
const PHI_EXAMPLE = { inputShape: [3, 96, 96], alpha: 0.5, beta: 0.75, t0: 6, numLayers: 7 };
const XI_EXAMPLE = { inputShape: [3, 96, 96], alpha: 1, gamma: 4, numLayers: 5 };

// ---------------------------------------------------------------------------------------------------------

const MNIST_SOURCE = "MNIST train digits (loadMnist seed 42)";

function entry(name: string, lesson: string, inputShape: number[], build: () => tf.LayersModel, calibration: { source: string; load: () => Promise<Samples> } | { seed: number }): LessonModel {
  if ("seed" in calibration) {
    return { name, lesson, inputShape, build, calibrationSource: `seeded N(0, 1), seed ${calibration.seed} (the lesson uses no dataset)`, calibration: seededNormal(name, inputShape, calibration.seed) };
  }
  return { name, lesson, inputShape, build, calibrationSource: calibration.source, calibration: batchOf(name, calibration.load, inputShape) };
}

/** Every lesson model, in lesson order. */
export function lessonModels(): LessonModel[] {
  const digits = { source: MNIST_SOURCE, load: mnistDigits };
  return [
    entry("lesson00 tiny CNN (MNIST)", "00", [28, 28, 1], () => lesson00TinyCnn(), digits),
    entry("lesson02 three convs + skip", "02", [32, 32, 16], () => withSeededRandom(2, () => lesson02ThreeConvs(true)), { seed: 21 }),
    entry("lesson02 inverted residual 16-64-64-16", "02", [16, 16, 16], () => withSeededRandom(2, () => singleModel([16, 16, 16], (x) => P.invertedResidualBlock(x, { out: 16, expansion: 4, name: "ir" }), "inverted_ref")), { seed: 22 }),
    entry("lesson02 ResNet bottleneck 64-16-16-64", "02", [16, 16, 64], () => withSeededRandom(2, () => singleModel([16, 16, 64], (x) => P.residualBlock(x, { narrow: 16, name: "res" }), "bottleneck")), { seed: 23 }),
    entry("lesson02 mobilenet-like (96×96×3)", "02", [96, 96, 3], () => withSeededRandom(2, () => getBuiltin("mobilenet-like").build()), { seed: 24 }),
    ...[0.25, 0.5, 0.75].map((alpha) => entry(`lesson03 PhiNet α ${alpha} (MNIST)`, "03", [28, 28, 1], () => withSeededRandom(3, () => phinet({ ...MNIST_PHINET, alpha })), digits)),
    ...[0.5, 0.75, 1].map((alpha) => entry(`lesson03 XiNet α ${alpha} (MNIST)`, "03", [28, 28, 1], () => withSeededRandom(3, () => xinet({ ...MNIST_XINET, alpha })), digits)),
    entry("lesson03 PhiNet α 0.5 example backbone (96×96×3)", "03", [96, 96, 3], () => withSeededRandom(3, () => phinet(PHI_EXAMPLE)), { seed: 31 }),
    entry("lesson03 XiNet α 1 example backbone (96×96×3)", "03", [96, 96, 3], () => withSeededRandom(3, () => xinet(XI_EXAMPLE)), { seed: 32 }),
    entry("lesson05 keyword tiny CNN (log-mel)", "05", [49, 40, 1], () => withSeededRandom(5, () => lesson05TinyCnn([49, 40, 1], 12)), { source: "keyword log-mel features (loadKeywords train, seed 1)", load: keywordFeatures }),
    entry("lesson05 tiny CNN (200 digits)", "05", [28, 28, 1], () => withSeededRandom(5, () => lesson05TinyCnn([28, 28, 1], 10)), { source: "MNIST train digits (lesson 05's 200, loadMnist seed 3)", load: fewDigits }),
    entry("lesson05 motion statistics MLP", "05", [24], () => withSeededRandom(5, () => lesson05MotionStats()), { source: "perAxisStatistics of motion windows (loadMotion train, seed 1)", load: motionStatistics }),
    entry("lesson05 motion raw 1-D CNN", "05", [128, 6], () => withSeededRandom(5, () => lesson05MotionRaw()), { source: "motion windows (loadMotion train, seed 1)", load: motionWindows }),
  ];
}

/**
 * Gives an untrained model's batch norms what training would: each BN's moving mean and variance become the
 * statistics of its input on `x` (layer by layer, so later BNs see normalised inputs), γ and β seeded random.
 * Untrained, a deep PhiNet's activations shrink block by block (hard-swish halves small values), until a
 * squeeze-excite gate's input range (~1e-8) is below what TFLM's int8 LOGISTIC accepts; with live statistics
 * its activations keep unit scale, so the untrained net quantizes and runs like a trained one. In place.
 */
export function liveBatchNorms(model: tf.LayersModel, x: tf.Tensor, seed: number): tf.LayersModel {
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== "BatchNormalization") return;
    tf.tidy(() => {
      const input = tf.model({ inputs: model.inputs, outputs: layer.input as Sym }).predict(x) as tf.Tensor;
      const { mean, variance } = tf.moments(input, input.shape.slice(0, -1).map((_, k) => k));
      const c = mean.shape[0];
      const affine = layer.getWeights().length === 4;
      layer.setWeights(affine ? [tf.randomUniform([c], 0.5, 1.5, "float32", seed + 2 * i), tf.randomUniform([c], -0.5, 0.5, "float32", seed + 2 * i + 1), mean, variance] : [mean, variance]);
    });
  });
  return model;
}

/** One lesson model by its exact name (see lessonModels()). */
export function lessonModel(name: string): LessonModel {
  const all = lessonModels();
  const found = all.find((m) => m.name === name);
  if (!found) throw new RangeError(`no lesson model named ${JSON.stringify(name)}; expected one of: ${all.map((m) => JSON.stringify(m.name)).join(", ")}`);
  return found;
}
