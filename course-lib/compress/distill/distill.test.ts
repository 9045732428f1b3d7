// Tests of distill(), the knowledge-distillation training loop, on tiny conv nets (6×6 inputs, 4 classes: the
// toy task of test-helpers.ts) on the course's backend. The references are independent of distill.ts: plain
// fitWithProgress with a cross-entropy loss (α = 0 must be exactly plain training), and the soft, hard and
// feature terms recomputed in float64 JavaScript from the models' own predictions (a learning rate of 0 keeps the models fixed, so
// the logged epoch means must equal the means over the training set).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { distill } from "./distill";
import { crossEntropyFromLogits } from "./loss";
import { initBackend } from "../../runtime/backend";
import { withSeededRandom } from "../../nets/seeded";
import { fitWithProgress, type LabelledData } from "../../train/fit";
import { buildToyStudent, buildToyTeacher, logSoftmax64, makeToyData, TOY_CLASSES } from "./test-helpers";

type Sym = tf.SymbolicTensor;

const N = 64; // divisible by BATCH: every batch has the same size, so epoch means of the terms are linear
const BATCH = 16;

function snapshot(model: tf.LayersModel): { name: string; values: Float32Array }[] {
  return model.weights.map((w) => ({ name: w.originalName, values: w.read().dataSync() as Float32Array }));
}

function maxAbsDifference(a: { values: Float32Array }[], b: { values: Float32Array }[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((w, i) => {
    expect(w.values.length).toBe(b[i].values.length);
    for (let j = 0; j < w.values.length; j++) worst = Math.max(worst, Math.abs(w.values[j] - b[i].values[j]));
  });
  return worst;
}

/** How many examples went through a spied-on layer's call(): the sum of its inputs' batch sizes. */
function examplesThrough(call: { mock: { calls: unknown[][] } }): number {
  return call.mock.calls.reduce((sum: number, args) => {
    const x = args[0] as tf.Tensor | tf.Tensor[];
    return sum + (Array.isArray(x) ? x[0] : x).shape[0];
  }, 0);
}

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}


let data: LabelledData;
let teacher: tf.LayersModel;

beforeAll(async () => {
  await initBackend();
  data = makeToyData(N, 1);
  // A teacher trained a little, so its soft targets carry information and its BN moving statistics are not
  // the initial 0 and 1 (training the teacher would visibly move them).
  teacher = buildToyTeacher(10);
  teacher.compile({ optimizer: tf.train.adam(0.02), loss: (y: tf.Tensor, z: tf.Tensor) => crossEntropyFromLogits(y, z) });
  await fitWithProgress(teacher, data, { epochs: 10, batchSize: BATCH, seed: 3, display: false });
});

afterAll(() => {
  data?.images.dispose();
  data?.labels.dispose();
  teacher?.dispose();
});

