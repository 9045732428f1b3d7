// Lesson 07's setting, defined once for the notebook, its tests and `npm run prune:study`: a LeNet-sized
// digits CNN (conv-BN-ReLU twice, Flatten, two dense layers) whose 57 K weights sit mostly in one dense
// layer, as in Han et al.'s LeNets; a PhiNet with five identity-skip blocks for layer-drop; and the short
// training budgets that let the notebook run every experiment over three seeds within its three minutes.
import * as tf from "@tensorflow/tfjs";
import { loadMnist, type MnistDataset } from "../../data/mnist";
import { phinet } from "../../nets/phinet";
import { withSeededRandom, withSeededRandomAsync } from "../../nets/seeded";
import { fitWithProgress, type FitResult, type LabelledData } from "../../train/fit";
import type { DisplayTarget } from "../../viz/display";
import { crossEntropyFromLogits } from "../distill/loss";

type Sym = tf.SymbolicTensor;

/** Filters of the two convs and units of the hidden dense layer. */
export interface DigitsCnnWidths {
  conv1: number;
  conv2: number;
  fc1: number;
}

export const DIGITS_CNN_WIDTHS: Readonly<DigitsCnnWidths> = Object.freeze({ conv1: 16, conv2: 32, fc1: 64 });

/**
 * The lesson's digits CNN, logits out: conv 3×3 → BN → ReLU → max-pool, twice ('valid' convs, no conv
 * bias: BN supplies it), Flatten, dense + ReLU, dense. BN momentum 0.9 (tfjs's default 0.99 would lag the
 * weights by hundreds of steps, too many for three-epoch runs). 56,858 parameters at the default widths.
 */
export function digitsCnn(widths: DigitsCnnWidths = DIGITS_CNN_WIDTHS): tf.LayersModel {
  for (const key of ["conv1", "conv2", "fc1"] as const) {
    const v = widths[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`digitsCnn: ${key} must be a positive integer, got ${String(v)}`);
  }
  const input = tf.input({ shape: [28, 28, 1], name: "input" });
  const convBlock = (x: Sym, filters: number, name: string): Sym => {
    let y = tf.layers.conv2d({ filters, kernelSize: 3, useBias: false, name }).apply(x) as Sym;
    y = tf.layers.batchNormalization({ momentum: 0.9, name: `${name}_bn` }).apply(y) as Sym;
    y = tf.layers.reLU({ name: `${name}_relu` }).apply(y) as Sym;
    return tf.layers.maxPooling2d({ poolSize: 2, name: `${name}_pool` }).apply(y) as Sym;
  };
  let x = convBlock(convBlock(input, widths.conv1, "conv1"), widths.conv2, "conv2");
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as Sym;
  x = tf.layers.dense({ units: widths.fc1, activation: "relu", name: "fc1" }).apply(x) as Sym;
  const logits = tf.layers.dense({ units: 10, name: "logits" }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: logits, name: "digits_cnn" });
}

/** PhiNet for layer-drop: α 0.25, 9 blocks on 28×28 digits; blocks 3, 5, 7, 9 and 10 have identity skips. */
export const LAYER_DROP_PHINET = { inputShape: [1, 28, 28], alpha: 0.25, numLayers: 9, includeTop: true, numClasses: 10 };

/**
 * Layer-drop rate of the lesson's PhiNet: fairseq recommends 0.2 for the best full-depth model and 0.5 when
 * half of the layers or more are to be removed, as here (every other block).
 */
export const LAYER_DROP_RATE = 0.5;
/** Epochs of each layer-drop PhiNet (plain and with layer-drop) on 2,000 digits. */
export const LAYER_DROP_EPOCHS = 3;

/** Adam at this rate for every training and fine-tuning run of the lesson. */
export const LESSON_LEARNING_RATE = 0.003;
export const LESSON_BATCH_SIZE = 64;
/** Epochs of a parent digits CNN on the 8,000 training digits. */
export const PARENT_EPOCHS = 2;

/** Compiles `model` for the lesson's runs: Adam, cross-entropy on logits, accuracy. */
export function compileForLesson(model: tf.LayersModel, learningRate = LESSON_LEARNING_RATE): tf.LayersModel {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: crossEntropyFromLogits, metrics: ["accuracy"] });
  return model;
}

/** The MNIST digits of every lesson (loadMnist seed 42: 8,000 train, 1,000 validation, 1,000 test). */
export function lessonDigits(): MnistDataset {
  return loadMnist();
}

/** The first `count` examples of `data` (e.g. a fine-tuning subset); the caller disposes them. */
export function firstExamples(data: LabelledData, count: number): LabelledData {
  const n = data.images.shape[0];
  if (!Number.isInteger(count) || count < 1 || count > n) throw new RangeError(`firstExamples: count must be an integer in [1, ${n}], got ${String(count)}`);
  return { images: data.images.slice(0, count), labels: data.labels.slice(0, count) };
}

export interface TrainOptions {
  epochs: number;
  seed: number;
  title?: string;
  display?: DisplayTarget | false;
  learningRate?: number;
  /** Called after every optimizer step (e.g. a Pruner's step). */
  onBatchEnd?: (batch: number) => void | Promise<void>;
}

/**
 * Trains a model the lesson's way: compiled with Adam and cross-entropy on logits, the shuffle seeded, and
 * Math.random seeded for the run (dropout and layer-drop draw from it).
 */
export function trainForLesson(model: tf.LayersModel, train: LabelledData, options: TrainOptions): Promise<FitResult> {
  compileForLesson(model, options.learningRate);
  return withSeededRandomAsync(options.seed, () => fitWithProgress(model, train, {
    epochs: options.epochs, batchSize: LESSON_BATCH_SIZE, seed: options.seed, title: options.title, display: options.display,
    onBatchEnd: options.onBatchEnd,
  }));
}

/** A digits CNN with seeded initial weights. */
export function buildDigitsCnn(seed: number, widths: DigitsCnnWidths = DIGITS_CNN_WIDTHS): tf.LayersModel {
  return withSeededRandom(seed, () => digitsCnn(widths));
}

/** The layer-drop PhiNet with seeded initial weights. */
export function buildLayerDropPhiNet(seed: number): tf.LayersModel {
  return withSeededRandom(seed, () => phinet(LAYER_DROP_PHINET));
}
