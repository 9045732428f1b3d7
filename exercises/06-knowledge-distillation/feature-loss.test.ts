// Graded tests for lesson 06's feature loss (exercises/06-knowledge-distillation/feature-loss.ts). Run them
// with `npm run grade -- --only 06.3`; each failing test prints its feedback as a hint.
// The references share no code with the course's: PyTorch's F.mse_loss and 1 − F.cosine_similarity in
// float64 (course-lib/compress/distill/fixtures/kd-reference.json, written by make-kd-fixture.py there), and
// float64 computations in this file on random features (the course's mulberry32); then the properties that
// make cosine a loss of directions, and the zero vectors a ReLU layer produces.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { readKdReference } from "../../course-lib/compress/distill/test-helpers";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { featureLoss, type FeatureLossKind } from "@exercise/06-knowledge-distillation/feature-loss";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

interface Features {
  shape: number[];
  /** Row-major, float32-exact (Math.fround), so the float64 references see what the tensors hold. */
  values: number[];
}

function randomFeatures(next: () => number, shape: number[], scale = 1): Features {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Array.from({ length: size }, () => Math.fround(scale * (2 * next() - 1))) };
}

function nestedToFeatures(nested: unknown): Features {
  const shape: number[] = [];
  for (let level = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
  return { shape, values: (nested as unknown[]).flat(Infinity) as number[] };
}

function mse64(s: Features, t: Features): number {
  return s.values.reduce((sum, v, i) => sum + (v - t.values[i]) ** 2, 0) / s.values.length;
}

/** Mean over the batch of 1 − cos of each example's flattened features; a zero vector has cosine 0. */
function cosine64(s: Features, t: Features): number {
  const batch = s.shape[0];
  const per = s.values.length / batch;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    let dot = 0, ss = 0, tt = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      dot += s.values[i] * t.values[i];
      ss += s.values[i] ** 2;
      tt += t.values[i] ** 2;
    }
    total += 1 - (ss > 0 && tt > 0 ? dot / Math.sqrt(ss * tt) : 0);
  }
  return total / batch;
}

function myLoss(s: Features, t: Features, kind: FeatureLossKind): number {
  const call = `featureLoss(student [${s.shape}], teacher [${t.shape}], "${kind}")`;
  return tf.tidy(() => {
    const result = featureLoss(tf.tensor(s.values, s.shape), tf.tensor(t.values, t.shape), kind);
    if (!(result instanceof tf.Tensor)) throw new Error(`${call} must return a tf.Tensor, got ${result === null ? "null" : typeof result}`);
    if (result.rank !== 0) throw new Error(`${call} must return a scalar (shape []), got shape [${result.shape}]: average over the batch`);
    return result.dataSync()[0];
  });
}

function expectLoss(what: string, mine: number, expected: number): void {
  if (Math.abs(mine - expected) <= 1e-6 + 1e-4 * Math.abs(expected)) return;
  expect({ case: what, loss: Number(mine.toPrecision(7)) }).toEqual({ case: what, loss: Number(expected.toPrecision(7)) });
}

/** PyTorch's cases on features that need no pooling (pooling is featureDistillationLoss's job, not this one's). */
const pytorchCases = readKdReference().features.filter((f) => f.pool === null);

graded(
  { id: "06.3", points: 2, feedback: "\"mse\" is the mean over EVERY element of (student − teacher)²: tf.mean(tf.squaredDifference(s, t)), a scalar. Not summed over the features, not a per-example vector." },
  "mse: the mean over all elements of (student − teacher)², as PyTorch's mse_loss",
  () => {
    for (const c of pytorchCases) expectLoss(`PyTorch mse_loss, ${c.name}`, myLoss(nestedToFeatures(c.student), nestedToFeatures(c.teacher), "mse"), c.mse.loss);
    const next = mulberry32(631);
    for (const shape of [[4, 8], [2, 3, 3, 5], [1, 6], [6, 1]]) {
      const s = randomFeatures(next, shape, 2);
      const t = randomFeatures(next, shape, 1.5);
      expectLoss(`random features [${shape}]`, myLoss(s, t, "mse"), mse64(s, t));
    }
    expectLoss("the stub's example", myLoss({ shape: [2, 2], values: [1, 2, 3, 0] }, { shape: [2, 2], values: [1, 0, 0, 4] }, "mse"), 7.25);
  },
);

graded(
  { id: "06.3", points: 2, feedback: "\"cosine\": reshape each example to ONE vector ([batch, −1]: height × width × channels together), 1 − (s · t) / (|s| · |t|) per example, then the mean over the batch. Not 1 − cos per pixel, and not −cos (Keras's sign)." },
  "cosine: 1 − cos of each example's flattened features, averaged over the batch, as PyTorch's cosine_similarity",
  () => {
    for (const c of pytorchCases) expectLoss(`PyTorch 1 − cosine_similarity, ${c.name}`, myLoss(nestedToFeatures(c.student), nestedToFeatures(c.teacher), "cosine"), c.cosine.loss);
    const next = mulberry32(632);
    for (const shape of [[5, 6], [3, 2, 2, 4], [1, 7], [2, 4, 4, 1]]) {
      const s = randomFeatures(next, shape);
      const t = randomFeatures(next, shape, 3);
      expectLoss(`random features [${shape}]`, myLoss(s, t, "cosine"), cosine64(s, t));
    }
    expectLoss("the stub's example", myLoss({ shape: [2, 2], values: [1, 2, 3, 0] }, { shape: [2, 2], values: [1, 0, 0, 4] }, "cosine"), 1 - 0.5 * (1 / Math.sqrt(5)) - 0.5 * 0);
  },
);