describe("distill: soft targets", () => {
  it("lowers the soft term over a few epochs and logs loss = α·soft + (1 − α)·hard per epoch", async () => {
    const student = buildToyStudent(20);
    const alpha = 0.7;
    const result = await distill({
      teacher, student, data, loss: { temperature: 4, alpha }, epochs: 6, batchSize: BATCH, seed: 1, learningRate: 0.01, display: false,
    });
    const h = result.history;
    expect(h.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]); // 1-based, as fitWithProgress numbers them
    expect(h[h.length - 1].soft!).toBeLessThan(h[0].soft!);
    for (const r of h) {
      expect(Number.isFinite(r.soft!) && Number.isFinite(r.hard) && r.soft! >= 0 && r.hard > 0).toBe(true);
      expect(r.feature).toBeUndefined();
      expect(r.acc).toBeGreaterThanOrEqual(0);
      expect(r.acc).toBeLessThanOrEqual(1);
      expect(r.loss).toBeCloseTo(alpha * r.soft! + (1 - alpha) * r.hard, 5);
    }
    expect(result.adapter).toBeNull();
    expect(result.seconds).toBeGreaterThan(0);
    student.dispose();
  });

  it("with a learning rate of 0, the logged terms equal the soft and hard terms recomputed in float64", async () => {
    // The student has no BN or dropout, so its training-mode logits are its predict() logits; the teacher's
    // must be its inference-mode logits (BN on moving statistics), matched to the right examples.
    const student = buildToyStudent(21);
    const T = 3, alpha = 0.4;
    const result = await distill({
      teacher, student, data, loss: { temperature: T, alpha }, epochs: 1, batchSize: BATCH, seed: 2, optimizer: tf.train.sgd(0), display: false,
    });
    const zs = rows(student.predict(data.images) as tf.Tensor);
    const zt = rows(teacher.predict(data.images) as tf.Tensor);
    const y = rows(data.labels);
    let soft = 0, hard = 0, correct = 0;
    for (let e = 0; e < N; e++) {
      const logP = logSoftmax64(zt[e], T), logQ = logSoftmax64(zs[e], T), logQ1 = logSoftmax64(zs[e]);
      soft += T * T * logP.reduce((acc, lp, c) => acc + Math.exp(lp) * (lp - logQ[c]), 0);
      hard -= y[e].reduce((acc, yc, c) => acc + yc * logQ1[c], 0);
      if (y[e][zs[e].indexOf(Math.max(...zs[e]))] === 1) correct++;
    }
    soft /= N;
    hard /= N;
    const r = result.history[0];
    expect(r.soft!).toBeCloseTo(soft, 4);
    expect(r.hard).toBeCloseTo(hard, 4);
    expect(r.acc).toBeCloseTo(correct / N, 6);
    expect(r.loss).toBeCloseTo(alpha * soft + (1 - alpha) * hard, 4);
    // A teacher run in training mode (BN on batch statistics) would give other targets: make sure it would show.
    const trainingMode = rows(tf.tidy(() => teacher.apply(data.images, { training: true }) as tf.Tensor));
    const gap = Math.max(...trainingMode.flatMap((row, e) => row.map((v, c) => Math.abs(v - zt[e][c]))));
    expect(gap).toBeGreaterThan(1e-3);
    student.dispose();
  });
});

describe("distill: the teacher", () => {
  it("is run once per example however many epochs (the cache), and reports that pass", async () => {
    const student = buildToyStudent(22);
    const predict = vi.spyOn(teacher, "predict");
    // Counts every execution of the teacher's first layer, whichever model runs it.
    const conv = teacher.getLayer("t_conv1");
    const call = vi.spyOn(conv, "call");
    try {
      const result = await distill({
        teacher, student, data, loss: { temperature: 2, alpha: 0.5 }, epochs: 3, batchSize: BATCH, seed: 1, display: false,
      });
      const predicted = predict.mock.calls.reduce((sum, args) => sum + (args[0] as tf.Tensor).shape[0], 0);
      expect(predicted).toBe(N);
      expect(examplesThrough(call)).toBe(N);
      expect(result.teacherExamples).toBe(N);
      expect(result.teacherSeconds).toBeGreaterThan(0);
      expect(result.history).toHaveLength(3);
    } finally {
      predict.mockRestore();
      call.mockRestore();
      student.dispose();
    }
  });

  it("is also run once per example with feature distillation", async () => {
    const student = buildToyStudent(23);
    const call = vi.spyOn(teacher.getLayer("t_conv1"), "call");
    try {
      const result = await distill({
        teacher, student, data, epochs: 3, batchSize: BATCH, seed: 1, display: false,
        loss: { temperature: 2, alpha: 0.5, features: { student: "s_conv", teacher: "t_pool", kind: "mse", weight: 1 } },
      });
      expect(examplesThrough(call)).toBe(N);
      expect(result.teacherExamples).toBe(N);
      result.adapter?.dispose();
    } finally {
      call.mockRestore();
      student.dispose();
    }
  });

  it("keeps every teacher weight bit-identical, BatchNorm moving mean and variance included", async () => {
    const before = snapshot(teacher);
    const names = before.map((w) => w.name);
    expect(names.some((n) => /moving_mean/.test(n))).toBe(true);
    expect(names.some((n) => /moving_variance/.test(n))).toBe(true);
    // The teacher's training moved its statistics away from the initial 0 and 1, so a change would show.
    const movingMean = before.find((w) => /moving_mean/.test(w.name))!.values;
    expect(Math.max(...Array.from(movingMean, Math.abs))).toBeGreaterThan(1e-3);
    const student = buildToyStudent(24);
    const result = await distill({
      teacher, student, data, epochs: 2, batchSize: BATCH, seed: 4, learningRate: 0.05, display: false,
      loss: { temperature: 4, alpha: 0.9, features: { student: "s_conv", teacher: "t_pool", kind: "cosine", weight: 2 } },
    });
    const after = snapshot(teacher);
    expect(after.map((w) => w.name)).toEqual(names);
    after.forEach((w, i) => expect(Array.from(w.values), w.name).toEqual(Array.from(before[i].values)));
    expect(maxAbsDifference(snapshot(student), snapshot(buildToyStudent(24)))).toBeGreaterThan(1e-4); // the student did train
    result.adapter?.dispose();
    student.dispose();
  });
});

