// Test helpers of lesson 06: the toy task the training tests distill on (6×6 random images, 4 classes, a small
// conv teacher with BatchNorm and a smaller conv student, with fixed layer names for feature distillation),
// the closeness measure the loss tests compare with PyTorch by, and the PyTorch fixture
// (fixtures/kd-reference.json) with its types. Shared by distill.test.ts and study.test.ts (toy models), by
// loss.test.ts and feature-loss.test.ts (closeness, fixture) and by lesson 06's graded tests (fixture).
import { readFileSync } from "fs";
import { join } from "path";
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { mulberry32 } from "../../data/random";
import { withSeededRandom } from "../../nets/seeded";
import type { LabelledData } from "../../train/fit";

type Sym = tf.SymbolicTensor;

// ---------------------------------------------------------------------------------------------------------
// The float64 reference the loss tests compare tfjs against (plain JS, no tfjs)

/** log softmax(row / T) in float64, stable: the row's maximum is subtracted before exponentiating. */
export function logSoftmax64(row: readonly number[], temperature = 1): number[] {
  const scaled = row.map((v) => v / temperature);
  const max = Math.max(...scaled);
  const logSum = max + Math.log(scaled.reduce((sum, v) => sum + Math.exp(v - max), 0));
  return scaled.map((v) => v - logSum);
}

// ---------------------------------------------------------------------------------------------------------
// The toy task

export const TOY_CLASSES = 4;

/**
 * n random 6×6 images (mulberry32(seed)); the label is the quadrant with the largest sum, learnable by a small
 * conv net. With fewer than 4 classes the quadrant index wraps (mod classes); with more, some never occur.
 */
export function makeToyData(n: number, seed: number, classes = TOY_CLASSES): LabelledData {
  const random = mulberry32(seed);
  const pixels = new Float32Array(n * 36);
  for (let i = 0; i < pixels.length; i++) pixels[i] = random();
  const labels = new Float32Array(n * classes);
  for (let e = 0; e < n; e++) {
    const sums = [0, 0, 0, 0];
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) sums[(r < 3 ? 0 : 2) + (c < 3 ? 0 : 1)] += pixels[e * 36 + r * 6 + c];
    const label = sums.indexOf(Math.max(...sums)) % classes;
    labels[e * classes + label] = 1;
  }
  return { images: tf.tensor4d(pixels, [n, 6, 6, 1]), labels: tf.tensor2d(labels, [n, classes]) };
}

/** Teacher: conv 8 ("t_conv1") → BatchNorm ("t_bn") → ReLU → 2×2 max pool ("t_pool", [3, 3, 8]) → dense logits. */
export function buildToyTeacher(seed: number, classes = TOY_CLASSES): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const input = tf.input({ shape: [6, 6, 1] });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", name: "t_conv1" }).apply(input) as Sym;
    x = tf.layers.batchNormalization({ name: "t_bn" }).apply(x) as Sym;
    x = tf.layers.reLU({ name: "t_relu" }).apply(x) as Sym;
    x = tf.layers.maxPooling2d({ poolSize: 2, name: "t_pool" }).apply(x) as Sym;
    x = tf.layers.flatten({ name: "t_flat" }).apply(x) as Sym;
    const out = tf.layers.dense({ units: classes, name: "t_logits" }).apply(x) as Sym;
    return tf.model({ inputs: input, outputs: out, name: "teacher" });
  });
}

/**
 * Student: conv 4 with ReLU ("s_conv", [6, 6, 4]: 2× the teacher's t_pool, half its channels) → pool → dense
 * logits, no BatchNorm or dropout. Seeded with withSeededRandom(seed); without a seed it draws from whatever
 * random source is in force (the study seeds each run itself).
 */
export function buildToyStudent(seed?: number): tf.LayersModel {
  const build = () => {
    const input = tf.input({ shape: [6, 6, 1] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu", name: "s_conv" }).apply(input) as Sym;
    x = tf.layers.maxPooling2d({ poolSize: 2, name: "s_pool" }).apply(x) as Sym;
    x = tf.layers.flatten({ name: "s_flat" }).apply(x) as Sym;
    const out = tf.layers.dense({ units: TOY_CLASSES, name: "s_logits" }).apply(x) as Sym;
    return tf.model({ inputs: input, outputs: out, name: "student" });
  };
  return seed === undefined ? build() : withSeededRandom(seed, build);
}

// ---------------------------------------------------------------------------------------------------------
// Comparing with PyTorch

/** The loss tests' tolerance measure: |a − b| / max(1, |b|) (absolute near 0, relative for large values). */
export function closeness(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
}

/** The worst closeness over two arrays of the same length (checked); a NaN is infinitely far. */
export function maxCloseness(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Number.isNaN(actual[i]) ? Infinity : closeness(actual[i], expected[i]));
  return worst;
}

// ---------------------------------------------------------------------------------------------------------
// The PyTorch fixture (written by fixtures/make-kd-fixture.py)

export const KD_REFERENCE_PATH = join(__dirname, "fixtures", "kd-reference.json");

export type Matrix = number[][];
export type Nested = number | Nested[];

/** One (T, α) of a logit batch: F.kl_div(batchmean)·T², F.cross_entropy, their α-mix and its gradient. */
export interface KdCase {
  temperature: number;
  alpha: number;
  soft: number;
  hard: number;
  total: number;
  gradStudent: Matrix;
}

/** Student and teacher logits [batch, classes], one-hot labels, and the losses over a grid of T and α. */
export interface LogitBatch {
  name: string;
  student: Matrix;
  teacher: Matrix;
  labels: Matrix;
  cases: KdCase[];
}

/**
 * Student and teacher features ([N, H, W, C] maps or [N, D] embeddings) and both losses with their gradients;
 * pool: the kernel (= stride) of the 2-D average pooling applied to the student first, or null.
 */
export interface FeatureCase {
  name: string;
  student: Nested;
  teacher: Nested;
  pool: [number, number] | null;
  mse: { loss: number; gradStudent: Nested };
  cosine: { loss: number; gradStudent: Nested };
}

export interface KdReference {
  generator: string;
  torch: string;
  logits: LogitBatch[];
  features: FeatureCase[];
}

/** Reads the committed fixture (or a regenerated one at `path`): the whole JSON, typed as far as the tests use it. */
export function readKdReference(path = KD_REFERENCE_PATH): KdReference {
  return JSON.parse(readFileSync(path, "utf8")) as KdReference;
}