graded(
  { id: "06.3", points: 1, feedback: "1 − cos measures only directions: 0 for features pointing the same way (whatever their lengths), 1 for orthogonal ones, 2 for opposite ones, and scaling either tensor changes nothing." },
  "cosine is 0 when aligned, 1 when orthogonal, 2 when opposite, and ignores lengths",
  () => {
    const t: Features = { shape: [2, 3], values: [1, -2, 2, 0, 3, -4] };
    const scaled = (f: Features, k: number): Features => ({ shape: f.shape, values: f.values.map((v) => v * k) });
    expectLoss("student = 3 · teacher", myLoss(scaled(t, 3), t, "cosine"), 0);
    expectLoss("student = −0.5 · teacher", myLoss(scaled(t, -0.5), t, "cosine"), 2);
    expectLoss("orthogonal: [2, 1, 0] against [1, −2, 2], [0, 4, 3] against [0, 3, −4]", myLoss({ shape: [2, 3], values: [2, 1, 0, 0, 4, 3] }, t, "cosine"), 1);
    const next = mulberry32(633);
    const s = randomFeatures(next, [3, 2, 2, 2]);
    const u = randomFeatures(next, [3, 2, 2, 2]);
    expectLoss("student × 8 and teacher × 0.125 against the unscaled features", myLoss(scaled(s, 8), scaled(u, 0.125), "cosine"), myLoss(s, u, "cosine"));
    expectLoss("…and that loss itself", myLoss(s, u, "cosine"), cosine64(s, u));
  },
);

graded(
  { id: "06.3", points: 1, feedback: "An example whose features are all zero has no direction: 0 / 0 must not reach the loss. Divide by max(|s| · |t|, 1e-12) (or add a small ε): its cosine is then 0 and it adds 1 to the loss, never NaN." },
  "an all-zero example adds 1 to the cosine loss, not NaN",
  () => {
    const s: Features = { shape: [3, 4], values: [0, 0, 0, 0, 1, 2, -1, 0.5, 1, 0, 2, -3] };
    const t: Features = { shape: [3, 4], values: [1, -1, 2, 0, 0, 0, 0, 0, 2, 1, 0, -1] };
    const mine = myLoss(s, t, "cosine");
    expect({ case: "zero student in example 0, zero teacher in example 1", finite: Number.isFinite(mine) }).toEqual({ case: "zero student in example 0, zero teacher in example 1", finite: true });
    const third = 1 - (1 * 2 + 0 * 1 + 2 * 0 + -3 * -1) / Math.sqrt((1 + 0 + 4 + 9) * (4 + 1 + 0 + 1)); // [1, 0, 2, −3] against [2, 1, 0, −1]
    expectLoss("zero student in example 0, zero teacher in example 1: (1 + 1 + (1 − cos₂)) / 3", mine, (1 + 1 + third) / 3);
    expectLoss("both all zero", myLoss({ shape: [1, 3], values: [0, 0, 0] }, { shape: [1, 3], values: [0, 0, 0] }, "cosine"), 1);
  },
);

graded(
  { id: "06.3", points: 1, feedback: "Throw a RangeError naming both shapes when the student's and the teacher's shapes differ (also when tf would broadcast them, [2, 8] against [1, 8], or when they hold as many numbers, [2, 6] against [2, 2, 3]), and naming the kind when it is not \"mse\" or \"cosine\"." },
  "rejects features of different shapes and an unknown kind",
  () => {
    const a = tf.zeros([2, 8]).add(1);
    const b = tf.ones([2, 8]);
    validCall('featureLoss([2, 8], [2, 8], "mse")', () => featureLoss(a, b, "mse"));
    validCall('featureLoss([2, 8], [2, 8], "cosine")', () => featureLoss(a, b, "cosine"));
    for (const [student, teacher, named] of [
      [[2, 8], [2, 6], [/2,\s*8/, /2,\s*6/]],
      [[2, 8], [1, 8], [/2,\s*8/, /1,\s*8/]],
      [[2, 4, 4, 3], [2, 4, 4, 6], [/4,\s*4,\s*3/, /4,\s*4,\s*6/]],
      [[2, 6], [2, 2, 3], [/2,\s*6/, /2,\s*2,\s*3/]],
    ] as [number[], number[], RegExp[]][]) {
      const call = `featureLoss([${student}], [${teacher}], "mse")`;
      const error = errorFrom(() => featureLoss(tf.zeros(student), tf.zeros(teacher), "mse"));
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
    for (const kind of ["l2", "MSE"]) {
      const call = `featureLoss(a, b, "${kind}")`;
      const error = errorFrom(() => featureLoss(a, b, kind as FeatureLossKind));
      expect(error, call).toBeInstanceOf(RangeError);
      expect(error.message, call).toContain(kind);
    }
    tf.dispose([a, b]);
  },
);