describe("distill: α = 0 is plain training", () => {
  it("without a teacher equals fitWithProgress with cross-entropy; with a teacher at α = 0 too", async () => {
    const epochs = 3, seed = 7, learningRate = 0.01;
    const initial = snapshot(buildToyStudent(30));

    const plain = buildToyStudent(30);
    expect(maxAbsDifference(snapshot(plain), initial)).toBe(0); // same init, else the comparison means nothing
    plain.compile({ optimizer: tf.train.adam(learningRate), loss: (y: tf.Tensor, z: tf.Tensor) => crossEntropyFromLogits(y, z) });
    const fitStart = performance.now();
    await fitWithProgress(plain, data, { epochs, batchSize: BATCH, seed, display: false });
    const fitSeconds = (performance.now() - fitStart) / 1000;

    const alone = buildToyStudent(30);
    const aloneResult = await distill({
      teacher: null, student: alone, data, loss: { temperature: 1, alpha: 0 }, epochs, batchSize: BATCH, seed, learningRate, display: false,
    });
    expect(aloneResult.teacherExamples).toBe(0);
    expect(aloneResult.teacherSeconds).toBe(0);
    expect(aloneResult.history[0].soft).toBeUndefined();

    const withTeacher = buildToyStudent(30);
    const kdStart = performance.now();
    const withTeacherResult = await distill({
      teacher, student: withTeacher, data, loss: { temperature: 4, alpha: 0 }, epochs, batchSize: BATCH, seed, learningRate, display: false,
    });
    const kdSeconds = (performance.now() - kdStart) / 1000;

    expect(maxAbsDifference(snapshot(plain), initial)).toBeGreaterThan(1e-3); // training moved the weights
    expect(maxAbsDifference(snapshot(alone), snapshot(plain))).toBeLessThan(1e-5);
    expect(maxAbsDifference(snapshot(withTeacher), snapshot(alone))).toBeLessThan(1e-5);
    // The soft term is logged at α = 0 but does not enter the loss.
    for (const r of withTeacherResult.history) {
      expect(r.soft!).toBeGreaterThan(0);
      expect(r.loss).toBeCloseTo(r.hard, 5);
    }
    console.log(
      `distill timing (${epochs} epochs × ${N} examples): fitWithProgress ${fitSeconds.toFixed(3)} s, ` +
        `distill α=0 with teacher ${kdSeconds.toFixed(3)} s (teacher pass ${withTeacherResult.teacherSeconds.toFixed(3)} s, ` +
        `training ${withTeacherResult.seconds.toFixed(3)} s)`,
    );
    for (const m of [plain, alone, withTeacher]) m.dispose();
  });
});

