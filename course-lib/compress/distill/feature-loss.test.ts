// Feature (hint) distillation losses against PyTorch (F.mse_loss, F.cosine_similarity, F.avg_pool2d and
// torch.autograd, in fixtures/kd-reference.json from fixtures/make-kd-fixture.py) and hand computations:
// cosine's scale invariance and its growth with the angle, the 1×1 adapter's shape and arithmetic, the
// pooling that matches spatial sizes, and the errors for features that cannot be matched.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../runtime/backend";
import { featureAdapter, featureDistillationLoss, spatialPooling, type FeatureLossKind } from "./feature-loss";
import { closeness, maxCloseness, readKdReference, type Nested } from "./test-helpers";

const fixture = readKdReference();

const flatten = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flatten) : [x]);
const tensorOf = (x: Nested) => tf.tensor(x as number[]);

async function lossAndGrad(student: tf.Tensor, teacher: tf.Tensor, kind: FeatureLossKind, adapter?: tf.layers.Layer | null) {
  const loss = featureDistillationLoss(student, teacher, { kind, adapter });
  const grad = tf.grad((x: tf.Tensor) => featureDistillationLoss(x, teacher, { kind, adapter }))(student);
  const result = { loss: (await loss.data())[0], grad: Array.from(await grad.data()) };
  tf.dispose([loss, grad]);
  return result;
}

/** 1 − cos of two plain vectors, in float64. */
function cosineDistance(a: number[], b: number[]): number {
  const dot = a.reduce((sum, x, i) => sum + x * b[i], 0);
  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return 1 - dot / (norm(a) * norm(b));
}

beforeAll(async () => {
  await initBackend();
});

describe("featureDistillationLoss against PyTorch (fixtures/kd-reference.json)", () => {
  it("the fixture has maps, embeddings and the 8×6 → 4×3 pooling case", () => {
    expect(fixture.features.map((c) => c.pool)).toEqual([null, null, [2, 2]]);
  });

  for (const c of fixture.features) {
    for (const kind of ["mse", "cosine"] as const) {
      it(`${kind}: value and gradient w.r.t. the student to 1e-5: ${c.name}`, async () => {
        const [s, t] = [tensorOf(c.student), tensorOf(c.teacher)];
        const got = await lossAndGrad(s, t, kind);
        expect(closeness(got.loss, c[kind].loss)).toBeLessThan(1e-5);
        expect(maxCloseness(got.grad, flatten(c[kind].gradStudent))).toBeLessThan(1e-5);
        tf.dispose([s, t]);
      });
    }
  }

  it("pooling: the 8×6 student is average-pooled by 2 to the teacher's 4×3, and a larger teacher is pooled instead", async () => {
    const c = fixture.features[2];
    const [s, t] = [tensorOf(c.student), tensorOf(c.teacher)];
    expect(s.shape).toEqual([2, 8, 6, 3]);
    expect(t.shape).toEqual([2, 4, 3, 3]);
    expect(spatialPooling(s.shape, t.shape)).toEqual({ student: [2, 2], teacher: [1, 1] });
    expect(spatialPooling([null, 4, 3, 3], [null, 8, 6, 3])).toEqual({ student: [1, 1], teacher: [2, 2] });
    expect(spatialPooling([null, 32], [null, 64])).toEqual({ student: [1, 1], teacher: [1, 1] });
    // Swapping the roles pools the other side: the MSE is symmetric, so torch's value holds either way.
    const swapped = featureDistillationLoss(t, s, { kind: "mse" });
    expect(closeness((await swapped.data())[0], c.mse.loss)).toBeLessThan(1e-5);
    tf.dispose([s, t, swapped]);
  });
});

