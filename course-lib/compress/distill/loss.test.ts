// The soft-target distillation loss against references we did not write: PyTorch's F.kl_div /
// F.cross_entropy and torch.autograd (fixtures/kd-reference.json, made by fixtures/make-kd-fixture.py),
// central finite differences of a plain-JS float64 loss, and hand derivations (Hinton's high-T limit).
// Each pitfall that published implementations shipped (compression.md §1.2, §1.5, §6) has a test that the
// buggy variant would fail: teacher and student swapped, T² missing, element-mean KL, α on the other term,
// T on one side only.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonMismatches, pythonCannotImport, regenerateFixture } from "../../tools/python-fixture";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../runtime/backend";
import { crossEntropyFromLogits, distillationLoss, distillationLossTerms, softmaxWithTemperature } from "./loss";
import { closeness, logSoftmax64, maxCloseness, readKdReference, type LogitBatch, type Matrix } from "./test-helpers";

const SCRIPT_PATH = join(__dirname, "fixtures", "make-kd-fixture.py");

const fixture = readKdReference();

// ---- An independent float64 reference in plain JS (no tfjs): used for finite differences and the pitfalls.


/** Σ_c p (log p − log q) per example, p = softmax(target/T), q = softmax(moving/T). */
function klRows(target: Matrix, moving: Matrix, T: number): number[] {
  return target.map((row, b) => {
    const logP = logSoftmax64(row, T);
    const logQ = logSoftmax64(moving[b], T);
    return logP.reduce((sum, lp, c) => sum + Math.exp(lp) * (lp - logQ[c]), 0);
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The correct soft term: T² · batch mean of KL(teacher ‖ student), summed over the classes. */
function softRef(student: Matrix, teacher: Matrix, T: number): number {
  return T * T * mean(klRows(teacher, student, T));
}

function hardRef(student: Matrix, labels: Matrix): number {
  return mean(student.map((row, b) => -logSoftmax64(row, 1).reduce((sum, lq, c) => sum + labels[b][c] * lq, 0)));
}

function totalRef(student: Matrix, teacher: Matrix, labels: Matrix, T: number, alpha: number): number {
  return alpha * softRef(student, teacher, T) + (1 - alpha) * hardRef(student, labels);
}

/** Central differences of f at x, in float64. */
function finiteDifferenceGrad(f: (x: Matrix) => number, x: Matrix, h: number): Matrix {
  return x.map((row, b) =>
    row.map((_, c) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      plus[b][c] += h;
      minus[b][c] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

// ---- tfjs side

async function termsOf(student: Matrix, teacher: Matrix, labels: Matrix, temperature: number, alpha: number) {
  const [s, t, y] = [tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor2d(labels)];
  const terms = distillationLossTerms(s, t, y, { temperature, alpha });
  const values = { soft: (await terms.soft.data())[0], hard: (await terms.hard.data())[0], total: (await terms.total.data())[0] };
  tf.dispose([s, t, y, terms.soft, terms.hard, terms.total]);
  return values;
}

/** tf.grad of `which` term w.r.t. the student's logits. */
async function gradOf(which: "soft" | "hard" | "total", student: Matrix, teacher: Matrix, labels: Matrix, temperature: number, alpha: number) {
  const [s, t, y] = [tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor2d(labels)];
  const grad = tf.grad((x: tf.Tensor) => {
    const terms = distillationLossTerms(x, t, y, { temperature, alpha });
    return terms[which];
  })(s);
  const values = Array.from(await grad.data());
  tf.dispose([s, t, y, grad]);
  return values;
}

const flat = (m: Matrix) => m.flat();
const oneHot = (indices: number[], classes: number): Matrix => indices.map((i) => Array.from({ length: classes }, (_, c) => (c === i ? 1 : 0)));

/** A seeded uniform(−scale, scale) matrix (mulberry32), for cases the fixture does not cover. */
function randomMatrix(rows: number, cols: number, scale: number, seed: number): Matrix {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Rounded to float32 so tfjs and the float64 reference see the same inputs.
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround((2 * next() - 1) * scale)));
}

const batchA = fixture.logits[0]; // batch 5, 12 classes
const caseOf = (batch: LogitBatch, T: number, alpha: number) => {
  const found = batch.cases.find((c) => c.temperature === T && c.alpha === alpha);
  if (!found) throw new Error(`fixture has no case T=${T}, alpha=${alpha}`);
  return found;
};

beforeAll(async () => {
  await initBackend();
});

describe("distillationLoss against PyTorch (fixtures/kd-reference.json)", () => {
  it("fixture records its generator and torch version, and covers the grid", () => {
    expect(fixture.generator).toBe("course-lib/compress/distill/fixtures/make-kd-fixture.py");
    expect(fixture.torch).toMatch(/^\d+\.\d+/);
    expect(fixture.logits.map((b) => b.student[0].length)).toContain(2);
    for (const batch of fixture.logits) {
      expect(new Set(batch.cases.map((c) => c.temperature))).toEqual(new Set([0.5, 1, 2, 4, 10, 20]));
      expect(new Set(batch.cases.map((c) => c.alpha))).toEqual(new Set([0, 0.1, 0.5, 0.9, 1]));
    }
  });

  it("the plain-JS float64 reference agrees with torch to 1e-12 (so it can stand in for torch below)", () => {
    for (const batch of fixture.logits) {
      for (const c of batch.cases) {
        expect(closeness(softRef(batch.student, batch.teacher, c.temperature), c.soft)).toBeLessThan(1e-12);
        expect(closeness(hardRef(batch.student, batch.labels), c.hard)).toBeLessThan(1e-12);
        expect(closeness(totalRef(batch.student, batch.teacher, batch.labels, c.temperature, c.alpha), c.total)).toBeLessThan(1e-12);
      }
    }
  });

  for (const batch of fixture.logits) {
    it(`soft, hard and total match torch to 1e-5 over T × α: ${batch.name}`, async () => {
      const failures: string[] = [];
      for (const c of batch.cases) {
        const got = await termsOf(batch.student, batch.teacher, batch.labels, c.temperature, c.alpha);
        for (const key of ["soft", "hard", "total"] as const) {
          const error = closeness(got[key], c[key]);
          if (!(error <= 1e-5)) failures.push(`T=${c.temperature} α=${c.alpha} ${key}: ${got[key]} vs torch ${c[key]} (error ${error.toExponential(2)})`);
        }
      }
      expect(failures).toEqual([]);
    });

    it(`gradient w.r.t. the student's logits matches torch.autograd over T × α: ${batch.name}`, async () => {
      const failures: string[] = [];
      for (const c of batch.cases) {
        const got = await gradOf("total", batch.student, batch.teacher, batch.labels, c.temperature, c.alpha);
        const error = maxCloseness(got, flat(c.gradStudent));
        if (!(error <= 1e-5)) failures.push(`T=${c.temperature} α=${c.alpha}: max error ${error.toExponential(2)}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

describe("the soft term's gradient against float64 finite differences", () => {
  for (const T of [1, 4, 10]) {
    it(`T = ${T}: tf.grad of the soft term equals central differences, and T·(q − p)/B`, async () => {
      const { student, teacher, labels } = batchA;
      const fd = finiteDifferenceGrad((s) => softRef(s, teacher, T), student, 1e-5);
      const got = await gradOf("soft", student, teacher, labels, T, 1);
      expect(maxCloseness(got, flat(fd))).toBeLessThan(1e-5);
      // Hinton's closed form, with our T² and batch mean: ∂soft/∂z_i = T · (q_i − p_i) / B.
      const B = student.length;
      const closedForm = student.map((row, b) => {
        const q = logSoftmax64(row, T).map(Math.exp);
        const p = logSoftmax64(teacher[b], T).map(Math.exp);
        return q.map((qi, i) => (T * (qi - p[i])) / B);
      });
      expect(maxCloseness(flat(fd), flat(closedForm))).toBeLessThan(1e-8);
    });
  }
});

describe("pitfalls of published implementations, each caught", () => {
  const { student, teacher, labels } = batchA;

  it("direction: KL(teacher ‖ student), not the swapped KL(student ‖ teacher) (keras-io #257)", async () => {
    for (const T of [1, 4]) {
      const { soft } = await termsOf(student, teacher, labels, T, 1);
      const correct = caseOf(batchA, T, 1).soft; // torch: kl_div(log q_student, p_teacher)
      const swapped = T * T * mean(klRows(student, teacher, T));
      expect(closeness(soft, correct)).toBeLessThan(1e-5);
      // KL is asymmetric: the swapped value is far away on these logits (more than 5 %), so a swap fails.
      expect(Math.abs(swapped - correct) / correct).toBeGreaterThan(0.05);
      expect(Math.abs(soft - swapped)).toBeGreaterThan(100 * Math.abs(soft - correct));
    }
  });

  it("T² is present: the soft term at T = 4 is 16 × KL", async () => {
    const { soft } = await termsOf(student, teacher, labels, 4, 1);
    const kl = mean(klRows(teacher, student, 4)); // no T²
    expect(closeness(soft / 16, kl)).toBeLessThan(1e-5);
    expect(Math.abs(soft - kl)).toBeGreaterThan(1); // a missing T² would be 16× smaller
  });

  it("reduction: summed over the classes and averaged over the batch (not an element mean, not a sum)", async () => {
    const { soft } = await termsOf(student, teacher, labels, 2, 1);
    const perExample = klRows(teacher, student, 2).map((kl) => 4 * kl);
    const classes = student[0].length;
    const elementMean = perExample.reduce((a, b) => a + b, 0) / (student.length * classes);
    expect(classes).toBe(12);
    expect(closeness(soft, mean(perExample))).toBeLessThan(1e-5);
    expect(closeness(soft / elementMean, 12)).toBeLessThan(1e-5); // attention-transfer's bug was 12× too small
    // A batch of the same example twice has the per-example value: a batch sum would double it.
    const one = await termsOf([student[0]], [teacher[0]], [labels[0]], 2, 1);
    const twice = await termsOf([student[0], student[0]], [teacher[0], teacher[0]], [labels[0], labels[0]], 2, 1);
    expect(closeness(one.soft, perExample[0])).toBeLessThan(1e-5);
    expect(closeness(twice.soft, one.soft)).toBeLessThan(1e-6);
    expect(closeness(twice.hard, one.hard)).toBeLessThan(1e-6);
  });

  it("α weights the soft term: α = 1 gives the soft term, α = 0 plain cross-entropy", async () => {
    const all = await termsOf(student, teacher, labels, 4, 1);
    expect(all.total).toBe(all.soft);
    const none = await termsOf(student, teacher, labels, 4, 0);
    expect(none.total).toBe(none.hard);
    const [s, y] = [tf.tensor2d(student), tf.tensor2d(labels)];
    const ce = crossEntropyFromLogits(y, s);
    expect(closeness((await ce.data())[0], caseOf(batchA, 4, 0).hard)).toBeLessThan(1e-5);
    expect(none.total).toBe((await ce.data())[0]);
    tf.dispose([s, y, ce]);
    // With soft ≠ hard, α = 0.9 on the hard term (Keras's convention) would give a different number.
    const mostlySoft = await termsOf(student, teacher, labels, 4, 0.9);
    expect(closeness(mostlySoft.total, 0.9 * all.soft + 0.1 * none.hard)).toBeLessThan(1e-5);
    expect(Math.abs(mostlySoft.total - (0.1 * all.soft + 0.9 * none.hard))).toBeGreaterThan(0.5);
  });

  it("the soft term is 0 when the student's logits equal the teacher's, at every T", async () => {
    for (const T of [0.5, 1, 4, 20]) {
      const { soft } = await termsOf(student, student, labels, T, 1);
      expect(Math.abs(soft)).toBeLessThan(1e-5);
      const grad = await gradOf("soft", student, student, labels, T, 1);
      expect(Math.max(...grad.map(Math.abs))).toBeLessThan(1e-6);
    }
  });

  it("T softens both sides: a one-sided T gives a non-zero soft term for identical logits and differs from torch", async () => {
    // The buggy variant (teacher softened, student at T = 1), in float64: what the correct loss must not equal.
    const oneSided = (s: Matrix, t: Matrix, T: number) =>
      T * T * mean(t.map((row, b) => {
        const logP = logSoftmax64(row, T);
        const logQ = logSoftmax64(s[b], 1);
        return logP.reduce((sum, lp, c) => sum + Math.exp(lp) * (lp - logQ[c]), 0);
      }));
    expect(oneSided(student, student, 4)).toBeGreaterThan(1); // so the previous test catches it
    const { soft } = await termsOf(student, teacher, labels, 4, 1);
    expect(closeness(soft, caseOf(batchA, 4, 1).soft)).toBeLessThan(1e-5);
    expect(Math.abs(soft - oneSided(student, teacher, 4))).toBeGreaterThan(1);
  });

  it("adding a constant to a row of logits (student or teacher) changes nothing", async () => {
    const shift = (m: Matrix, by: (b: number) => number) => m.map((row, b) => row.map((z) => z + by(b)));
    const base = caseOf(batchA, 2, 0.5);
    const moved = await termsOf(shift(student, (b) => 7 + b), shift(teacher, (b) => -3 * b), labels, 2, 0.5);
    expect(closeness(moved.soft, base.soft)).toBeLessThan(1e-5);
    expect(closeness(moved.hard, base.hard)).toBeLessThan(1e-5);
    expect(closeness(moved.total, base.total)).toBeLessThan(1e-5);
  });
});

describe("numerical stability", () => {
  it("logits of ±1e4 give finite values and gradients, equal to the float64 reference", async () => {
    const student = [[1e4, -1e4, 0, 5e3], [-1e4, 1e4, 1e4, -1e4], [0, 0, 1e4, 0]];
    const teacher = [[-1e4, 1e4, 0, -5e3], [1e4, -1e4, 1e4, 1e4], [0, 1e4, 0, 0]];
    const labels = oneHot([1, 0, 3], 4);
    for (const T of [1, 4]) {
      for (const alpha of [0, 0.5, 1]) {
        const got = await termsOf(student, teacher, labels, T, alpha);
        for (const value of Object.values(got)) expect(Number.isFinite(value)).toBe(true);
        expect(closeness(got.total, totalRef(student, teacher, labels, T, alpha))).toBeLessThan(1e-5);
        const grad = await gradOf("total", student, teacher, labels, T, alpha);
        expect(grad.every(Number.isFinite)).toBe(true);
        // The exact gradient, saturated softmaxes: α·T·(q_T − p_T)/B + (1 − α)(q_1 − y)/B.
        const B = student.length;
        const expected = student.flatMap((row, b) => {
          const qT = logSoftmax64(row, T).map(Math.exp), pT = logSoftmax64(teacher[b], T).map(Math.exp);
          const q1 = logSoftmax64(row, 1).map(Math.exp);
          return row.map((_, i) => (alpha * T * (qT[i] - pT[i]) + (1 - alpha) * (q1[i] - labels[b][i])) / B);
        });
        expect(maxCloseness(grad, expected)).toBeLessThan(1e-5);
      }
    }
  });
});

describe("Hinton's high-temperature limit", () => {
  it("with zero-mean logits and T = 100, ∂soft/∂z_i ≈ (z_i − v_i)/(N·B) (logit matching)", async () => {
    // ∂soft/∂z_i = T·(q_i − p_i)/B, and at high T with zero-mean logits q_i ≈ (1 + z_i/T)/N, so
    // q_i − p_i ≈ (z_i − v_i)/(N·T): the T cancels and the gradient is that of the squared logit distance.
    const center = (m: Matrix) => m.map((row) => row.map((z) => z - mean(row)));
    const student = center(randomMatrix(4, 10, 3, 1)).map((r) => r.map(Math.fround));
    const teacher = center(randomMatrix(4, 10, 3, 2)).map((r) => r.map(Math.fround));
    const labels = oneHot([0, 1, 2, 3], 10);
    const [B, N] = [4, 10];
    const logitMatching = student.flatMap((row, b) => row.map((z, i) => (z - teacher[b][i]) / (N * B)));
    const scale = Math.max(...logitMatching.map(Math.abs));
    const relativeDeviation = (grad: number[]) => Math.max(...grad.map((g, i) => Math.abs(g - logitMatching[i]))) / scale;
    const hot = await gradOf("soft", student, teacher, labels, 100, 1);
    expect(relativeDeviation(hot)).toBeLessThan(0.03);
    // The approximation is a high-T limit, not an identity: at T = 1 it is far off.
    const cold = await gradOf("soft", student, teacher, labels, 1, 1);
    expect(relativeDeviation(cold)).toBeGreaterThan(0.3);
  });
});

describe("softmaxWithTemperature", () => {
  const logits = batchA.teacher;
  const entropy = (p: number[]) => -p.reduce((sum, x) => sum + (x > 0 ? x * Math.log(x) : 0), 0);

  it("rows sum to 1, match the float64 softmax(z/T), and T = 1 equals tf.softmax", async () => {
    const z = tf.tensor2d(logits);
    for (const T of [0.5, 1, 4, 20]) {
      const p = softmaxWithTemperature(z, T);
      const rows = (await p.array()) as Matrix;
      for (const row of rows) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      expect(maxCloseness(rows.flat(), logits.flatMap((row) => logSoftmax64(row, T).map(Math.exp)))).toBeLessThan(1e-6);
      p.dispose();
    }
    const ours = softmaxWithTemperature(z, 1);
    const plain = tf.softmax(z);
    expect(maxCloseness(await ours.data(), await plain.data())).toBeLessThan(1e-6);
    tf.dispose([z, ours, plain]);
  });

  it("a higher temperature gives a higher entropy, up to log N", async () => {
    const z = tf.tensor2d([logits[0]]);
    const entropies: number[] = [];
    for (const T of [0.5, 1, 2, 4, 10, 100]) {
      const p = softmaxWithTemperature(z, T);
      entropies.push(entropy(Array.from(await p.data())));
      p.dispose();
    }
    z.dispose();
    for (let i = 1; i < entropies.length; i++) expect(entropies[i]).toBeGreaterThan(entropies[i - 1]);
    expect(entropies[entropies.length - 1]).toBeLessThanOrEqual(Math.log(12) + 1e-6);
    expect(entropies[entropies.length - 1]).toBeGreaterThan(Math.log(12) - 0.01);
  });

  it("a bad temperature throws a RangeError naming the value", () => {
    const z = tf.tensor2d([[1, 2, 3]]);
    for (const [bad, shown] of [[0, "0"], [-1, "-1"], [NaN, "NaN"], [Infinity, "Infinity"], ["2", "2"]] as const) {
      expect(() => softmaxWithTemperature(z, bad as unknown as number)).toThrow(RangeError);
      expect(() => softmaxWithTemperature(z, bad as unknown as number)).toThrow(new RegExp(`temperature.*got ${shown}$`));
    }
    z.dispose();
  });
});

describe("distillationLoss rejects bad input with errors that name the value", () => {
  const s = () => tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
  const y = () => tf.tensor2d(oneHot([2, 1], 3));

  it("α outside [0, 1] or not a number", () => {
    const [a, b, c] = [s(), s(), y()];
    for (const [bad, shown] of [[-0.1, "-0.1"], [1.5, "1.5"], [NaN, "NaN"], ["0.5", "0.5"]] as const) {
      expect(() => distillationLoss(a, b, c, { temperature: 2, alpha: bad as unknown as number })).toThrow(RangeError);
      expect(() => distillationLoss(a, b, c, { temperature: 2, alpha: bad as unknown as number })).toThrow(new RegExp(`alpha.*got ${shown}$`));
    }
    expect(() => distillationLoss(a, b, c, { temperature: 0, alpha: 0.5 })).toThrow(/temperature.*got 0$/);
    tf.dispose([a, b, c]);
  });

  it("teacher and student with different class counts: the message gives both counts", () => {
    const [student, teacher, labels] = [s(), tf.tensor2d([[1, 2, 3, 4, 5], [0, 0, 0, 0, 0]]), y()];
    expect(() => distillationLoss(student, teacher, labels, { temperature: 2, alpha: 0.5 })).toThrow(/teacher has 5 classes but the student 3/);
    tf.dispose([student, teacher, labels]);
  });

  it("labels that are not one-hot [batch, classes] like the student's logits", () => {
    const [a, b] = [s(), s()];
    const cases: [tf.Tensor, RegExp][] = [
      [tf.tensor1d([2, 1]), /labels must be \[batch, classes\], got shape \[2\]/],
      [tf.tensor2d(oneHot([2, 1], 4)), /labels must be one-hot \[2,3\].*got \[2,4\]/],
      [tf.tensor2d(oneHot([2], 3)), /labels must be one-hot \[2,3\].*got \[1,3\]/],
    ];
    for (const [labels, message] of cases) {
      expect(() => distillationLoss(a, b, labels, { temperature: 2, alpha: 0.5 })).toThrow(message);
      labels.dispose();
    }
    tf.dispose([a, b]);
  });

  it("leaves no tensors behind", () => {
    const [a, b, c] = [s(), s(), y()];
    const before = tf.memory().numTensors;
    const loss = distillationLoss(a, b, c, { temperature: 2, alpha: 0.5 });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([a, b, c, loss]);
  });
});

describe("make-kd-fixture.py reproduces the committed fixture", () => {
  const missing = pythonCannotImport("torch", "python3-torch");

  it("regenerated numbers equal the committed JSON to 1e-12", (ctx) => {
    if (missing) ctx.skip(`skipped: ${missing}`);
    const regenerated = regenerateFixture(SCRIPT_PATH, "kd-reference.json", readKdReference);
    expect(jsonMismatches(regenerated, fixture, { ignoreKeys: ["torch"] })).toEqual([]);
  }, 90_000);
});