describe("distill: feature distillation", () => {
  for (const kind of ["mse", "cosine"] as const) {
    it(`${kind}: trains a 1×1 conv adapter to the teacher's channels, lowers the feature term, leaves the student as it was`, async () => {
      const student = buildToyStudent(40);
      const alpha = 0.5, weight = 0.5;
      const result = await distill({
        teacher, student, data, epochs: 6, batchSize: BATCH, seed: 5, learningRate: 0.02, display: false,
        loss: { temperature: 2, alpha, features: { student: "s_conv", teacher: "t_pool", kind, weight } },
      });
      const adapter = result.adapter!;
      expect(adapter).not.toBeNull();
      expect(adapter.getClassName()).toBe("Conv2D");
      const [kernel, bias] = adapter.getWeights();
      expect(kernel.shape).toEqual([1, 1, 4, 8]); // student's 4 channels → teacher's 8
      expect(bias.shape).toEqual([8]);
      const h = result.history;
      expect(h[h.length - 1].feature!).toBeLessThan(h[0].feature!);
      for (const r of h) {
        expect(Number.isFinite(r.feature!)).toBe(true);
        expect(r.loss).toBeCloseTo(alpha * r.soft! + (1 - alpha) * r.hard + weight * r.feature!, 5);
      }
      // The adapter and the pooling belong to the training model only.
      expect(student.outputs).toHaveLength(1);
      expect(student.layers.slice(1).map((l) => l.name)).toEqual(["s_conv", "s_pool", "s_flat", "s_logits"]);
      const y = student.predict(data.images.slice(0, 5)) as tf.Tensor;
      expect(y.shape).toEqual([5, TOY_CLASSES]);
      y.dispose();
      adapter.dispose();
      student.dispose();
    });
  }

  it("with a learning rate of 0, the logged feature term equals MSE and cosine recomputed in float64", async () => {
    // Reference: the student's s_conv map 2×2 average-pooled, through the adapter's 1×1 conv, against the
    // teacher's t_pool map (its inference-mode values), all in plain JavaScript.
    const teacherFeatures = tf.model({ inputs: teacher.inputs, outputs: teacher.getLayer("t_pool").output as Sym });
    const t = (teacherFeatures.predict(data.images) as tf.Tensor).arraySync() as number[][][][];
    for (const kind of ["mse", "cosine"] as const) {
      const student = buildToyStudent(41);
      const result = await distill({
        teacher, student, data, epochs: 1, batchSize: BATCH, seed: 6, optimizer: tf.train.sgd(0), display: false,
        loss: { temperature: 2, alpha: 0.5, features: { student: "s_conv", teacher: "t_pool", kind, weight: 1 } },
      });
      const studentFeatures = tf.model({ inputs: student.inputs, outputs: student.getLayer("s_conv").output as Sym });
      const s = (studentFeatures.predict(data.images) as tf.Tensor).arraySync() as number[][][][];
      const [kernel, bias] = result.adapter!.getWeights().map((w) => w.arraySync());
      const k = kernel as number[][][][], b = bias as number[];
      let total = 0;
      for (let e = 0; e < N; e++) {
        let sq = 0, dot = 0, ss = 0, tt = 0;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
          const pooled = [0, 1, 2, 3].map((c) => (s[e][2 * i][2 * j][c] + s[e][2 * i + 1][2 * j][c] + s[e][2 * i][2 * j + 1][c] + s[e][2 * i + 1][2 * j + 1][c]) / 4);
          for (let o = 0; o < 8; o++) {
            const a = b[o] + pooled.reduce((acc, p, c) => acc + p * k[0][0][c][o], 0);
            const target = t[e][i][j][o];
            sq += (a - target) ** 2;
            dot += a * target;
            ss += a * a;
            tt += target * target;
          }
        }
        total += kind === "mse" ? sq / 72 : 1 - dot / Math.sqrt(ss * tt);
      }
      expect(result.history[0].feature!, kind).toBeCloseTo(total / N, 4);
      result.adapter!.dispose();
      student.dispose();
    }
  });
});

describe("distill: memory", () => {
  it("leaves no tensors behind once the adapter is disposed (its own optimizer included)", async () => {
    for (const features of [undefined, { student: "s_conv", teacher: "t_pool", kind: "mse" as const, weight: 1 }]) {
      const student = buildToyStudent(60);
      const before = tf.memory().numTensors;
      const result = await distill({ teacher, student, data, loss: { temperature: 2, alpha: 0.5, features }, epochs: 2, batchSize: BATCH, display: false });
      result.adapter?.dispose();
      expect(tf.memory().numTensors, `features ${features ? "on" : "off"}`).toBe(before);
      student.dispose();
    }
  });
});