describe("loss properties", () => {
  it("mse is 0 for equal features and equals the hand-computed mean of squares", async () => {
    const x = tf.tensor4d([1, -2, 3, 0.5, 4, -1, 2, 2], [2, 2, 2, 1]);
    const same = featureDistillationLoss(x, x, { kind: "mse" });
    expect((await same.data())[0]).toBe(0);
    const y = tf.tensor4d([0, -2, 1, 0.5, 4, 1, 2, 5], [2, 2, 2, 1]);
    const loss = featureDistillationLoss(x, y, { kind: "mse" });
    expect(closeness((await loss.data())[0], (1 + 4 + 4 + 9) / 8)).toBeLessThan(1e-6);
    tf.dispose([x, same, y, loss]);
  });

  it("cosine is scale-invariant (for positive scales) and 0 for parallel features", async () => {
    const c = fixture.features[0];
    const [s, t] = [tensorOf(c.student), tensorOf(c.teacher)];
    for (const k of [1e-3, 0.5, 7, 1e3]) {
      const scaled = tf.mul(s, k);
      const loss = featureDistillationLoss(scaled, t, { kind: "cosine" });
      expect(closeness((await loss.data())[0], c.cosine.loss)).toBeLessThan(1e-5);
      const parallel = featureDistillationLoss(scaled, s, { kind: "cosine" });
      expect(Math.abs((await parallel.data())[0])).toBeLessThan(1e-6);
      tf.dispose([scaled, loss, parallel]);
    }
    // mse is not scale-invariant: the contrast shows the test above can tell the two apart.
    const [scaled, plain] = [featureDistillationLoss(tf.mul(s, 7), t, { kind: "mse" }), featureDistillationLoss(s, t, { kind: "mse" })];
    expect((await scaled.data())[0]).toBeGreaterThan(2 * (await plain.data())[0]);
    tf.dispose([s, t, scaled, plain]);
  });

  it("cosine is 1 − cos θ: it grows with the angle between the vectors, from 0 (aligned) to 2 (opposite)", async () => {
    const teacher = tf.tensor2d([[3, 0]]);
    let previous = -Infinity;
    for (const degrees of [0, 15, 45, 90, 135, 180]) {
      const θ = (degrees * Math.PI) / 180;
      const vector = [2 * Math.cos(θ), 2 * Math.sin(θ)];
      const student = tf.tensor2d([vector]);
      const loss = (await featureDistillationLoss(student, teacher, { kind: "cosine" }).data())[0];
      expect(Math.abs(loss - (1 - Math.cos(θ)))).toBeLessThan(1e-6);
      expect(Math.abs(loss - cosineDistance(vector, [3, 0]))).toBeLessThan(1e-6);
      expect(loss).toBeGreaterThan(previous); // a "−cos"-less or sign-flipped loss would fall here
      previous = loss;
      student.dispose();
    }
    expect(previous).toBeCloseTo(2, 6);
    teacher.dispose();
  });

  it("cosine of a zero vector gives a finite loss (1) and a finite gradient, not NaN", async () => {
    const zero = tf.zeros([2, 3, 3, 2]);
    const t = tf.randomNormal([2, 3, 3, 2], 0, 1, "float32", 7);
    for (const [s, teacher] of [[zero, t], [t, zero], [zero, zero]]) {
      const got = await lossAndGrad(s, teacher, "cosine");
      expect(got.loss).toBeCloseTo(1, 6);
      expect(got.grad.every(Number.isFinite)).toBe(true);
    }
    tf.dispose([zero, t]);
  });

  it("leaves no tensors behind", () => {
    const [s, t] = [tf.ones([2, 4, 4, 3]), tf.zeros([2, 2, 2, 3])];
    const before = tf.memory().numTensors;
    const loss = featureDistillationLoss(s, t, { kind: "cosine" });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([s, t, loss]);
  });
});