describe("distill: bad input names the value", () => {
  const base = () => ({ teacher, data, epochs: 1, batchSize: BATCH, display: false as const });

  it("rejects α outside [0, 1], T ≤ 0, a negative feature weight and α > 0 without a teacher", async () => {
    const student = buildToyStudent(50);
    await expect(distill({ ...base(), student, loss: { temperature: 2, alpha: 1.5 } })).rejects.toThrow(/alpha.*got 1\.5/);
    await expect(distill({ ...base(), student, loss: { temperature: 0, alpha: 0.5 } })).rejects.toThrow(/temperature.*got 0/);
    await expect(distill({ ...base(), student, loss: { temperature: 2, alpha: 0.5, features: { student: "s_conv", teacher: "t_pool", kind: "mse", weight: -1 } } }))
      .rejects.toThrow(/weight.*got -1/);
    await expect(distill({ ...base(), teacher: null, student, loss: { temperature: 2, alpha: 0.5 } })).rejects.toThrow(/teacher.*alpha = 0\.5/);
    await expect(distill({ ...base(), teacher: undefined, student, loss: { temperature: 2, alpha: 0, features: { student: "s_conv", teacher: "t_pool", kind: "mse", weight: 1 } } }))
      .rejects.toThrow(/teacher.*feature/);
    student.dispose();
  });

  it("rejects a teacher with other classes, labels of the wrong width, unknown layers and unmatched feature maps", async () => {
    const student = buildToyStudent(51);
    const teacher3 = buildToyTeacher(52, 3);
    await expect(distill({ ...base(), teacher: teacher3, student, loss: { temperature: 2, alpha: 0.5 } })).rejects.toThrow(/teacher predicts 3 classes.*student 4/);
    teacher3.dispose();

    const wide = makeToyData(N, 2, 5);
    await expect(distill({ ...base(), student, data: wide, loss: { temperature: 2, alpha: 0.5 } })).rejects.toThrow(/\[examples, 4\].*\[64,5\]/);
    wide.images.dispose();
    wide.labels.dispose();

    const predict = vi.spyOn(teacher, "predict");
    try {
      await expect(distill({ ...base(), student, loss: { temperature: 2, alpha: 0.5, features: { student: "nope", teacher: "t_pool", kind: "mse", weight: 1 } } }))
        .rejects.toThrow(/student has no layer named "nope".*s_conv.*s_logits/);
      await expect(distill({ ...base(), student, loss: { temperature: 2, alpha: 0.5, features: { student: "s_conv", teacher: "t_nope", kind: "mse", weight: 1 } } }))
        .rejects.toThrow(/teacher has no layer named "t_nope".*t_bn.*t_pool/);
      // s_conv is 6×6, this teacher's conv 4×4: 6 is not a whole multiple of 4.
      const teacher4 = withSeededRandom(53, () => tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 8, kernelSize: 3, padding: "valid", name: "t4_conv" }),
          tf.layers.flatten(),
          tf.layers.dense({ units: TOY_CLASSES }),
        ],
      }));
      await expect(distill({ ...base(), teacher: teacher4, student, loss: { temperature: 2, alpha: 0.5, features: { student: "s_conv", teacher: "t4_conv", kind: "cosine", weight: 1 } } }))
        .rejects.toThrow(/height \(6\).*\(4\)/);
      teacher4.dispose();
      // A model that ends in a softmax gives probabilities, not logits: refused, for the teacher and the student.
      const probabilities = withSeededRandom(54, () => tf.sequential({
        layers: [tf.layers.flatten({ inputShape: [6, 6, 1] }), tf.layers.dense({ units: TOY_CLASSES, activation: "softmax", name: "p_out" })],
      }));
      await expect(distill({ ...base(), teacher: probabilities, student, loss: { temperature: 2, alpha: 0.5 } }))
        .rejects.toThrow(/teacher's output layer "p_out" applies a softmax/);
      await expect(distill({ ...base(), student: probabilities, loss: { temperature: 2, alpha: 0.5 } }))
        .rejects.toThrow(/student's output layer "p_out" applies a softmax/);
      probabilities.dispose();
      // Errors come before the teacher pass.
      expect(predict).not.toHaveBeenCalled();
    } finally {
      predict.mockRestore();
    }
    student.dispose();
  });
});