describe("featureAdapter", () => {
  it("maps 4 channels to 16 with a 1×1 convolution of 16 filters", () => {
    const adapter = featureAdapter([null, 8, 8, 4], [null, 8, 8, 16]);
    expect(adapter).not.toBeNull();
    expect(adapter!.getClassName()).toBe("Conv2D");
    const config = adapter!.getConfig();
    expect(config.filters).toBe(16);
    expect(config.kernelSize).toEqual([1, 1]);
    const x = tf.ones([2, 8, 8, 4]);
    const y = adapter!.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 8, 16]);
    tf.dispose([x, y]);
  });

  it("is null when the channel counts already match, and a dense layer for [batch, features] embeddings", () => {
    expect(featureAdapter([null, 8, 8, 16], [null, 4, 4, 16])).toBeNull();
    expect(featureAdapter([null, 32], [null, 32])).toBeNull();
    const dense = featureAdapter([null, 8], [null, 32]);
    expect(dense!.getClassName()).toBe("Dense");
    expect(dense!.getConfig().units).toBe(32);
  });

  it("the loss through the adapter is pool, then x·W + b, then mse against the teacher (checked by hand), and trains W and b", async () => {
    // Student 4×4 with 2 channels against a teacher 2×2 with 3: pooled by 2, then the 1×1 conv maps 2 → 3.
    const s = tf.randomNormal([1, 4, 4, 2], 0, 1, "float32", 3);
    const t = tf.randomNormal([1, 2, 2, 3], 0, 1, "float32", 4);
    const adapter = featureAdapter(s.shape, t.shape, "test_adapter")!;
    const loss = featureDistillationLoss(s, t, { kind: "mse", adapter });
    const [kernel, bias] = adapter.getWeights().map((w) => Array.from(w.dataSync()));
    expect(kernel.length).toBe(2 * 3);
    const sv = Array.from(await s.data()), tv = Array.from(await t.data());
    let sum = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        for (let o = 0; o < 3; o++) {
          let y = bias[o];
          for (let c = 0; c < 2; c++) {
            // Average of the 2×2 block at (2i, 2j) of channel c.
            const block = [0, 1].flatMap((di) => [0, 1].map((dj) => sv[((2 * i + di) * 4 + (2 * j + dj)) * 2 + c]));
            y += (block.reduce((a, b) => a + b, 0) / 4) * kernel[c * 3 + o];
          }
          sum += (y - tv[(i * 2 + j) * 3 + o]) ** 2;
        }
      }
    }
    expect(closeness((await loss.data())[0], sum / 12)).toBeLessThan(1e-5);
    const { value, grads } = tf.variableGrads(() => featureDistillationLoss(s, t, { kind: "mse", adapter }), adapter.trainableWeights.map((w) => w.read() as tf.Variable));
    const names = Object.keys(grads);
    expect(names.length).toBe(2);
    for (const name of names) {
      const g = Array.from(await grads[name].data());
      expect(g.every(Number.isFinite) && g.some((x) => x !== 0)).toBe(true);
    }
    tf.dispose([s, t, loss, value, ...Object.values(grads)]);
  });
});

describe("features that cannot be matched are rejected with errors naming the sizes", () => {
  it("a spatial ratio that is not an integer (6 against 4) names both sizes", () => {
    expect(() => featureAdapter([null, 6, 6, 4], [null, 4, 4, 8])).toThrow(RangeError);
    expect(() => featureAdapter([null, 6, 6, 4], [null, 4, 4, 8])).toThrow(/student's height \(6\) and the teacher's \(4\)/);
    expect(() => spatialPooling([null, 8, 6, 4], [null, 4, 4, 4])).toThrow(/student's width \(6\) and the teacher's \(4\)/);
    const [s, t] = [tf.zeros([1, 6, 6, 2]), tf.zeros([1, 4, 4, 2])];
    expect(() => featureDistillationLoss(s, t, { kind: "mse" })).toThrow(/\(6\).*\(4\)/);
    tf.dispose([s, t]);
  });

  it("a map against an embedding (rank mismatch), and a rank that is neither", () => {
    expect(() => featureAdapter([null, 8, 8, 4], [null, 16])).toThrow(/\[,8,8,4\].*\[,16\].*both be maps or both be vectors/);
    const [s, t] = [tf.zeros([2, 4, 4, 3]), tf.zeros([2, 48])];
    expect(() => featureDistillationLoss(s, t, { kind: "cosine" })).toThrow(/both be maps or both be vectors/);
    const v = tf.zeros([2, 4, 12]);
    expect(() => featureDistillationLoss(v, v, { kind: "cosine" })).toThrow(/got shape \[2,4,12\]/);
    tf.dispose([s, t, v]);
  });

  it("different channel counts without an adapter name both counts", () => {
    const [s, t] = [tf.zeros([1, 4, 4, 4]), tf.zeros([1, 4, 4, 16])];
    expect(() => featureDistillationLoss(s, t, { kind: "mse" })).toThrow(RangeError);
    expect(() => featureDistillationLoss(s, t, { kind: "mse" })).toThrow(/student's features have 4 channels and the teacher's 16/);
    tf.dispose([s, t]);
  });

  it("an unknown kind names the value and the choices", () => {
    const x = tf.zeros([1, 4]);
    expect(() => featureDistillationLoss(x, x, { kind: "l2" as FeatureLossKind })).toThrow(RangeError);
    expect(() => featureDistillationLoss(x, x, { kind: "l2" as FeatureLossKind })).toThrow(/kind must be one of "mse", "cosine", got "l2"/);
    expect(() => featureDistillationLoss(x, x, {} as { kind: FeatureLossKind })).toThrow(/got undefined/);
    x.dispose();
  });
});
